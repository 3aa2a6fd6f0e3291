"""`python -m lab bench-window`: the real window on a recording paced in real time; prints figures."""

from __future__ import annotations

import sys


def register(subparsers, parser) -> None:
    cmd = subparsers.add_parser(
        "bench-window",
        help="measure the window: frames/s shown, dropped frames, GUI stalls, warning latency, memory",
        description="Run the real main window (offscreen) coaching a movement exercise on a recording "
        "delivered in real time like a camera, and print displayed frames/s, dropped frames, the longest "
        "GUI-thread stall, capture-to-paint, capture-to-warning and capture-to-tone latency (p50/p95), the "
        "app's CPU use against the bare landmarker's at the same frame rate, and memory over time. "
        "Use --seconds 1800 for a 30-minute soak.",
    )
    cmd.add_argument("--source", required=True, metavar="VIDEO", help="recording to use as the camera (looped)")
    cmd.add_argument("--seconds", type=float, default=60.0, help="how long to run (default 60)")
    cmd.add_argument("--exercise", default="gentle-smile", metavar="ID", help="movement exercise (default gentle-smile)")
    cmd.add_argument("--library", metavar="DIR", help="exercise library folder (default: the installed one)")
    cmd.add_argument("--rss-every", type=float, default=1.0, metavar="S", help="memory sample interval (default 1 s)")
    cmd.add_argument("--json", metavar="OUT", help="also write every figure and memory sample as JSON")
    cmd.add_argument("--visible", action="store_true", help="use the real display instead of offscreen")
    cmd.add_argument(
        "--scripted-warnings",
        action="store_true",
        help="replace the guards by a script that warns 1 s in every 3 s, alternating sides, so the warning "
        "latency is measured even on a recording without unwanted movements",
    )
    cmd.add_argument(
        "--no-bare-cpu",
        action="store_true",
        help="skip the second run that measures the bare FaceLandmarker's CPU use at the same frame rate",
    )
    cmd.set_defaults(run=run)


def run(args) -> int:
    from lab.bench_window import report_lines, run_window_benchmark, write_json
    from rehabcoach.errors import UserError

    if args.rss_every <= 0:
        raise UserError("--rss-every must be more than 0")
    last = [-10.0]

    def progress(done: float, total: float) -> None:
        if done - last[0] >= 10:
            last[0] = done
            print(f"  ... {done:.0f} / {total:.0f} s", file=sys.stderr, flush=True)

    result = run_window_benchmark(
        args.source,
        seconds=args.seconds,
        exercise_id=args.exercise,
        library_root=args.library,
        rss_every=args.rss_every,
        visible=args.visible,
        scripted_warnings=args.scripted_warnings,
        progress=progress,
        bare_cpu=not args.no_bare_cpu,
    )
    for line in report_lines(result):
        print(line)
    if args.json:
        write_json(result, args.json)
        print(f"figures written to {args.json}")
    return 0
