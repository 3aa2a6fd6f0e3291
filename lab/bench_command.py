"""``python -m lab bench VIDEO``: pipeline throughput against bare MediaPipe, latency and memory."""

from __future__ import annotations

import json

from rehabcoach.errors import UserError


def register(subparsers, _parser) -> None:
    p = subparsers.add_parser(
        "bench",
        help="measure the face pipeline's speed against bare MediaPipe",
        description="Decode a recording once, then run bare FaceLandmarker and the full pipeline over the same "
        "frames and print frames/s, their ratio, per-frame latency p50/p95 and peak memory; then time "
        "`analyze` end to end on the file.",
    )
    p.add_argument("video")
    p.add_argument("--size", default="640x480", help="frame size for the comparison (default 640x480)")
    p.add_argument("--frames", type=int, metavar="N", help="use at most N frames")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds of each (default 2)")
    p.add_argument("--exercise", default="gentle-smile", metavar="ID")
    p.add_argument("--no-analyze", action="store_true", help="skip the end-to-end analyze timing")
    p.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    p.add_argument("--model", metavar="PATH")
    p.set_defaults(run=run)


def run(args) -> int:
    from lab.bench import run_bench, time_analysis
    from rehabcoach.routines.loader import load_library
    from rehabcoach.routines.resolve import resolve_exercise

    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        raise UserError(f"--size {args.size!r}: expected WIDTHxHEIGHT, e.g. 640x480") from None
    if not (32 <= width <= 4096 and 32 <= height <= 4096):
        raise UserError(f"--size {args.size}: width and height must be between 32 and 4096")
    if args.rounds < 1:
        raise UserError("--rounds must be at least 1")
    exercise = resolve_exercise(load_library().exercise(args.exercise))
    figures = run_bench(args.video, exercise, size=(width, height), limit=args.frames, rounds=args.rounds,
                        model=args.model)
    if not args.no_analyze:
        figures.update(time_analysis(args.video, exercise, model=args.model))
    if args.json:
        print(json.dumps(figures))
    return 0
