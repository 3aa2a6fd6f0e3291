"""``python -m lab evaluate``: sensitivity, false alarms per minute and onset latency on labelled synthetic cases.

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
        "subject's smiles (gentle-smile) or puckers (lip-pucker), one mouth corner pulled during eye closures "
        "(gentle-eye-closure); at natural speed and stretched to 3-5 s holds; plus untouched controls), run the "
        "same analysis as `rehabcoach analyze --calibration-seconds 1.5` on each, and print sensitivity, false "
        "alarms per minute and median onset latency per set, exercise, kind and grade, with PASS/FAIL against "
        "the bars, next to a plain per-frame threshold detector. "
        "Nothing is written to disk except --json and a private cache (first passes, face frames) in the temp folder.",
    )
    evaluate.add_argument("--media", type=Path, metavar="DIR",
                          help="folder of recordings (default: $REHABCOACH_MEDIA, or ../shared/media beside "
                          "the source checkout)")
    evaluate.add_argument("--json", type=Path, metavar="OUT", help="also write every case and figure as JSON")
    evaluate.add_argument("--cases", nargs="+", metavar="PATTERN",
                          help="only cases whose name (or clip) matches: a word matches anywhere in the name, or a shell "
                          "pattern the whole name, e.g. d9 smile-left '*-control'")
    evaluate.add_argument("--set", choices=("tune", "check", "all"), default="all", dest="clip_set",
                          help="clips to use: 'tune' (those the engine is tuned on), 'check' (held out of tuning) "
                          "or 'all' (default; the report shows the two sets separately)")
    evaluate.add_argument("--mouth-pull", choices=("up-and-out", "sideways"), default="up-and-out",
                          help="direction of the mouth-corner pulls induced during eye closures: 'up-and-out' "
                          "(default; zygomaticus-like) or 'sideways' (straight out, risorius-like; these cases are "
                          "graded by mouth_corner_excursion and replayed on their first run, a few minutes)")
    evaluate.add_argument("--list", action="store_true", help="list the cases and exit")
    evaluate.add_argument("--eye-signals", action="store_true",
                          help="compare candidate per-side eye-opening signals (lid/eye width, lid/iris, contour "
                          "area, eyeBlink/eyeSquint, combinations) by how well they separate an induced one-sided "
                          "narrowing from natural two-sided narrowing, on the face frames cached by an earlier "
                          "run (the tracker is not run); prints AUC and d' per signal and grade")
    evaluate.add_argument("--mouth-signals", action="store_true",
                          help="compare candidate per-side mouth-corner signals (lift, excursion, sideways distance "
                          "from the nose, mouth blendshapes) by how well they separate an induced one-sided pull from "
                          "the same eye closure untouched, on the face frames cached by an earlier run (with "
                          "--mouth-pull: of those pulls); prints AUC and d' per signal")
    evaluate.add_argument("--pixels", action="store_true",
                          help="with --eye-signals: add the pixel-based signal (each eye's own pixels matched "
                          "against its rest patch, lab/pixel_lid.py); decodes and warps every replay frame again")
    evaluate.add_argument("--threshold", action="append", default=[], metavar="MEASURE=VALUE",
                          help="try a guard threshold other than the exercise's (as a patient setting would), "
                          "e.g. --threshold eye_aperture=0.2; repeat for several measures")
    evaluate.add_argument("--fresh", action="store_true",
                          help="run the face tracker on every replay again instead of reusing the face frames "
                          "recorded by an earlier run (they are reused only when clip, warps and measure code "
                          "are unchanged, so engine tuning is re-measured in seconds)")
    evaluate.set_defaults(run=run_evaluate)


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def gather_for_command(media_option: Path | None, json_option: Path | None, clip_set: str,
                       mouth_pull: str = "up-and-out"):
    """What `evaluate` and `sweep` start with: the media folder and the --json folder checked (before the
    long work), then the clips of ``clip_set`` and their cases, with progress on stderr.
    Returns (media, clips, traces, cases)."""
    from lab.eval_cases import clips_in_set
    from lab.evaluate import check_media, default_media_folder, gather_cases

    media = check_media(media_option.expanduser() if media_option else default_media_folder())
    if json_option is not None and not json_option.parent.expanduser().resolve().is_dir():
        raise UserError(f"--json: folder {json_option.parent} does not exist")
    clips = clips_in_set(clip_set)
    traces, cases = gather_cases(media, clips, progress=note, mouth_pull=mouth_pull)
    if not traces:
        raise UserError(f"none of the evaluation clips is in {media} (expected e.g. {clips[0]})")
    return media, clips, traces, cases


def run_evaluate(args: argparse.Namespace) -> int:
    # Imported here: the evaluation pulls in OpenCV and the face pipeline, which other commands do not need.
    from lab.evaluate import (
        TABLE_HEADER,
        assign_grades,
        format_breakdown,
        format_details,
        format_totals,
        report_json,
        run_case,
        select_cases,
        table_row,
        with_twins,
        write_json,
    )

    media, clips, traces, cases = gather_for_command(args.media, args.json, args.clip_set, args.mouth_pull)
    chosen = select_cases(cases, args.cases)
    if not chosen:
        raise UserError(f"no case matches {' '.join(args.cases)}; `python -m lab evaluate --list` shows them")
    if args.eye_signals:
        return run_eye_signals(args, media, clips)
    if args.mouth_signals:
        return run_mouth_signals(args, media, clips)
    if args.list:
        for case in chosen:
            induced = ", ".join(f"{m.start:.2f}-{m.end:.2f} (onset {m.onset:.2f}, {m.amount:g})"
                                for m in case.induced_movements) or "none (control)"
            closures = f", {case.closures} closures" if case.closures else ""
            print(f"{case.name:<40} {case.set:<5} {case.kind:<7} {case.exercise:<19} affected {case.affected_side:<5} "
                  f"induced {induced}; calibration: {case.describe_calibration()}{closures}")
        return 0
    # Grading an induced movement needs its control twin (the same frames, nothing induced).
    chosen = with_twins(chosen, cases)

    from rehabcoach.routines.loader import load_library, resolve_exercise

    library = load_library()
    thresholds = parse_thresholds(args.threshold)
    exercises = {name: resolve_exercise(library.exercise(name), patient_thresholds=thresholds)
                 for name in sorted({c.exercise for c in chosen})}
    print("Detection evaluation on synthetic cases (measurements to support tuning, not a diagnosis)")
    print(f"media: {media}   set: {args.clip_set}   cases: {len(chosen)}   calibration: 1.5 s")
    if thresholds:
        print("thresholds tried: " + ", ".join(f"{m}={v:g}" for m, v in thresholds.items()))
    if args.mouth_pull != "up-and-out":
        print(f"mouth pulls: {args.mouth_pull} (graded by mouth_corner_excursion)")
    print(TABLE_HEADER)
    results = []
    for case in chosen:
        result = run_case(case, traces[case.clip], media, exercises[case.exercise], reuse=not args.fresh)
        results.append(result)
        print(table_row(result), flush=True)
    print()
    assign_grades(results)
    print()
    for line in format_breakdown(results):
        print(line)
    print("Engine against the plain per-frame threshold detector (every case; false alarms include those in "
          "induced cases away from the induced movements):")
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


def run_mouth_signals(args: argparse.Namespace, media: Path, clips: list[str]) -> int:
    from lab.mouth_signals import format_table, run

    rows, samples, skipped = run(media, clips, args.mouth_pull)
    positives = len(samples.kinds)
    if not positives:
        raise UserError("no induced mouth pull has its face frames cached yet: run `python -m lab evaluate"
                        + ("" if args.mouth_pull == "up-and-out" else f" --mouth-pull {args.mouth_pull} --cases closure")
                        + "` first")
    return print_signal_comparison(
        args, f"Mouth signals ({args.mouth_pull} pulls): separation of an induced one-sided corner pull (positives: "
        "induced pulls) from the same frames untouched (negatives: the control twin, both sides); A = the affected "
        "side's change minus the other side's, from each replay's own rest",
        f"positives: {positives} induced pulls; cases skipped (replay not cached): {skipped}", format_table(rows), rows,
        {"mouth_pull": args.mouth_pull, "signals": rows, "positives": positives, "skipped": skipped,
         "kinds": samples.kinds, "cases": samples.labels})


def run_eye_signals(args: argparse.Namespace, media: Path, clips: list[str]) -> int:
    from lab.eye_signals import format_table, run

    rows, samples, skipped = run(media, clips, pixels=args.pixels)
    positives = len(samples.grades)
    if not positives:
        raise UserError("no induced eye case has its face frames cached yet: run `python -m lab evaluate` first")
    return print_signal_comparison(
        args, "Eye signals: separation of an induced one-sided narrowing (positives: induced movements) from the same "
        "frames untouched (negatives: the control twin, both sides); A = other side's deviation minus the "
        "affected side's, from each replay's own rest",
        f"positives: {positives} induced movements; cases skipped (replay not cached): {skipped}", format_table(rows),
        rows, {"signals": rows, "positives": positives, "skipped": skipped, "grades": samples.grades,
               "kinds": samples.kinds, "cases": samples.labels})


def print_signal_comparison(args: argparse.Namespace, about: str, counts: str, table: list[str], rows: list[dict],
                            payload: dict) -> int:
    """What --eye-signals and --mouth-signals print: what was compared, how many, the table, each signal's formula;
    and with --json everything in ``payload``."""
    from lab.evaluate import write_json

    print(about)
    print(counts)
    for line in table:
        print(line)
    for row in rows:
        print(f"  {row['signal']}: {row['formula']}")
    if args.json is not None:
        write_json(args.json, payload)
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
