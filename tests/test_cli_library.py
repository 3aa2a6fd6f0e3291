"""The `list`, `validate` and `schema` commands: output, exit codes, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_routines_samples import CHEEK_STROKES, MORNING, line_of, write_library

from rehabcoach.cli.main import main
from rehabcoach.resources import LIBRARY_ENV

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def library(tmp_path, monkeypatch):
    """A sample library that also stands in for the app's own (for validate's reference look-up)."""
    root = write_library(tmp_path / "lib")
    monkeypatch.setenv(LIBRARY_ENV, str(root))
    return root


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_in_a_subprocess_reports_every_mistake_without_traceback(tmp_path, library):
    bad = tmp_path / "bad.yaml"
    bad.write_text(CHEEK_STROKES.replace("massage", "massge").replace("id: cheek-strokes", "id: bad"),
                   encoding="utf-8")
    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text("kind: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    env = dict(os.environ, **{LIBRARY_ENV: str(library)})
    done = subprocess.run(
        [sys.executable, "-m", "rehabcoach", "validate", str(bad), str(unsafe), str(tmp_path / "nope.yaml")],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout and "hacked" not in done.stdout
    lines = done.stdout.splitlines()
    assert f"{bad}:4:11: category: 'massge' is not an allowed value" in lines[0]
    assert lines[0].endswith("(did you mean 'massage'?)")
    assert any(line.startswith(f"{unsafe}:1:7: kind: the tag '!!python/object/apply:os.system'") for line in lines)
    assert f"{tmp_path / 'nope.yaml'}: no such file or folder" in lines
    # its picture is missing too, reported in the same run although other fields are wrong
    assert f"{bad}:6:15: illustration: file not found: {tmp_path / 'assets/exercises/cheek-strokes.svg'}" in lines
    assert lines[-1] == "4 mistakes in 3 files"


def test_validate_clean_library(capsys, library):
    code, out, err = run(capsys, "validate", str(library))
    assert (code, out, err) == (0, "3 files OK\n", "")


def test_validate_warning_only_exits_zero(capsys, library):
    (library / "routines" / "morning.yaml").rename(library / "routines" / "mine.yaml")
    code, out, _ = run(capsys, "validate", str(library / "routines"))
    assert code == 0
    assert out.splitlines()[-1] == "1 file OK, 1 warning"
    assert ": warning: id: the file is named 'mine.yaml'" in out


def test_validate_bundle_uses_the_installed_exercises(capsys, tmp_path, library):
    bundle = tmp_path / "anna"
    bundle.mkdir()
    routine = MORNING.replace("id: morning", "id: anna-week-1")
    (bundle / "anna-week-1.yaml").write_text(routine, encoding="utf-8")
    assert run(capsys, "validate", str(bundle)) == (0, "1 file OK\n", "")

    broken = routine.replace("exercise: cheek-strokes", "exercise: cheek-stroke")
    (bundle / "anna-week-1.yaml").write_text(broken, encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(bundle / "anna-week-1.yaml"))
    assert code == 1
    line = line_of(broken, "cheek-stroke")
    assert out.splitlines() == [
        f"{bundle / 'anna-week-1.yaml'}:{line}:15: items[0].exercise: no exercise with the id 'cheek-stroke' "
        "(did you mean 'cheek-strokes'?)",
        "1 mistake in 1 file",
    ]


def test_list_text_and_json(capsys, library):
    code, out, _ = run(capsys, "list", "--library", str(library))
    assert code == 0
    lines = [line.split() for line in out.splitlines()]
    assert ["Massage"] in lines and ["Movement"] in lines
    assert ["cheek-strokes", "0:50", "Cheek", "strokes"] in lines  # 10 strokes of ~4 s + 10 s rest
    assert ["gentle-smile", "1:00", "Gentle", "smile"] in lines  # 5 s + 5 x (5 + 4 + 2) s
    # the routine does 3 reps of gentle-smile: 50 + 5 + 3 x 11 = 88 s
    assert ["morning", "1:28", "Morning", "routine", "(2", "exercises)"] in lines

    code, out, _ = run(capsys, "list", "--json", "--library", str(library))
    listing = json.loads(out)
    assert [e["id"] for e in listing["exercises"]] == ["cheek-strokes", "gentle-smile"]
    assert listing["routines"] == [{
        "id": "morning", "title": "Morning routine", "exercises": 2,
        "exercise_ids": ["cheek-strokes", "gentle-smile"], "duration_seconds": 88.0, "duration": "1:28",
    }]


def test_list_of_a_broken_library_is_one_clear_error(capsys, library):
    (library / "routines" / "morning.yaml").write_text(MORNING.replace("reps: 3", "reps: many"), encoding="utf-8")
    code, out, err = run(capsys, "list", "--library", str(library))
    assert code == 1 and out == ""
    assert err.startswith("rehabcoach: error: 1 mistake in the routine files")
    assert "morning.yaml:8:11: items[1].reps: should be a whole number (it is 'many')" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("kind", ["exercise", "routine", "all"])
def test_schema_is_self_contained_json_schema(capsys, kind):
    code, out, _ = run(capsys, "schema", "--kind", kind)
    schema = json.loads(out)
    assert code == 0 and schema["$schema"].endswith("2020-12/schema")
    definitions = schema.get("$defs", {})
    refs = []

    def collect(node):
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(schema)
    assert refs and all(ref.removeprefix("#/$defs/") in definitions for ref in refs)
    guard = definitions["Guard"] if kind != "routine" else None
    if guard:
        assert guard["additionalProperties"] is False
        assert guard["properties"]["threshold"]["exclusiveMinimum"] == 0
    if kind == "all":
        assert schema["oneOf"] == [{"$ref": "#/$defs/Exercise"}, {"$ref": "#/$defs/Routine"}]
    else:
        assert schema["properties"]["kind"]["const"] == kind
