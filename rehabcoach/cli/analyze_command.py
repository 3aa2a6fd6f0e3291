"""``rehabcoach analyze VIDEO --exercise ID``: the coaching engine, headless, over a recording."""

from __future__ import annotations

import csv
import io
import json
import sys

from rehabcoach.errors import UserError
from rehabcoach.files import check_distinct_outputs, check_output, write_all_private_atomic


def register(subparsers, _parser) -> None:
    p = subparsers.add_parser(
        "analyze",
        help="analyse a recording with the coaching engine",
        description="Calibrate on the first seconds of a recording, then watch the rest as one movement "
        "phase of an exercise and report every unwanted movement (JSON), optionally per frame (CSV). "
        "Measurements support therapy; they are not a diagnosis.",
    )
    p.add_argument("video", help="a video file (or a folder of images)")
    p.add_argument("--exercise", required=True, metavar="ID", help="movement exercise whose guards apply")
    p.add_argument("--affected-side", choices=("left", "right"), help="the patient's affected side (anatomical)")
    p.add_argument("--calibration-seconds", type=float, default=2.0, metavar="S",
                   help="seconds at the start used as the resting baseline (default 2)")
    p.add_argument("--json", metavar="OUT", help="write the JSON report here instead of standard output")
    p.add_argument("--csv", metavar="OUT", help="also write one row per frame (measures, warning flags)")
    p.add_argument("--library", metavar="DIR", help="exercise library folder (default: the built-in one)")
    p.add_argument("--model", metavar="PATH", help="face_landmarker.task to use")
    p.add_argument("--trackers", type=int, choices=(1, 2), default=None,
                   help="face trackers to run at once on a long recording, each on a part of it (default: 2 on "
                   "a machine with 2 or more cores, else 1); 1 tracks every frame in order")
    p.set_defaults(run=run)


def run(args) -> int:
    from rehabcoach.analysis.analyze import StderrProgress, analyze
    from rehabcoach.analysis.split_tracking import face_tracking
    from rehabcoach.routines.loader import load_library
    from rehabcoach.routines.resolve import resolve_exercise
    from rehabcoach.vision.sources import open_source

    # Checked before the (long) analysis: never the video itself, never a device, never one file twice.
    for option in ("json", "csv"):
        if getattr(args, option):
            check_output(getattr(args, option), f"--{option}", inputs=[args.video])
    check_distinct_outputs([("--json", args.json), ("--csv", args.csv)])
    library = load_library(args.library)
    exercise = resolve_exercise(library.exercise(args.exercise))
    if not exercise.guards:
        raise UserError(f"exercise '{exercise.id}' is a {exercise.category} exercise with nothing to watch; "
                        "choose a movement exercise (`rehabcoach list` shows them)")
    with (open_source(args.video) as source,
          face_tracking(source, args.model, trackers=args.trackers) as (pipeline, faces)):
        result = analyze(
            source, exercise, args.affected_side,
            calibration_seconds=args.calibration_seconds,
            pipeline=pipeline,
            progress=StderrProgress(f"analysing {source.name}"),
            keep_rows=bool(args.csv),
            faces=faces,
        )
    report = result.to_json()
    report["video"] = str(args.video)
    text = json.dumps(report, indent=2) + "\n"
    # Everything is computed before anything is written, and the files are written together: both,
    # or (a full disk, a failing --json) neither.
    outputs = []
    if args.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.csv_header())
        writer.writerows(result.csv_rows())
        outputs.append((args.csv, buffer.getvalue()))
    if args.json:
        outputs.append((args.json, text))
    write_all_private_atomic(outputs)
    if not args.json:
        sys.stdout.write(text)
    return 0
