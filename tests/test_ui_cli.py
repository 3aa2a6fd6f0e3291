"""The app's command-line options fail with one clear line, before any window opens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "rehabcoach", *args, "--settings", str(tmp_path / "s.ini")],
        capture_output=True, text=True, timeout=120, env=env,
    )


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--source", "/no/such/recording.mp4"], "--source: no such file or folder: /no/such/recording.mp4"),
        (["--camera", "-1"], "--camera: a camera number is 0 or more, not -1"),
        (["--camera", "0", "--source", "x.mp4"], "give either --camera or --source, not both"),
        (["--routine", "five-movment-check"], "did you mean 'five-movement-check'"),
    ],
)
def test_bad_options_are_one_clear_line(args, expected, tmp_path):
    result = run(*args, tmp_path=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("rehabcoach: error: ")
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_bench_window_needs_an_existing_recording(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "lab", "bench-window", "--source", str(tmp_path / "none.mp4"), "--seconds", "1"],
        capture_output=True, text=True, timeout=120, env=env, cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 1 and "no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr
