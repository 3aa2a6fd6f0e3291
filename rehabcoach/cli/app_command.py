"""The desktop app's options on the main parser: `rehabcoach [--camera N | --source VIDEO] [--routine ID]`."""

from __future__ import annotations

import argparse


def register(subparsers, parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("opening the app")
    group.add_argument("--camera", type=int, metavar="N", help="use webcam number N (0 is the first)")
    group.add_argument(
        "--source",
        metavar="VIDEO",
        help="use a recording (video file or folder of images) as the camera, looped; for demos and tests",
    )
    group.add_argument(
        "--no-loop",
        action="store_true",
        help="with --source: stop at the end of the recording (the session then waits, as for an unplugged camera)",
    )
    group.add_argument("--routine", metavar="ID", help="start this routine straight away (see `rehabcoach list`)")
    group.add_argument("--database", metavar="URL",
                       help="patient records: sqlite:///PATH or postgresql://USER@HOST/DB (default: $REHABCOACH_DATABASE, "
                       "else records.db in your data folder)")
    group.add_argument("--settings", metavar="FILE", help=argparse.SUPPRESS)  # an INI file instead of the user's settings
    parser.set_defaults(run=run)  # no command: open the window (a command's own `run` replaces it)


def run(args) -> int:
    # Imported here so that other commands never load Qt.
    from rehabcoach.ui.app import run_app

    return run_app(args)
