"""``rehabcoach evaluate``: detection rate and false alarms per minute on labelled synthetic cases.

A measurement, not a test: it exits 0 whether or not the bar is met (the PASS/FAIL line says which),
and non-zero only for a user mistake (no media folder, a pattern that matches no case).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rehabcoach.errors import UserError


def register(subparsers, parser: argparse.ArgumentParser) -> None:
    evaluate = subparsers.add_parser(
        "evaluate",
        help="measure synkinesis detection on labelled cases built from real recordings",
        description="Build labelled cases from real face recordings (one eye warped to narrow during the "
        "subject's smiles for gentle-smile, one mouth corner pulled during eye closures for gentle-eye-closure, "
        "plus untouched controls), run the same analysis as `rehabcoach analyze` on each, and print the "
        "detection rate and false alarms per minute, next to a plain per-frame threshold detector. "
        "Nothing is written to disk except --json and a private cache (first passes, face frames) in the temp folder.",
    )
    evaluate.add_argument("--media", type=Path, metavar="DIR",
                          help="folder of recordings (default: $REHABCOACH_MEDIA, or ../shared/media beside "
                          "the source checkout)")
    evaluate.add_argument("--json", type=Path, metavar="OUT", help="also write every case and figure as JSON")
    evaluate.add_argument("--cases", nargs="+", metavar="PATTERN",
                          help="only cases whose name (or clip) matches: a word matches anywhere in the name, or a shell "
                          "pattern the whole name, e.g. d9 smile-left '*-control'")
    evaluate.add_argument("--list", action="store_true", help="list the cases and exit")
    evaluate.add_argument("--threshold", action="append", default=[], metavar="MEASURE=VALUE",
                          help="try a guard threshold other than the exercise's (as a patient setting would), "
                          "e.g. --threshold eye_aperture=0.2; repeat for several measures")
    evaluate.add_argument("--fresh", action="store_true",
                          help="run the face tracker on every replay again instead of reusing the face frames "
                          "recorded by an earlier run (they are reused only when clip, warps and measure code "
                          "are unchanged, so engine tuning is re-measured in seconds)")
    evaluate.set_defaults(run=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    # Imported here: the evaluation pulls in OpenCV and the face pipeline, which other commands do not need.
    from rehabcoach.analysis.eval_cases import CLIPS
    from rehabcoach.analysis.evaluate import (
        TABLE_HEADER,
        check_media,
        default_media_folder,
        format_details,
        format_totals,
        gather_cases,
        report_json,
        run_case,
        select_cases,
        table_row,
        write_json,
    )

    media = check_media(args.media.expanduser() if args.media else default_media_folder())
    if args.json is not None and not args.json.parent.expanduser().resolve().is_dir():
        raise UserError(f"--json: folder {args.json.parent} does not exist")

    def note(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    traces, cases = gather_cases(media, CLIPS, progress=note)
    if not traces:
        raise UserError(f"none of the evaluation clips is in {media} (expected e.g. {next(iter(CLIPS))})")
    chosen = select_cases(cases, args.cases)
    if not chosen:
        raise UserError(f"no case matches {' '.join(args.cases)}; `rehabcoach evaluate --list` shows them")
    if args.list:
        for case in chosen:
            induced = ", ".join(f"{a:.2f}-{b:.2f}" for a, b in case.induced) or "none (control)"
            closures = f", {case.closures} closures" if case.closures else ""
            print(f"{case.name:<34} {case.exercise:<19} affected {case.affected_side:<5} induced {induced}; "
                  f"calibration: {case.describe_calibration()}{closures}")
        return 0

    from rehabcoach.routines.loader import load_library, resolve_exercise

    library = load_library()
    thresholds = parse_thresholds(args.threshold)
    exercises = {name: resolve_exercise(library.exercise(name), patient_thresholds=thresholds)
                 for name in sorted({c.exercise for c in chosen})}
    print("Detection evaluation on synthetic cases (measurements to support tuning, not a diagnosis)")
    print(f"media: {media}   cases: {len(chosen)}")
    if thresholds:
        print("thresholds tried: " + ", ".join(f"{m}={v:g}" for m, v in thresholds.items()))
    print(TABLE_HEADER)
    results = []
    for case in chosen:
        result = run_case(case, traces[case.clip], media, exercises[case.exercise], reuse=not args.fresh)
        results.append(result)
        print(table_row(result), flush=True)
    print()
    for line in format_totals(results):
        print(line)
    details = format_details(results)
    if details:
        print()
        print("Misses and false alarms (replay time, seconds):")
        for line in details:
            print(line)
    if args.json is not None:
        write_json(args.json, report_json(results, media))
        note(f"wrote {args.json}")
    return 0


def parse_thresholds(items: list[str]) -> dict[str, float]:
    """``["eye_aperture=0.2"]`` -> ``{"eye_aperture": 0.2}``; the values are checked by resolve_exercise."""
    thresholds: dict[str, float] = {}
    for item in items:
        measure, sep, value = item.partition("=")
        try:
            thresholds[measure.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise UserError(f"--threshold {item!r}: write MEASURE=VALUE, e.g. eye_aperture=0.2")
    return thresholds
