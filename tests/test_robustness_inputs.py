"""Mistakes in routine files and prescriptions: one clear message with the file, line and column, a
non-zero exit, and no effect on the other files of a batch (issue 13, items 2 to 4)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from rehabcoach.cli.main import main
from rehabcoach.cli.terminal import TerminalText, escape_unsafe

REPO = Path(__file__).resolve().parents[1]
BROW_RAISE = (REPO / "exercises" / "movement" / "brow-raise.yaml").read_text()
OTHER_MISTAKE = "kind: routine\nid: other\ntitle: Other\ndescription: Another file of the batch.\n" \
                "items:\n  - exercise: gentle-smile\n    colour: blue\n"
PRESCRIPTION = """\
kind: prescription
title: Home programme
starts_on: 2026-11-01
routines:
  - routine: daily-practice
    times: 1
    per: day
exercises:
  gentle-smile:
    reps: 4
    thresholds:
      eye_aperture: 0.12
"""


def at(text: str, key: str) -> str:
    """``LINE:COLUMN`` of the value of the first ``key:`` in ``text`` (the library's files change)."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(f"{key}:"):
            return f"{number}:{line.index(key) + len(key) + 3}"
    raise AssertionError(f"no {key} in the text")


def run(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def batch(tmp_path: Path, text: str) -> Path:
    """A folder with the file under test and another file with a known mistake."""
    folder = tmp_path / "lib"
    (folder / "assets" / "exercises").mkdir(parents=True)
    (folder / "assets" / "exercises" / "brow-raise.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (folder / "brow-raise.yaml").write_text(text, encoding="utf-8")
    (folder / "other.yaml").write_text(OTHER_MISTAKE)
    return folder


@pytest.mark.parametrize("illustration, expected", [
    ('"a\\0b.svg"', "control character .U.0000"),
    ('"' + "x" * 300 + '.svg"', "longer than 255 bytes"),
    ('"' + "/".join(["d"] * 900) + '/a.svg"', "more than 64 folders deep"),
    ('"assets/\\ud800.svg"', "control character"),
])
def test_an_impossible_illustration_path_is_one_mistake_and_hides_no_other_file(tmp_path, capsys, illustration,
                                                                                 expected):
    text = BROW_RAISE.replace("illustration: assets/exercises/brow-raise.svg", f"illustration: {illustration}")
    code, out = run(capsys, "validate", batch(tmp_path, text))
    assert code == 1
    assert re.search(rf"brow-raise\.yaml:{at(text, 'illustration')}: illustration: .*" + expected, out), out
    assert "other.yaml:7:5: items[0].colour: unknown key 'colour'" in out  # the other file is still reported
    assert out.count("brow-raise.yaml:") == 1 and "Traceback" not in out


def test_list_and_session_report_a_bad_illustration_path_in_their_library(tmp_path, capsys):
    library = tmp_path / "libx"
    (library / "exercises").mkdir(parents=True)
    (library / "exercises" / "brow-raise.yaml").write_text(
        BROW_RAISE.replace("assets/exercises/brow-raise.svg", "x" * 5000))
    for command in (["list", "--library", library],
                    ["session", "--library", library, "--routine", "r", "--source", tmp_path / "none.mp4"]):
        code, out = run(capsys, *command)
        assert code == 1 and f"brow-raise.yaml:{at(BROW_RAISE, 'illustration')}: illustration: the illustration " \
            "path cannot be used" in out


@pytest.mark.parametrize("bundle", ['"custom\\0/x"', '"' + "b" * 400 + '"', '"' + "/".join(["deep"] * 300) + '"',
                                    '"\\udcff"'])
@pytest.mark.parametrize("check", [True, False])
def test_an_impossible_bundle_path_is_reported_with_its_line(tmp_path, capsys, bundle, check):
    (tmp_path / "prescription.yaml").write_text(PRESCRIPTION + f"bundle:\n  - {bundle}\n")
    extra = ["--check"] if check else ["--database", tmp_path / "records.db"]
    code, out = run(capsys, "import", "--profile", "Anna", tmp_path / "prescription.yaml", *extra)
    assert code == 1
    assert re.search(r"prescription\.yaml:\d+:\d+: bundle\[0\]: ", out), out
    assert not (tmp_path / "records.db").exists() or check is False


@pytest.mark.parametrize("kind", ["Übung", "微笑練習", "smile 😀"])
def test_text_a_terminal_cannot_encode_is_escaped_not_a_crash(tmp_path, monkeypatch, kind):
    text = BROW_RAISE.replace("kind: exercise", f"kind: {kind}")
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    monkeypatch.setattr("sys.stdout", stdout)
    code = main(["validate", str(batch(tmp_path, text))])
    stdout.seek(0)
    out = stdout.buffer.getvalue().decode("ascii")
    assert code == 1
    escaped = json.dumps(kind)[1:-1]  # \uXXXX escapes, as the terminal wrapper writes them
    assert f"brow-raise.yaml:{at(text, 'kind')}: kind: '{escaped}' is not a kind of file" in out, out
    assert "other.yaml:7:5" in out


def test_terminal_text_keeps_json_valid_and_escapes_what_acts_on_terminals():
    buffer = io.BytesIO()
    ascii_out = TerminalText(io.TextIOWrapper(buffer, encoding="ascii", write_through=True))
    value = {"title": "a\x1b[31mb\x9bc \u202eevil 😀 \udcff"}
    ascii_out.write(json.dumps(value, ensure_ascii=False))
    written = buffer.getvalue().decode("ascii")
    assert "\x1b" not in written and "\x9b" not in written
    assert json.loads(written) == value  # \uXXXX escapes are JSON's own
    assert escape_unsafe("tab\tand\nnewline") == "tab\tand\nnewline"


@pytest.mark.parametrize("inserted, what", [("\x01", "U+0001"), ("\x7f", "U+007F"), ("\x1b", "U+001B")])
def test_a_control_character_in_the_file_gives_line_and_column(tmp_path, capsys, inserted, what):
    text = BROW_RAISE.replace("title: Eyebrow raise", f"title: {inserted}Eyebrow raise")
    code, out = run(capsys, "validate", batch(tmp_path, text))
    assert code == 1
    assert f"brow-raise.yaml:{at(text, 'title')}: the file holds a control character ({what})" in out, out


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_utf16_file_is_named_as_such(tmp_path, capsys, encoding):
    folder = batch(tmp_path, "")
    (folder / "brow-raise.yaml").write_bytes(BROW_RAISE.encode(encoding))
    code, out = run(capsys, "validate", folder)
    assert code == 1 and "brow-raise.yaml:1:1: the file is UTF-16 or UTF-32 text: save it as UTF-8" in out


def test_a_tab_indent_gives_one_line_with_line_and_column_and_no_raw_warning(tmp_path, capsys):
    text = BROW_RAISE.replace("\n  reps: 8", "\n\treps: 8")
    with _no_warnings():
        code, out = run(capsys, "validate", batch(tmp_path, text))
    assert code == 1
    (line,) = [line for line in out.splitlines() if "brow-raise.yaml" in line]
    assert re.search(r"brow-raise\.yaml:\d+:\d+: YAML syntax: .*'\\t'", line), line


class _no_warnings:
    def __enter__(self):
        import warnings

        self._catcher = warnings.catch_warnings(record=True)
        self.caught = self._catcher.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        self._catcher.__exit__(*exc)
        assert not self.caught, [str(w.message) for w in self.caught]


@pytest.mark.parametrize("value", ["true", "false", "'0.2'"])
def test_true_false_and_quoted_numbers_are_not_thresholds(tmp_path, capsys, value):
    (tmp_path / "prescription.yaml").write_text(PRESCRIPTION.replace("eye_aperture: 0.12", f"eye_aperture: {value}"))
    code, out = run(capsys, "import", "--check", "--profile", "Anna", tmp_path / "prescription.yaml")
    assert code == 1
    shown = value.strip("'")
    assert f"prescription.yaml:12:21: exercises.gentle-smile.thresholds.eye_aperture: should be a number " \
           f"(it is '{shown}')" in out or f"should be a number (it is {shown})" in out, out


def test_reps_true_is_not_one_rep(tmp_path, capsys):
    text = BROW_RAISE.replace("\n  reps: 8", "\n  reps: true")
    code, out = run(capsys, "validate", batch(tmp_path, text))
    assert code == 1 and f"brow-raise.yaml:{at(text, 'reps')}: movement.reps: should be a whole number (it is true)" \
        in out, out


@pytest.mark.parametrize("value", ["", " ~", " null", " !!null"])
def test_an_empty_override_is_a_mistake_said_once(tmp_path, capsys, value):
    (tmp_path / "prescription.yaml").write_text(PRESCRIPTION.replace("    reps: 4", f"    reps:{value}"))
    code, out = run(capsys, "import", "--check", "--profile", "Anna", tmp_path / "prescription.yaml")
    assert code == 1
    assert "exercises.gentle-smile.reps: 'reps' has no value: write one, or remove the line" in out
    assert out.count("gentle-smile.reps") == 1


@pytest.mark.parametrize("title, problem", [
    ('"\\e[31mRed title"', "a control character (U+001B)"),
    ('"Bell\\a"', "a control character (U+0007)"),
    ('"\\u202eeton"', "a control character (U+202E)"),
    ('"\\u200b\\u200b\\u200b"', "only invisible characters"),
])
def test_text_fields_refuse_control_and_invisible_only_text(tmp_path, capsys, title, problem):
    text = BROW_RAISE.replace("title: Eyebrow raise", f"title: {title}")
    code, out = run(capsys, "validate", batch(tmp_path, text))
    assert code == 1
    assert f"brow-raise.yaml:{at(text, 'title')}: title: the text holds {problem}" in out, out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out


def test_an_escape_sequence_in_a_file_name_reaches_the_terminal_escaped(tmp_path, capsys):
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "evil\x1b]0;owned\x07.yaml").write_text(OTHER_MISTAKE)
    code, out = run(capsys, "validate", folder)
    assert code == 1 and "evil\\u001b]0;owned\\u0007.yaml:7:5" in out and "\x1b" not in out


def test_a_path_argument_the_system_cannot_hold_is_one_line_and_the_others_still_run(tmp_path, capsys):
    too_long = "a" * 300
    code, out = run(capsys, "validate", too_long, batch(tmp_path, BROW_RAISE))
    assert code == 1 and f"{too_long}: cannot read it: File name too long" in out
    assert "other.yaml:7:5: items[0].colour" in out  # the folder given next is still checked
    for command in (["analyze", too_long, "--exercise", "gentle-smile"], ["list", "--library", too_long],
                    ["import", "--check", "--profile", "Anna", too_long]):
        code, out = run(capsys, *command)
        assert code == 1 and too_long in out and "Traceback" not in out and len(out.strip().splitlines()) <= 2
