"""Seeded generator of bad routine files and prescriptions, and a harness that runs each through the CLI.

Every case is a small folder of files and one ``rehabcoach`` command.  The harness runs the command
in-process with stdout and stderr as an ASCII-only terminal would have them (the strictest encoding a
patient's console may have), and reports a failure when:

- anything escapes ``main()`` (a traceback), or a Python warning is printed raw;
- a case built to be wrong exits with 0;
- a failing command's output does not name the file, or (for the families that have one) its line
  and column;
- the output holds a raw control character (a title with an escape sequence reaching the terminal);
- a mistake in one file hides the report of another file in the same folder (``validate`` of a batch).

Run it on its own to print a table per family: ``python -m fuzz.inputs [CASES] [SEED]`` from tests/
(with PYTHONPATH pointing at the code to try, e.g. main's checkout for a "before" figure).
"""

from __future__ import annotations

import contextlib
import io
import random
import re
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "exercises"

# A sentinel file with one known mistake: it must be reported whatever the other files hold.
SENTINEL_NAME = "zz-sentinel.yaml"
SENTINEL = "kind: routine\nid: zz-sentinel\ntitle: Sentinel\ndescription: A routine with one mistake.\n" \
           "items:\n  - exercise: gentle-smile\n    colour: blue\n"
SENTINEL_MISTAKE = "unknown key 'colour'"

PRESCRIPTION = """\
kind: prescription
title: Home programme
patient: Fuzz
prescribed_by: J. Smith
starts_on: 2026-11-01
ends_on: 2026-11-29
notes: Keep the smile small.
routines:
  - routine: daily-practice
    times: 1
    per: day
exercises:
  gentle-smile:
    reps: 4
    hold_seconds: 3
    thresholds:
      eye_aperture: 0.12
bundle:
  - custom
"""

CUSTOM_ROUTINE = b"""\
kind: routine
id: fuzz-smile
title: Smile practice
description: The gentle smile, twice, for this patient.
items:
  - exercise: gentle-smile
  - exercise: gentle-smile
"""

CONTROL_TEXTS = ["\\e[31mRED\\e[0m", "bell\\a", "\\u202eevil", "\\x9b2J", "\\u200b\\u200b\\u200b", "\\x7f\\x7f",
                 "back\\bspace", "\\u2066\\u2069"]
UNENCODABLE = ["Übung für die Wange", "微笑練習", "smile 😀", "\\ud800 lone"]
BAD_PATHS = ["\\0", "a" * 5000, "assets/" + "x" * 300 + ".svg", "\\ud800.svg", "/".join(["d"] * 600) + "/a.svg",
             "assets/\\udcff.svg", "a\\0b/c.svg"]
WRONG_VALUES = ["true", "false", "!!null", "", "~", "null", "[1, 2]", "{a: 1}", "'5'", ".nan", ".inf", "-.inf",
                "!!bool yes", "1e400"]


@dataclass
class Case:
    family: str
    name: str
    files: dict[str, bytes]  # path relative to the case folder -> content
    argv: Callable[[Path], list[str]]  # the command, given the case folder
    must_fail: bool = True
    named: str = ""  # text a failing command's output must hold (a file name)
    position: bool = False  # the output must give LINE:COLUMN after the file name
    batch: bool = False  # the sentinel's mistake must be reported too


@dataclass
class Outcome:
    case: Case
    problems: list[str] = field(default_factory=list)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _library_files() -> dict[str, str]:
    return {str(p.relative_to(LIBRARY)): _text(p) for p in sorted(LIBRARY.rglob("*.yaml"))}


def _movement_exercises(files: dict[str, str]) -> list[str]:
    return [name for name in files if name.startswith("movement/")]


def _replace_value(text: str, key: str, value: str, rng: random.Random) -> str | None:
    """Put ``value`` in place of one (random) occurrence of ``key: ...`` on a single line."""
    lines = text.split("\n")
    where = [i for i, line in enumerate(lines) if re.match(rf"^\s*(- )?{key}:\s*\S", line)]
    if not where:
        return None
    index = rng.choice(where)
    lines[index] = re.sub(rf"^(\s*(- )?{key}:).*$", lambda m: f"{m.group(1)} {value}".rstrip(), lines[index])
    return "\n".join(lines)


def generate(count: int, seed: int = 1) -> list[Case]:
    """``count`` cases, the same for the same seed, spread over every family."""
    rng = random.Random(seed)
    library = _library_files()
    movement = _movement_exercises(library)
    makers = [_yaml_syntax, _wrong_type, _control_text, _unencodable, _illustration_path, _bundle_path,
              _prescription_type, _prescription_text, _random_bytes, _tags_and_anchors]
    cases = []
    for index in range(count):
        maker = makers[index % len(makers)]
        case = None
        while case is None:
            case = maker(rng, library, movement, index)
        cases.append(case)
    return cases


def _batch_case(family: str, name: str, file_name: str, content: bytes, **extra) -> Case:
    files = {f"lib/{file_name}": content, f"lib/{SENTINEL_NAME}": SENTINEL.encode(), **_illustrations("lib")}
    return Case(family, name, files, lambda folder: ["validate", str(folder / "lib")], named=file_name.rsplit("/")[-1],
                batch=True, **extra)


def _yaml_syntax(rng, library, movement, index) -> Case | None:
    name = rng.choice(list(library))
    text = library[name]
    kind = rng.choice(["control", "utf16", "tab", "nul", "unclosed", "bad-indent", "escape"])
    file_name = Path(name).name
    if kind == "control":
        at = rng.randrange(len(text))
        content = (text[:at] + rng.choice(["\x01", "\x1b", "\x7f", "\x85\x00", "\x0c", "\x1f"]) + text[at:]).encode()
    elif kind == "utf16":
        content = text.encode(rng.choice(["utf-16", "utf-16-le", "utf-32"]))
    elif kind == "tab":
        lines = text.split("\n")
        indented = [i for i, line in enumerate(lines) if line.startswith("  ")]
        if not indented:
            return None
        i = rng.choice(indented)
        lines[i] = "\t" + lines[i].lstrip()
        content = "\n".join(lines).encode()
    elif kind == "nul":
        at = rng.randrange(len(text))
        content = (text[:at] + "\0" + text[at:]).encode()
    elif kind == "unclosed":
        content = (text + '\nextra: "never closed\n').encode()
    elif kind == "bad-indent":
        content = text.replace("\n  ", "\n   ", 1).replace("\n    ", "\n  ", 1).encode()
    else:
        content = text.replace("title: ", 'title: "\\q', 1).encode()
    # A file may stay valid after a harmless change (e.g. a tab inside a folded text): no must_fail then,
    # but a failure must still say where.
    return _batch_case("yaml-syntax", f"{kind} in {name}", file_name, content, must_fail=kind in
                       ("utf16", "nul", "unclosed", "escape"), position=True)


def _wrong_type(rng, library, movement, index) -> Case | None:
    name = rng.choice(movement)
    key = rng.choice(["reps", "hold_seconds", "rest_seconds", "threshold", "achieved", "min_duration", "seconds"])
    value = rng.choice(WRONG_VALUES)
    text = _replace_value(library[name], key, value, rng)
    if text is None:
        return None
    return _batch_case("wrong-type", f"{key}: {value!r} in {name}", Path(name).name, text.encode(), position=True)


def _control_text(rng, library, movement, index) -> Case | None:
    name = rng.choice(list(library))
    key = rng.choice(["title", "description", "instruction", "cue"])
    text = _replace_value(library[name], key, f'"{rng.choice(CONTROL_TEXTS)}"', rng)
    if text is None:
        return None
    return _batch_case("control-text", f"{key} in {name}", Path(name).name, text.encode(), position=True)


def _unencodable(rng, library, movement, index) -> Case | None:
    name = rng.choice(list(library))
    where = rng.choice(["title", "kind", "file-name", "id"])
    text = library[name]
    odd = rng.choice(UNENCODABLE)
    file_name = Path(name).name
    if where == "file-name":
        file_name = Path(name).stem + "-" + odd.replace("\\ud800", "\udcff").replace(" ", "-") + ".yaml"
        content = text.encode()
        must_fail = False  # a name that differs from the id is a warning only
    else:
        content = _replace_value(text, where, f'"{odd}"', rng)
        if content is None:
            return None
        content = content.encode()
        # A title in another script is fine; a lone surrogate, or such a kind/id, is a mistake.
        must_fail = where != "title" or "\\ud800" in odd
    case = _batch_case("unencodable", f"{where} {odd!r} in {name}", file_name, content, must_fail=must_fail)
    if not must_fail and not name.startswith("routines/") and rng.random() < 0.5:
        # `list` of a library holding the file: printing its title must not crash either.
        case.files = _small_library(file_name, content)
        case.argv = lambda folder: ["list", "--library", str(folder / "libx")]
        case.batch, case.named = False, ""
    return case


def _small_library(file_name: str, content: bytes) -> dict[str, bytes]:
    """A library folder (libx/) holding one exercise file and the app's illustrations."""
    return {f"libx/exercises/{file_name}": content, **_illustrations("libx")}


_PICTURES = {path.name: path.read_bytes() for path in (REPO / "assets" / "exercises").glob("*") if path.is_file()}


def _illustrations(folder: str) -> dict[str, bytes]:
    """The app's illustrations in ``folder``/assets/exercises, so only the mutation makes a file wrong."""
    return {f"{folder}/assets/exercises/{name}": content for name, content in _PICTURES.items()}


def _illustration_path(rng, library, movement, index) -> Case | None:
    name = rng.choice([n for n in library if not n.startswith("routines/")])
    bad = rng.choice(BAD_PATHS)
    text = _replace_value(library[name], "illustration", f'"{bad}"', rng)
    if text is None:
        return None
    file_name = Path(name).name
    command = rng.choice(["validate", "list", "session", "import"])
    case = _batch_case("illustration-path", f"{command}: {bad[:20]!r} in {name}", file_name, text.encode(),
                       position=True)
    if command == "validate":
        return case
    if command in ("list", "session"):
        case.files = _small_library(file_name, text.encode())
        case.batch = False
        case.argv = (lambda folder: ["list", "--library", str(folder / "libx")]) if command == "list" else \
            (lambda folder: ["session", "--library", str(folder / "libx"), "--routine", "daily-practice",
                             "--source", str(folder / "no-such-video.mp4"), "--speed", "0"])
        return case
    case.files = {"rx/prescription.yaml": PRESCRIPTION.encode(), f"rx/custom/{file_name}": text.encode()}
    case.batch = False
    case.argv = lambda folder: ["import", "--check", "--profile", "Fuzz", str(folder / "rx" / "prescription.yaml")]
    return case


def _bundle_path(rng, library, movement, index) -> Case | None:
    bad = rng.choice(BAD_PATHS + ["custom/" + "/".join(["deep"] * 300), "custom\\0/x"])
    text = PRESCRIPTION.replace("  - custom\n", f'  - "{bad}"\n')
    check = rng.random() < 0.5
    return Case("bundle-path", f"bundle {bad[:20]!r} ({'check' if check else 'import'})",
                {"rx/prescription.yaml": text.encode(), "rx/custom/fuzz-smile.yaml": CUSTOM_ROUTINE},
                _import_argv(check), named="prescription.yaml", position=True)


def _import_argv(check: bool) -> Callable[[Path], list[str]]:
    def argv(folder: Path) -> list[str]:
        command = ["import", "--profile", "Fuzz", str(folder / "rx" / "prescription.yaml")]
        return command + (["--check"] if check else ["--database", str(folder / "records.db")])
    return argv


def _prescription_type(rng, library, movement, index) -> Case | None:
    key = rng.choice(["eye_aperture", "reps", "hold_seconds", "times", "starts_on", "per", "routine", "title"])
    value = rng.choice(WRONG_VALUES)
    text = _replace_value(PRESCRIPTION, key, value, rng)
    if text is None:
        return None
    # A quoted '5' is text, not a number; for text fields ("title") several of these values are fine.
    must_fail = key not in ("title",) or value in ("", "~", "null", "!!null", "[1, 2]", "{a: 1}")
    return Case("prescription-type", f"{key}: {value!r}", {"rx/prescription.yaml": text.encode(),
                                                            "rx/custom/fuzz-smile.yaml": CUSTOM_ROUTINE},
                _import_argv(True), must_fail=must_fail, named="prescription.yaml", position=True)


def _prescription_text(rng, library, movement, index) -> Case | None:
    key = rng.choice(["title", "notes", "prescribed_by", "patient"])
    odd = rng.choice(CONTROL_TEXTS + UNENCODABLE)
    text = _replace_value(PRESCRIPTION, key, f'"{odd}"', rng)
    must_fail = odd in CONTROL_TEXTS or "\\ud800" in odd
    return Case("prescription-text", f"{key}: {odd!r}", {"rx/prescription.yaml": text.encode(),
                                                         "rx/custom/fuzz-smile.yaml": CUSTOM_ROUTINE},
                _import_argv(True), must_fail=must_fail, named="prescription.yaml", position=must_fail)


def _random_bytes(rng, library, movement, index) -> Case | None:
    name = rng.choice(list(library))
    data = bytearray(library[name].encode())
    for _ in range(rng.randint(1, 8)):
        action = rng.random()
        at = rng.randrange(len(data))
        if action < 0.4:
            data[at] = rng.randrange(256)
        elif action < 0.7:
            del data[at:at + rng.randint(1, 40)]
        else:
            data[at:at] = data[rng.randrange(len(data)):][:rng.randint(1, 40)]
    return _batch_case("random-bytes", f"bytes of {name}", Path(name).name, bytes(data), must_fail=False)


def _tags_and_anchors(rng, library, movement, index) -> Case | None:
    name = rng.choice(movement)
    extra = rng.choice(["!!python/object:os.system {}", "&a [1]", "*a", "!!binary aGVsbG8=", "!custom x",
                        "!!set {a}", "!!omap [a: 1]", "!!str [1]", "!!int abc", "!!float x"])
    text = _replace_value(library[name], rng.choice(["reps", "title", "threshold"]), extra, rng)
    if text is None:
        return None
    return _batch_case("tags-anchors", f"{extra} in {name}", Path(name).name, text.encode(), position=True)


# -- running ---------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _u_escape(char: str) -> str:
    """``\\uXXXX``, as JSON writes it (a surrogate pair beyond the first 65,536 characters)."""
    code = ord(char)
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def run_case(case: Case) -> Outcome:
    from rehabcoach.cli.main import main

    outcome = Outcome(case)
    with tempfile.TemporaryDirectory(prefix="rehabcoach-fuzz-") as temporary:
        folder = Path(temporary)
        for relative, content in case.files.items():
            target = Path(folder, *relative.split("/"))
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            except (OSError, UnicodeEncodeError, ValueError) as exc:  # a file name this system cannot hold
                outcome.problems.append(f"case not written: {exc}")
                return outcome
        stdout_bytes, stderr_bytes = io.BytesIO(), io.BytesIO()
        # An ASCII console: what a patient may have (LANG=C); printing anything else must not crash.
        stdout = io.TextIOWrapper(stdout_bytes, encoding="ascii", errors="strict", write_through=True)
        stderr = io.TextIOWrapper(stderr_bytes, encoding="ascii", errors="strict", write_through=True)
        code = None
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(stdout), \
                contextlib.redirect_stderr(stderr):
            warnings.simplefilter("always")
            try:
                code = main(case.argv(folder))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
            except BaseException:  # noqa: BLE001 - any exception is the failure being looked for
                outcome.problems.append("traceback: " + traceback.format_exc().strip().splitlines()[-1][:300])
        for stream in (stdout, stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        out = stdout_bytes.getvalue().decode("ascii", "replace") + stderr_bytes.getvalue().decode("ascii", "replace")
        if caught:
            outcome.problems.append(f"raw warning: {caught[0].category.__name__}: {caught[0].message}")
        if outcome.problems:
            return outcome
        if case.must_fail and code == 0:
            outcome.problems.append("accepted (exit 0)")
        elif case.must_fail and case.named:
            # The file itself must be reported (in a batch, the sentinel alone makes the exit non-zero).
            names = {case.named, case.named.encode("ascii", "backslashreplace").decode(),
                     "".join(c if ord(c) < 128 else _u_escape(c) for c in case.named)}
            lines = [line for line in out.splitlines() if any(name in line for name in names)
                     and ": warning: " not in line]
            if not lines:
                outcome.problems.append(f"no mistake reported for {case.named!r}")
            elif case.position and not any(re.search(r":\d+:\d+", line) for line in lines):
                outcome.problems.append("no line:column")
        if _CONTROL.search(out):
            outcome.problems.append("raw control character in the output")
        if case.batch and SENTINEL_MISTAKE not in out:
            outcome.problems.append("the other file's mistake was not reported")
    return outcome


def run_all(cases: list[Case]) -> list[Outcome]:
    with _installed_library_parsed_once():
        return [run_case(case) for case in cases]


@contextlib.contextmanager
def _installed_library_parsed_once():
    """Parse the app's own library files once for all cases (``validate``, ``import`` and ``list`` read
    them every time); each case's own files are still read and parsed every time."""
    import copy

    from rehabcoach.routines import loader

    real = loader.read_yaml_mapping
    cache: dict = {}

    def cached(path):
        absolute = Path(path).absolute()
        if not absolute.is_relative_to(REPO):
            return real(path)
        key = (absolute, absolute.stat().st_mtime_ns)
        if key not in cache:
            cache[key] = real(path)
        return copy.deepcopy(cache[key])

    loader.read_yaml_mapping = cached
    try:
        yield
    finally:
        loader.read_yaml_mapping = real


def table(outcomes: list[Outcome]) -> str:
    families: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        families.setdefault(outcome.case.family, []).append(outcome)
    lines = [f"{'family':<20} {'tried':>5} {'failed':>6}"]
    for family, group in families.items():
        lines.append(f"{family:<20} {len(group):>5} {sum(1 for o in group if o.problems):>6}")
    lines.append(f"{'all':<20} {len(outcomes):>5} {sum(1 for o in outcomes if o.problems):>6}")
    return "\n".join(lines)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    results = run_all(generate(count, seed))
    print(table(results))
    if "-v" in sys.argv:
        for result in results:
            if result.problems:
                print(f"{result.case.family}: {result.case.name[:70]!r}: {'; '.join(result.problems)}")
