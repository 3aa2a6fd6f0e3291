"""Run the coaching engine headless over a recording.

The first ``calibration_seconds`` calibrate the resting baseline (if the face is not visible or not
still enough by then, calibration continues until enough stable frames were seen, and the result says
where it ended); the rest of the recording is one continuous movement phase of the chosen exercise.
The same Calibrator, GuardMonitor and TargetMeter run here as in the live app.
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass, field
from typing import Callable

from rehabcoach.coaching.calibration import Calibrator
from rehabcoach.coaching.guards import GuardMonitor
from rehabcoach.coaching.target import TargetMeter
from rehabcoach.coaching.types import Baseline, MovementEvent, ResolvedGuard, ResolvedTarget
from rehabcoach.errors import UserError
from rehabcoach.vision.catalogue import MEASURE_NAMES, SIDES, Side
from rehabcoach.vision.pipeline import FacePipeline
from rehabcoach.vision.sources import FrameSource
from rehabcoach.vision.types import FaceFrame

MIN_CALIBRATION_FRAMES = 10
FACE_LOSS_MIN_SECONDS = 0.2  # shorter gaps are tracking hiccups, not "face lost"

ProgressCallback = Callable[[int, int | None], None]


@dataclass
class FrameRow:
    time_s: float
    face: bool
    phase: str  # "calibration" or "movement"
    measures: dict[str, dict[str, float]]
    warnings: set[tuple[str, str]]  # (region, side) with a warning active after this frame


@dataclass
class AnalysisResult:
    video: str
    fps: float
    frames: int
    face_frames: int
    exercise: str
    affected_side: Side | None
    calibration: dict
    baseline: Baseline
    events: list[MovementEvent]
    face_lost: list[tuple[float, float]]
    target_best: dict[str, float]
    duration_s: float
    rows: list[FrameRow] = field(default_factory=list, repr=False)
    guarded: list[tuple[str, str]] = field(default_factory=list)  # (region, side) pairs with a guard

    def summary(self) -> dict:
        by_key: dict[str, dict] = {}
        for event in self.events:
            entry = by_key.setdefault(f"{event.region}/{event.side}", {"count": 0, "seconds": 0.0, "peak": 0.0})
            entry["count"] += 1
            entry["seconds"] = round(entry["seconds"] + event.duration_s, 3)
            if abs(event.peak) > abs(entry["peak"]):
                entry["peak"] = round(event.peak, 4)
        movement_s = max(0.0, self.duration_s - self.calibration["end_s"])
        return {
            "events": len(self.events),
            "by_region_side": by_key,
            "warning_seconds": round(sum(e.duration_s for e in self.events), 3),
            "movement_seconds": round(movement_s, 3),
            "events_per_minute": round(len(self.events) / (movement_s / 60), 3) if movement_s > 0 else 0.0,
            "face_lost_seconds": round(sum(b - a for a, b in self.face_lost), 3),
            "face_lost": [{"start_s": round(a, 3), "end_s": round(b, 3)} for a, b in self.face_lost],
            "target_best": {side: round(v, 3) for side, v in self.target_best.items()},
            "note": "Measurements to support therapy, not a diagnosis.",
        }

    def to_json(self) -> dict:
        return {
            "video": self.video,
            "fps": round(self.fps, 3),
            "frames": self.frames,
            "face_frames": self.face_frames,
            "exercise": self.exercise,
            "affected_side": self.affected_side,
            "calibration": self.calibration,
            "baseline": {
                "measures": _rounded(self.baseline.measures),
                "noise": _rounded(self.baseline.noise),
                "pose": {k: round(v, 2) for k, v in asdict(self.baseline.pose).items()},
                "frames": self.baseline.frames,
            },
            "events": [
                {
                    "region": e.region, "side": e.side, "measure": e.measure,
                    "start_s": round(e.start_s, 3), "end_s": round(e.end_s, 3),
                    "duration_s": round(e.duration_s, 3), "peak": round(e.peak, 4),
                    "threshold": round(e.threshold, 4),
                }
                for e in self.events
            ],
            "summary": self.summary(),
        }

    def csv_header(self) -> list[str]:
        columns = ["time_s", "face", "phase"]
        columns += [f"{m}_{s}" for m in MEASURE_NAMES for s in SIDES]
        columns += [f"warning_{region}_{side}" for region, side in self.guarded]
        return columns

    def csv_rows(self):
        for row in self.rows:
            values: list = [f"{row.time_s:.3f}", int(row.face), row.phase]
            for m in MEASURE_NAMES:
                for s in SIDES:
                    v = row.measures.get(m, {}).get(s)
                    values.append("" if v is None else f"{v:.5f}")
            values += [int(key in row.warnings) for key in self.guarded]
            yield values


def _rounded(values: dict[str, dict[str, float]]) -> dict:
    return {m: {s: round(v, 5) for s, v in sides.items()} for m, sides in values.items()}


def analyze(
    source: FrameSource,
    exercise,
    affected_side: Side | None = None,
    *,
    calibration_seconds: float = 2.0,
    pipeline: FacePipeline | None = None,
    progress: ProgressCallback | None = None,
    keep_rows: bool = True,
) -> AnalysisResult:
    """Analyse a recording as one movement phase of ``exercise`` (a ResolvedExercise: id, guards, target)."""
    guards: tuple[ResolvedGuard, ...] = tuple(exercise.guards)
    target: ResolvedTarget | None = exercise.target
    if not (calibration_seconds > 0 and math.isfinite(calibration_seconds)):
        raise UserError("--calibration-seconds must be a positive number")
    own_pipeline = pipeline is None
    pipeline = pipeline or FacePipeline()
    calibrator = Calibrator(required_frames=10**9)  # collect every stable frame of the window
    monitor: GuardMonitor | None = None
    meter: TargetMeter | None = None
    baseline: Baseline | None = None
    calibration_end = 0.0
    events: list[MovementEvent] = []
    rows: list[FrameRow] = []
    face_lost: list[tuple[float, float]] = []
    lost_since: float | None = None
    frames = face_frames = 0
    last_t = 0.0
    guarded = sorted({(g.region, side) for g in guards for side in g.sides})
    try:
        for frame in source:
            face_frame: FaceFrame = pipeline.process(frame)
            frames += 1
            last_t = frame.timestamp
            if face_frame.face:
                face_frames += 1
                if lost_since is not None:
                    if frame.timestamp - lost_since >= FACE_LOSS_MIN_SECONDS:
                        face_lost.append((lost_since, frame.timestamp))
                    lost_since = None
            elif lost_since is None:
                lost_since = frame.timestamp
            active: set[tuple[str, str]] = set()
            if baseline is None:
                calibrator.feed(face_frame)
                phase = "calibration"
                past_window = frame.timestamp >= calibration_seconds
                if past_window and calibrator.accepted_frames >= MIN_CALIBRATION_FRAMES:
                    baseline = calibrator.finalize(MIN_CALIBRATION_FRAMES)
                    calibration_end = frame.timestamp
                    monitor = GuardMonitor(guards, baseline, affected_side)
                    meter = TargetMeter(target, baseline) if target else None
            else:
                phase = "movement"
                if meter:
                    meter.update(face_frame)
                warnings = monitor.update(face_frame, engaged=meter.engaged if meter else True)
                events.extend(monitor.pop_finished())
                active = {(w.region, w.side) for w in warnings}
            if keep_rows:
                rows.append(FrameRow(frame.timestamp, face_frame.face, phase, face_frame.measures, active))
            if progress:
                progress(frames, source.frame_count)
    finally:
        if own_pipeline:
            pipeline.close()
    if frames == 0:
        raise UserError(f"{source.name}: no frames could be read")
    if face_frames == 0:
        raise UserError(f"{source.name}: no face was found in any of its {frames} frames")
    if baseline is None:
        # The face was seen, but never still long enough (or only at the very end).
        baseline = calibrator.finalize(MIN_CALIBRATION_FRAMES)
        calibration_end = last_t
    if lost_since is not None and last_t - lost_since >= FACE_LOSS_MIN_SECONDS:
        face_lost.append((lost_since, last_t))
    if monitor is not None:
        events.extend(monitor.finish(last_t))
    events.sort(key=lambda e: (e.start_s, e.side, e.region))
    duration = frames / source.fps if source.fps else last_t
    return AnalysisResult(
        video=source.name,
        fps=source.fps,
        frames=frames,
        face_frames=face_frames,
        exercise=exercise.id,
        affected_side=affected_side,
        calibration={"start_s": 0.0, "end_s": round(calibration_end, 3), "frames": baseline.frames,
                     "requested_seconds": calibration_seconds},
        baseline=baseline,
        events=events,
        face_lost=face_lost,
        target_best=dict(meter.best) if meter else {},
        duration_s=max(duration, last_t),
        rows=rows,
        guarded=guarded,
    )


class StderrProgress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal and the file is long."""

    def __init__(self, label: str, min_frames: int = 300):
        self.label = label
        self.min_frames = min_frames
        self.enabled = sys.stderr.isatty()
        self._last_percent = -1

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled or not total or total < self.min_frames:
            return
        percent = min(100, done * 100 // total)
        if percent != self._last_percent:
            self._last_percent = percent
            bar = "#" * (percent // 4)
            sys.stderr.write(f"\r{self.label} [{bar:<25}] {percent:3d}% ({done}/{total} frames)")
            if percent == 100:
                sys.stderr.write("\n")
            sys.stderr.flush()
