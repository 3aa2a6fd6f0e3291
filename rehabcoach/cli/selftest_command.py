"""``rehabcoach --self-test`` (or ``rehabcoach self-test``): check this installation in a few seconds.

Prints one line and exits 0 when the model, library and engine work; prints one ``self-test FAILED``
line on stderr and exits 1 otherwise.  Packagers run it on every build (packaging/build-linux.sh).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from rehabcoach.errors import UserError

DESCRIPTION = (
    "Check this installation without a camera or a display: the face model (against the tested "
    "release), the exercise library and its illustrations, and the vision and coaching engine on a face it "
    "draws itself (a smile with a narrowing left eye must warn about the left eye only). Prints one line; "
    "exits 1 if anything is broken."
)


def register(subparsers, parser: argparse.ArgumentParser) -> None:
    command = subparsers.add_parser("self-test", help="check this installation (model, library, engine)",
                                    description=DESCRIPTION)
    command.add_argument("--model", type=Path, metavar="PATH",
                         help="face model file to check instead of the installed one")
    command.add_argument("--library", type=Path, metavar="DIR",
                         help="library folder (holding exercises/) instead of the installed one")
    command.set_defaults(run=run)
    # The flag form is what packagers and support instructions use: `rehabcoach --self-test`.
    parser.add_argument("--self-test", dest="run", action="store_const", const=run,
                        help="check this installation and exit (same as the self-test command)")


def run(args: argparse.Namespace) -> int:
    from rehabcoach.selftest import SelfTestFailure, run_self_test

    try:
        result = run_self_test(
            model_path=getattr(args, "model", None),
            library_root=getattr(args, "library", None),
        )
    except (SelfTestFailure, UserError) as exc:
        print(f"self-test FAILED: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still say FAILED first, then give the traceback for the report
        print(f"self-test FAILED: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        traceback.print_exc()
        return 1
    print(result.line())
    return 0
