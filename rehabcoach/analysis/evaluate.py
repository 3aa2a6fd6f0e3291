"""How well the engine detects synkinesis, measured on labelled cases (see eval_cases.py).

For every case the recording is replayed through ``analyze`` exactly as the ``analyze`` command does:

- an induced movement counts as **detected** when an event of the exercise's guarded region ("eye" for
  gentle-smile, "mouth" for gentle-eye-closure) on the affected side overlaps it in time;
- every event on the affected side that overlaps no induced movement is a **false alarm**, counted per
  minute of analysed footage (after calibration).

The same frames are also scored with a plain per-frame threshold detector (no smoothing, debounce,
hysteresis, blink rejection or other-side reference) on the same measures, baseline and thresholds, to
show what the engine's quiet-keeping buys.  The bar: at least 0.9 of induced movements detected and at
most 1 false alarm per minute (aim: 0.95 and 0.5).
"""

from __future__ import annotations

import fnmatch
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from rehabcoach.analysis.eval_cases import (
    Case,
    ClipTrace,
    Interval,
    RecordingPipeline,
    ReplayedPipeline,
    ReplayedSource,
    WarpedSource,
    build_cases,
    first_pass,
    load_replay,
    replay_key,
    save_replay,
)
from rehabcoach.coaching.guards import amount_in_direction
from rehabcoach.coaching.types import Baseline, MovementEvent, ResolvedGuard
from rehabcoach.errors import UserError
from rehabcoach.files import write_private_atomic

BAR_DETECTION = 0.9
BAR_FALSE_ALARMS_PER_MINUTE = 1.0
AIM_DETECTION = 0.95
AIM_FALSE_ALARMS_PER_MINUTE = 0.5


# -- scoring ----------------------------------------------------------------------------------------
def overlaps(event: MovementEvent, interval: Interval) -> bool:
    """True when the event and the interval share some time (touching ends do not count)."""
    return event.start_s < interval[1] and event.end_s > interval[0]


@dataclass
class Score:
    induced: int = 0
    detected: int = 0
    false_alarms: int = 0
    minutes: float = 0.0
    missed: list[Interval] = field(default_factory=list)
    alarms: list[MovementEvent] = field(default_factory=list)

    @property
    def detection_rate(self) -> float | None:
        return self.detected / self.induced if self.induced else None

    @property
    def false_alarms_per_minute(self) -> float | None:
        return self.false_alarms / self.minutes if self.minutes > 0 else None

    def add(self, other: "Score") -> None:
        self.induced += other.induced
        self.detected += other.detected
        self.false_alarms += other.false_alarms
        self.minutes += other.minutes


def score_events(events: Iterable[MovementEvent], *, region: str, side: str, induced: Sequence[Interval],
                 scored_seconds: float) -> Score:
    """Detections and false alarms of one case's events (see the module docstring for the rules)."""
    events = list(events)
    score = Score(induced=len(induced), minutes=max(0.0, scored_seconds) / 60.0)
    for interval in induced:
        if any(e.region == region and e.side == side and overlaps(e, interval) for e in events):
            score.detected += 1
        else:
            score.missed.append(interval)
    for event in events:
        if event.side == side and not any(overlaps(event, interval) for interval in induced):
            score.false_alarms += 1
            score.alarms.append(event)
    return score


def threshold_events(times: Sequence[float], measures: Sequence[dict | None], baseline: Baseline,
                     guards: Sequence[ResolvedGuard]) -> list[MovementEvent]:
    """The plain per-frame threshold detector: a (region, side) is "on" in every frame where any of its
    guards deviates past its threshold, and each run of "on" frames is one event.

    ``measures[i]`` is frame i's ``FaceFrame.measures`` (None or empty when no face).
    """
    keys = sorted({(g.region, side) for g in guards for side in g.sides})
    events: list[MovementEvent] = []
    open_runs: dict[tuple[str, str], list] = {}  # key -> [start, last time, peak, measure, threshold]
    step = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    for t, frame_measures in zip(times, measures):
        on: dict[tuple[str, str], tuple[float, str, float]] = {}
        for guard in guards:
            for side in guard.sides:
                value = (frame_measures or {}).get(guard.measure, {}).get(side)
                if value is None:
                    continue
                deviation = baseline.deviation(guard.measure, side, value)
                amount = amount_in_direction(deviation, guard.direction)
                if amount > guard.threshold:
                    best = on.get((guard.region, side))
                    if best is None or amount / guard.threshold > abs(best[0]) / best[2]:
                        on[(guard.region, side)] = (deviation, guard.measure, guard.threshold)
        for key in keys:
            run = open_runs.get(key)
            if key in on:
                deviation, measure, threshold = on[key]
                if run is None:
                    open_runs[key] = [t, t, deviation, measure, threshold]
                else:
                    run[1] = t
                    if abs(deviation) > abs(run[2]):
                        run[2], run[3], run[4] = deviation, measure, threshold
            elif run is not None:
                events.append(MovementEvent(key[0], key[1], run[3], run[0], run[1] + step, run[2], run[4]))
                del open_runs[key]
    for key, run in open_runs.items():
        events.append(MovementEvent(key[0], key[1], run[3], run[0], run[1] + step, run[2], run[4]))
    events.sort(key=lambda e: (e.start_s, e.side, e.region))
    return events


# -- running ------------------------------------------------------------------------------------------
@dataclass
class CaseResult:
    case: Case
    engine: Score
    baseline_detector: Score
    events: list[MovementEvent]
    calibration_end: float
    duration: float
    seconds: float  # processing time
    induced_seen: list[float | None]  # what the tracker saw of each induced movement (see induced_strength)
    induced_seen_other: list[float | None]  # ... and on the other side
    other_side_events: int

    def to_json(self) -> dict:
        case = self.case

        def events_json(events: Iterable[MovementEvent]) -> list[dict]:
            return [{"region": e.region, "side": e.side, "measure": e.measure, "start_s": round(e.start_s, 3),
                     "end_s": round(e.end_s, 3), "peak": round(e.peak, 4), "threshold": round(e.threshold, 4)}
                    for e in events]

        def score_json(score: Score) -> dict:
            return {"induced": score.induced, "detected": score.detected, "false_alarms": score.false_alarms,
                    "minutes": round(score.minutes, 4),
                    "missed": [[round(a, 3), round(b, 3)] for a, b in score.missed],
                    "false_alarm_events": events_json(score.alarms)}

        return {
            "case": case.name, "clip": case.clip, "exercise": case.exercise, "affected_side": case.affected_side,
            "control": case.control, "closures": case.closures or None,
            "calibration": case.describe_calibration(), "calibration_end_s": round(self.calibration_end, 3),
            "duration_s": round(self.duration, 3), "processing_s": round(self.seconds, 2),
            "induced": [{"start_s": round(m.start, 3), "end_s": round(m.end, 3), "kind": m.kind, "amount": m.amount,
                         "tracker_saw": _maybe_round(seen), "tracker_saw_other_side": _maybe_round(other)}
                        for m, seen, other in zip(case.induced_movements, self.induced_seen, self.induced_seen_other)],
            "engine": score_json(self.engine),
            "plain_threshold": score_json(self.baseline_detector),
            "events": events_json(self.events),
            "other_side_events": self.other_side_events,
        }


def _maybe_round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def induced_strength(case: Case, trace: ClipTrace, times: Sequence[float], measures: Sequence[dict | None],
                     side: str | None = None) -> list[float | None]:
    """For each induced movement, how much of it the face tracker actually registered on ``side``
    (default: the affected side): the median, over the frames where the warp is fully engaged, of the
    warped measure minus the untouched clip's.  On the other side this shows how much of a one-sided
    warp the face mesh leaks across, which eats into an other-side reference.

    Eye narrowing: relative change of eye_aperture (-0.2 = 20 % narrower than the untouched frame).
    Mouth pull: change of mouth_corner_lift in IODs.
    """
    side = side or case.affected_side
    side_index = 0 if side == "right" else 1
    values = []
    for movement in case.induced_movements:
        diffs = []
        for t, frame_measures in zip(times, measures):
            if not frame_measures or movement.level(t) < movement.amount * 0.99:
                continue
            clip_index = int(round((t - case.lead_in) * trace.fps))
            if not 0 <= clip_index < len(trace.times):
                continue
            if movement.kind == "narrow_eye":
                before = trace.eye_aperture[clip_index, side_index]
                after = frame_measures.get("eye_aperture", {}).get(side)
                if after is not None and np.isfinite(before) and before > 1e-6:
                    diffs.append(after / before - 1.0)
            else:
                before = trace.mouth_corner_lift[clip_index, side_index]
                after = frame_measures.get("mouth_corner_lift", {}).get(side)
                if after is not None and np.isfinite(before):
                    diffs.append(after - before)
        values.append(float(np.median(diffs)) if diffs else None)
    return values


def run_case(case: Case, trace: ClipTrace, media: Path, exercise, *, pipeline_factory=None,
             reuse: bool = True) -> CaseResult:
    """Replay one case through ``analyze`` and score it.

    With ``reuse`` the face frames of an identical earlier replay (same clip, warps and measure code)
    are fed back instead of running the face tracker again: only the engine runs anew.
    """
    from rehabcoach.analysis.analyze import analyze

    if pipeline_factory is None:
        from rehabcoach.vision.pipeline import FacePipeline as pipeline_factory
    started = time.perf_counter()
    key = replay_key(case, media)
    recorded = load_replay(key) if reuse else None
    if recorded is not None:
        source = ReplayedSource(case.name, trace.fps, recorded)
        result = analyze(source, exercise, case.affected_side, pipeline=ReplayedPipeline(recorded))
    else:
        with WarpedSource(media / case.clip, case, trace) as source, pipeline_factory() as pipeline:
            recorder = RecordingPipeline(pipeline)
            result = analyze(source, exercise, case.affected_side, pipeline=recorder)
        save_replay(key, recorder.frames)
    seconds = time.perf_counter() - started
    calibration_end = float(result.calibration["end_s"])
    scored_seconds = result.duration_s - calibration_end
    times = [row.time_s for row in result.rows]
    measures = [row.measures if row.face and row.phase == "movement" else None for row in result.rows]
    induced = case.induced
    engine = score_events(result.events, region=case.region, side=case.affected_side, induced=induced,
                          scored_seconds=scored_seconds)
    plain = threshold_events(times, measures, result.baseline, exercise.guards)
    plain_score = score_events(plain, region=case.region, side=case.affected_side, induced=induced,
                               scored_seconds=scored_seconds)
    return CaseResult(
        case=case, engine=engine, baseline_detector=plain_score, events=list(result.events),
        calibration_end=calibration_end, duration=result.duration_s, seconds=seconds,
        induced_seen=induced_strength(case, trace, times, measures),
        induced_seen_other=induced_strength(case, trace, times, measures,
                                            "left" if case.affected_side == "right" else "right"),
        other_side_events=sum(1 for e in result.events if e.side != case.affected_side),
    )


def select_cases(cases: Sequence[Case], patterns: Sequence[str] | None) -> list[Case]:
    """Cases whose name matches any of the shell-style patterns (a bare word matches as a substring)."""
    if not patterns:
        return list(cases)
    chosen = []
    for case in cases:
        for pattern in patterns:
            glob = pattern if any(ch in pattern for ch in "*?[") else f"*{pattern}*"
            if fnmatch.fnmatchcase(case.name, glob) or fnmatch.fnmatchcase(case.clip, glob):
                chosen.append(case)
                break
    return chosen


def default_media_folder() -> Path | None:
    """$REHABCOACH_MEDIA, else ../shared/media beside a source checkout."""
    env = os.environ.get("REHABCOACH_MEDIA")
    if env:
        return Path(env).expanduser()
    beside = Path(__file__).resolve().parents[2] / ".." / "shared" / "media"
    return beside.resolve() if beside.is_dir() else None


def gather_cases(media: Path, clips: Iterable[str], *, progress: Callable[[str], None] | None = None,
                 pipeline_factory=None) -> tuple[dict[str, ClipTrace], list[Case]]:
    """First pass over every available clip, then every case it offers."""
    traces: dict[str, ClipTrace] = {}
    cases: list[Case] = []
    for clip in clips:
        path = media / clip
        if not path.is_file():
            if progress:
                progress(f"skipping {clip}: not in {media}")
            continue
        started = time.perf_counter()
        trace = first_pass(path, pipeline_factory=pipeline_factory)
        if progress:
            progress(f"first pass: {clip} ({len(trace.times)} frames, {time.perf_counter() - started:.1f} s)")
        traces[clip] = trace
        cases.extend(build_cases(trace))
    return traces, cases


# -- reporting ----------------------------------------------------------------------------------------
def _rate(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def verdict(rate: float | None, per_minute: float | None) -> str:
    if rate is None or per_minute is None:
        return "n/a"
    passed = rate >= BAR_DETECTION and per_minute <= BAR_FALSE_ALARMS_PER_MINUTE
    aimed = rate >= AIM_DETECTION and per_minute <= AIM_FALSE_ALARMS_PER_MINUTE
    return "PASS (aim met)" if aimed else ("PASS" if passed else "FAIL")


TABLE_HEADER = (f"{'case':<34} {'side':<5} {'induced':>7} {'det':>4} {'FA':>3} {'min':>5} {'FA/min':>6}"
                f" | {'plain det':>9} {'FA':>4} {'FA/min':>6}")


def table_row(result: CaseResult) -> str:
    e, p = result.engine, result.baseline_detector
    return (f"{result.case.name:<34} {result.case.affected_side:<5} {e.induced:>7} {e.detected:>4} "
            f"{e.false_alarms:>3} {e.minutes:>5.2f} {_rate(e.false_alarms_per_minute):>6}"
            f" | {p.detected:>9} {p.false_alarms:>4} {_rate(p.false_alarms_per_minute):>6}")


def totals(results: Sequence[CaseResult]) -> dict[str, tuple[Score, Score]]:
    """(engine, plain detector) scores summed per exercise, per exercise and affected side
    ("gentle-smile left"), and over everything ("all", last)."""
    groups: dict[str, tuple[Score, Score]] = {}
    for result in results:
        case = result.case
        for key in (case.exercise, f"{case.exercise} {case.affected_side}"):
            engine, plain = groups.setdefault(key, (Score(), Score()))
            engine.add(result.engine)
            plain.add(result.baseline_detector)
    exercises = list(dict.fromkeys(r.case.exercise for r in results))
    ordered = {key: groups[key] for exercise in exercises for key in groups if key.split(" ")[0] == exercise}
    everything = (Score(), Score())
    for result in results:
        everything[0].add(result.engine)
        everything[1].add(result.baseline_detector)
    ordered["all"] = everything
    return ordered


def format_totals(results: Sequence[CaseResult]) -> list[str]:
    lines = []
    for key, (engine, plain) in totals(results).items():
        by_side = " " in key
        label = f"  {key.split(' ')[1]} side" if by_side else key
        lines.append(
            f"{label:<20} induced {engine.induced:>3}  detected {engine.detected:>3}  rate {_rate(engine.detection_rate)}"
            f"  false alarms {engine.false_alarms:>3} in {engine.minutes:.2f} min = {_rate(engine.false_alarms_per_minute)}/min"
            + ("" if by_side else f"  -> {verdict(engine.detection_rate, engine.false_alarms_per_minute)}")
        )
        if not by_side:
            lines.append(
                f"{'  plain threshold':<20} induced {plain.induced:>3}  detected {plain.detected:>3}  rate {_rate(plain.detection_rate)}"
                f"  false alarms {plain.false_alarms:>3} in {plain.minutes:.2f} min = {_rate(plain.false_alarms_per_minute)}/min"
            )
    return lines


def format_details(results: Sequence[CaseResult]) -> list[str]:
    """Every miss and false alarm with its time, for whoever tunes the engine."""
    lines = []
    for result in results:
        case = result.case
        for a, b in result.engine.missed:
            index = case.induced.index((a, b))
            seen, other = result.induced_seen[index], result.induced_seen_other[index]
            saw = f", tracker saw {seen:+.3f}" if seen is not None else ""
            saw += f" (other side {other:+.3f})" if other is not None else ""
            lines.append(f"MISS  {case.name}: induced {a:.2f}-{b:.2f} s (clip {case.clip_time(a):.2f}-{case.clip_time(b):.2f}){saw}")
        for event in result.engine.alarms:
            lines.append(f"FA    {case.name}: {event.region}/{event.side} {event.measure} {event.start_s:.2f}-{event.end_s:.2f} s"
                         f" (clip {case.clip_time(event.start_s):.2f}-{case.clip_time(event.end_s):.2f})"
                         f" peak {event.peak:+.3f} (threshold {event.threshold:.3f})")
    return lines


def report_json(results: Sequence[CaseResult], media: Path) -> dict:
    summary = {}
    for key, (engine, plain) in totals(results).items():
        summary[key] = {
            "engine": {"induced": engine.induced, "detected": engine.detected,
                       "detection_rate": engine.detection_rate, "false_alarms": engine.false_alarms,
                       "minutes": round(engine.minutes, 4), "false_alarms_per_minute": engine.false_alarms_per_minute,
                       "verdict": verdict(engine.detection_rate, engine.false_alarms_per_minute)},
            "plain_threshold": {"induced": plain.induced, "detected": plain.detected,
                                "detection_rate": plain.detection_rate, "false_alarms": plain.false_alarms,
                                "false_alarms_per_minute": plain.false_alarms_per_minute},
        }
    return {
        "media": str(media),
        "bar": {"detection_rate": BAR_DETECTION, "false_alarms_per_minute": BAR_FALSE_ALARMS_PER_MINUTE},
        "aim": {"detection_rate": AIM_DETECTION, "false_alarms_per_minute": AIM_FALSE_ALARMS_PER_MINUTE},
        "summary": summary,
        "cases": [r.to_json() for r in results],
        "note": "Synthetic cases made by warping real recordings; a measurement of the detector, not a diagnosis.",
    }


def write_json(path: Path, data: dict) -> None:
    """Write atomically, readable by the user only."""
    write_private_atomic(path, json.dumps(data, indent=2) + "\n")


def check_media(media: Path | None) -> Path:
    if media is None:
        raise UserError("no media folder: pass --media DIR (the folder of recordings) or set REHABCOACH_MEDIA")
    if not media.is_dir():
        raise UserError(f"media folder not found: {media}")
    return media
