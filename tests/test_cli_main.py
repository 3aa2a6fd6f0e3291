"""The `rehabcoach` entry point itself: what it says for the measuring commands that live in lab/, and a reader
that goes away (`rehabcoach list | head`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rehabcoach.cli.main import DEVELOPMENT_COMMANDS, main

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command", DEVELOPMENT_COMMANDS)
def test_a_measuring_command_points_to_the_lab(capsys, command):
    code = main([command, "clip.mp4"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(f"rehabcoach: error: '{command}' is a development command, not part of the installed app")
    assert f"`python -m lab {command} ...`" in err


def test_the_measuring_commands_named_are_the_labs():
    from lab.__main__ import build_parser

    parser = build_parser()
    commands = next(action.choices for action in parser._actions if action.dest == "command")
    assert set(commands) == set(DEVELOPMENT_COMMANDS)


def test_an_unknown_command_is_still_argparses_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["benchmark"])
    assert exit_.value.code == 2
    assert "invalid choice: 'benchmark'" in capsys.readouterr().err


def test_a_reader_that_went_away_is_not_an_error():
    # The pipe's reading end is closed before the command writes its first line, as `| head -1` does after
    # its line: the write fails with EPIPE (Python ignores SIGPIPE).
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "rehabcoach", "list"], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=120)
    finally:
        os.close(write_end)
    assert done.returncode == 0
    assert done.stderr == ""
