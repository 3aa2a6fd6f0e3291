"""``python -m lab sweep``: the guards' two main settings swept together on the evaluation's cases.

Every guard's threshold and minimum duration (``min_duration``) are the knobs a therapist has (a
patient threshold, an exercise file); this scales both for every exercise, or for one, over a grid,
and prints the issue's bars for each setting, one line each.  The face frames come from the cache an
earlier ``evaluate`` left (the tracker is not run when they are there), so a setting takes about 10 s.
docs/evaluation.md has what it measured.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from lab.evaluate import SHORT_NATURAL_BAR
from rehabcoach.errors import UserError


def register(subparsers, _parser) -> None:
    p = subparsers.add_parser(
        "sweep",
        help="sweep every guard's threshold and minimum duration together on the evaluation's cases",
        description="Scale the guards' thresholds and minimum durations over a grid and print, per setting, "
        "the bars of `evaluate` (held ~15 %%, held ~8 %%, natural speed, natural speed of at most 0.9 s, false "
        "alarms a minute, warned latency) "
        "for the tune set, the check set and all clips.",
    )
    p.add_argument("--thresholds", default="0.8,1,1.3", metavar="F,F,...",
                   help="factors for every guard's threshold (default 0.8,1,1.3)")
    p.add_argument("--durations", default="0.5,1,2", metavar="F,F,...",
                   help="factors for every guard's minimum duration (default 0.5,1,2)")
    p.add_argument("--exercise", metavar="ID", help="scale only this exercise's guards (default: all)")
    p.add_argument("--media", type=Path, metavar="DIR", help="the recordings (default ../shared/media)")
    p.add_argument("--json", type=Path, metavar="OUT", help="also write every setting's bars as JSON")
    p.set_defaults(run=run)


def parse_factors(text: str, option: str) -> list[float]:
    """``"0.8,1,1.3"`` -> ``[0.8, 1.0, 1.3]``; each factor must be a positive number."""
    factors = []
    for item in text.split(","):
        try:
            value = float(item)
        except ValueError:
            raise UserError(f"{option} {text!r}: {item.strip()!r} is not a number; write e.g. 0.8,1,1.3") from None
        if not value > 0:
            raise UserError(f"{option} {text!r}: every factor must be above 0, not {item.strip()}")
        factors.append(value)
    return factors


def scaled(exercise, threshold_factor: float, duration_factor: float):
    """The exercise with every guard's threshold and minimum duration multiplied by the factors."""
    guards = tuple(dataclasses.replace(g, threshold=g.threshold * threshold_factor,
                                       min_duration=g.min_duration * duration_factor) for g in exercise.guards)
    return dataclasses.replace(exercise, guards=guards)


def setting_line(threshold_factor: float, duration_factor: float, figures: dict[str, list[dict]]) -> str:
    """One printed line: the factors, then per set held ~15 % / held ~8 % / natural / FA a minute / warned."""
    from lab.evaluate import figure

    parts = []
    for which, found in figures.items():
        by_label = {bar["bar"]: bar["value"] for bar in found}
        values = [by_label.get(label) for label in SHOWN]
        parts.append(f"{which} " + " / ".join(figure(v) for v in values))
    return f"threshold x{threshold_factor:g} duration x{duration_factor:g}: " + " | ".join(parts)


# The bars shown, in order, by their labels in lab.evaluate.bars.
SHOWN = (
    "held movements, excess >= 15 %: sensitivity",
    "held movements, excess ~8 %: sensitivity",
    "natural-speed movements (graded): sensitivity",
    SHORT_NATURAL_BAR,
    "controls: false alarms per minute",
    "  ... to the warning being raised, s",
)


def run(args: argparse.Namespace) -> int:
    from lab.eval_cases import EXERCISE_REGION
    from lab.evaluate import SHORT_MOVEMENT_SECONDS, assign_grades, bars, breakdown, run_case, write_json
    from lab.evaluate_command import gather_for_command
    from rehabcoach.routines.loader import load_library, resolve_exercise

    threshold_factors = parse_factors(args.thresholds, "--thresholds")
    duration_factors = parse_factors(args.durations, "--durations")
    names = sorted(EXERCISE_REGION)
    if args.exercise is not None and args.exercise not in names:  # before the cases, which may take minutes
        raise UserError(f"--exercise {args.exercise!r}: the evaluation's exercises are {', '.join(names)}")
    media, _clips, traces, cases = gather_for_command(args.media, args.json, "all")
    library = load_library()
    exercises = {name: resolve_exercise(library.exercise(name)) for name in sorted({c.exercise for c in cases})}
    print("Guard settings swept on the evaluation's cases (held ~15 % / held ~8 % / natural / natural of at most "
          f"{SHORT_MOVEMENT_SECONDS:g} s / false alarms a minute / warned latency, s); a measurement of the detector, "
          "not a diagnosis")
    rows = []
    for threshold_factor in threshold_factors:
        for duration_factor in duration_factors:
            tried = {name: (scaled(ex, threshold_factor, duration_factor)
                            if args.exercise in (None, name) else ex) for name, ex in exercises.items()}
            results = [run_case(case, traces[case.clip], media, tried[case.exercise], reuse=True) for case in cases]
            assign_grades(results)
            groups = breakdown(results)
            figures = {which: bars(groups, which, results) for which in ("tune", "check", "all")}
            print(setting_line(threshold_factor, duration_factor, figures), flush=True)
            rows.append({"threshold_factor": threshold_factor, "duration_factor": duration_factor,
                         "exercise": args.exercise, "bars": figures})
    if args.json is not None:
        write_json(args.json, {"settings": rows})
    return 0
