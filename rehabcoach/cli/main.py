"""``rehabcoach`` entry point.

With no subcommand it opens the desktop coach; every subcommand lives in its own module in this
package and registers itself in ``COMMAND_MODULES``.  A :class:`UserError` anywhere becomes one
clear line on stderr and a non-zero exit; a traceback is only ever shown for a genuine bug.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from rehabcoach import __version__
from rehabcoach.cli.terminal import terminal_streams
from rehabcoach.errors import UserError

# Each module defines register(subparsers) and sets `run=<callable(args) -> int>` as a default.
COMMAND_MODULES = [
    "rehabcoach.cli.library_commands",  # list, validate, schema
    "rehabcoach.cli.analyze_command",  # analyze
    "rehabcoach.cli.session_command",  # session (headless routine)
    "rehabcoach.cli.records_commands",  # profile, import, export, report, records
    "rehabcoach.cli.selftest_command",  # self-test, --self-test
    "rehabcoach.cli.app_command",  # the window's options: --camera, --source, --routine
]
# The measuring commands live in lab/, outside the installed package (they only measure the product), but
# people look for them here (issue texts say `rehabcoach bench`): point the way instead of "invalid choice".
# tests/test_cli_main.py checks that this is exactly lab's list.
DEVELOPMENT_COMMANDS = ("evaluate", "bench", "bench-window", "sweep")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rehabcoach",
        description="A coach for facial rehabilitation: guided massage, relaxation and movement "
        "retraining with live per-side warnings. Run without a command to open the app.",
    )
    parser.add_argument("--version", action="version", version=f"rehabcoach {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command not written yet: leave it out rather than break the others
                continue
            raise
        module.register(subparsers, parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Titles, file names and messages come from files anyone may write: what reaches the terminal is
    # escaped there, once, for every command (see cli/terminal.py).
    with terminal_streams():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    words = sys.argv[1:] if argv is None else argv
    if words == ["--version"]:
        # Answered before the command modules (mediapipe, numpy, ...) are imported: install scripts and
        # package checks ask for it and should get it in a blink. argparse prints the same line otherwise.
        print(f"rehabcoach {__version__}")
        return 0
    if words and words[0] in DEVELOPMENT_COMMANDS:
        print(f"rehabcoach: error: '{words[0]}' is a development command, not part of the installed app; from "
              f"the top of a source checkout run `python -m lab {words[0]} ...` (README, \"Benchmarks and "
              "measurements\")", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:  # no command, and no window to open (app_command not registered)
        parser.print_help()
        return 0
    return run_command(run, args)


def run_command(run, args) -> int:
    """Run one parsed command (also for ``python -m lab``): a user's mistake is one line and an exit code."""
    try:
        return int(run(args) or 0)
    except UserError as exc:
        print(f"rehabcoach: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (`rehabcoach list | head`): not an error.  Before OSError, its parent class.
        # Point stdout at nothing so that the interpreter's final flush does not complain again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):  # a stdout without a file behind it has nothing left to flush there
            pass
        return 0
    except OSError as exc:
        # The system refused a file the user named (too long a name, no permission, a full disk) in a
        # place that does not check for it itself: still one line naming the file, never a traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"rehabcoach: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rehabcoach: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
