"""``python -m lab evaluate|bench|bench-window|sweep ...`` from the top of a source checkout.

- ``evaluate``: detection rate and false alarms per minute on labelled cases built from ../shared/media
  (docs/evaluation.md);
- ``bench``: how fast ``analyze`` runs on a recording (frames per second, per-stage times, memory);
- ``bench-window``: the real window on a recording: frames shown and dropped, GUI stalls, latency, memory;
- ``sweep``: ``evaluate``'s bars over a grid of the guards' thresholds and minimum durations.

Each command is a module here with ``register(subparsers, parser)``, as in ``rehabcoach/cli/``; mistakes
are reported the way ``rehabcoach`` reports them (one line, a non-zero exit).
"""

from __future__ import annotations

import argparse
import importlib

from rehabcoach.cli.main import run_command
from rehabcoach.cli.terminal import terminal_streams

COMMAND_MODULES = [
    "lab.evaluate_command",  # evaluate
    "lab.bench_command",  # bench
    "lab.bench_window_command",  # bench-window
    "lab.sweep_command",  # sweep
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lab",
        description="RehabCoach's evaluation and benchmark harnesses (run from a source checkout).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers, parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    with terminal_streams():
        args = build_parser().parse_args(argv)
        return run_command(args.run, args)


if __name__ == "__main__":
    raise SystemExit(main())
