"""`python -m lab sweep`: the factors are parsed with clear messages, every guard is scaled, one line per setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lab.sweep_command import SHOWN, parse_factors, scaled, setting_line
from rehabcoach.errors import UserError
from rehabcoach.routines.loader import load_library, resolve_exercise

ROOT = Path(__file__).resolve().parents[1]


def test_factors_are_parsed_and_mistakes_named():
    assert parse_factors("0.8,1,1.3", "--thresholds") == [0.8, 1.0, 1.3]
    with pytest.raises(UserError, match=r"--thresholds .*'high' is not a number"):
        parse_factors("0.8,high", "--thresholds")
    with pytest.raises(UserError, match=r"--durations .*above 0, not -1"):
        parse_factors("1,-1", "--durations")
    with pytest.raises(UserError, match="above 0, not 0"):
        parse_factors("0", "--durations")


def test_every_guard_is_scaled_and_nothing_else():
    exercise = resolve_exercise(load_library().exercise("gentle-eye-closure"))
    assert exercise.guards, "the closure exercise guards the mouth corners"
    tried = scaled(exercise, 1.3, 2.0)
    for before, after in zip(exercise.guards, tried.guards, strict=True):
        assert after.threshold == pytest.approx(before.threshold * 1.3)
        assert after.min_duration == pytest.approx(before.min_duration * 2.0)
        assert (after.region, after.measure, after.sides, after.direction) == (
            before.region, before.measure, before.sides, before.direction)
    assert tried.target == exercise.target and tried.hold_seconds == exercise.hold_seconds


def test_one_line_per_setting_with_every_set():
    figures = {
        "tune": [{"bar": label, "value": v} for label, v in zip(SHOWN, (0.93, 0.63, 0.7, 0.25, 1.44, 0.39))],
        "check": [{"bar": label, "value": None} for label in SHOWN],
    }
    line = setting_line(1.3, 2.0, figures)
    assert line == ("threshold x1.3 duration x2: tune 0.93 / 0.63 / 0.70 / 0.25 / 1.44 / 0.39 | "
                    "check - / - / - / - / - / -")


def test_a_bad_factor_is_a_clear_error_from_the_command():
    result = subprocess.run([sys.executable, "-m", "lab", "sweep", "--thresholds", "1,x"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--thresholds" in result.stderr and "'x' is not a number" in result.stderr


def test_every_bar_shown_is_one_that_evaluate_reports():
    # The line picks the bars by their labels: a label renamed in lab.evaluate would print "-" for ever.
    from lab.evaluate import bars

    labels = {bar["bar"] for bar in bars({}, "all", [])}
    assert set(SHOWN) <= labels


def test_an_exercise_the_evaluation_lacks_is_named_before_any_case_is_built(tmp_path):
    # Building the cases can run the tracker for minutes on a fresh machine: the mistake is caught first.
    result = subprocess.run([sys.executable, "-m", "lab", "sweep", "--exercise", "gentle-smiles",
                             "--media", str(tmp_path / "no-such-folder")],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--exercise 'gentle-smiles'" in result.stderr and "gentle-eye-closure, gentle-smile, lip-pucker" in result.stderr
