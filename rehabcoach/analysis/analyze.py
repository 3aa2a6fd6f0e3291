"""Run the coaching engine headless over a recording.

The first ``calibration_seconds`` calibrate the resting baseline (if the face is not visible or not
still enough by then, calibration continues until enough stable frames were seen, and the result says
where it ended); the rest of the recording is one continuous movement phase of the chosen exercise.
The same Calibrator and MovementMonitor (target meter, guards, face-loss rule) run here as in the live app;
with no phases to say when the movement was asked for, the monitor arms the guards from the face itself
(monitor.py).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Callable

from rehabcoach.analysis.split_tracking import tracked
from rehabcoach.coaching.calibration import MIN_BRIGHTNESS, MIN_FACE_WIDTH, Calibrator, Problem
from rehabcoach.coaching.guards import POSE_LIMIT_DEG
from rehabcoach.coaching.monitor import FaceLoss, MovementMonitor
from rehabcoach.coaching.summary import mostly_not_judged
from rehabcoach.coaching.types import Baseline, MovementEvent, RegionPeak, ResolvedGuard, ResolvedTarget
from rehabcoach.errors import UserError
from rehabcoach.vision.catalogue import MEASURE_NAMES, SIDES, Side
from rehabcoach.vision.pipeline import FacePipeline
from rehabcoach.vision.sources import FrameSource
from rehabcoach.vision.types import FaceFrame

MIN_CALIBRATION_FRAMES = 10

ProgressCallback = Callable[[int, int | None], None]


@dataclass
class FrameRow:
    time_s: float
    face: bool
    phase: str  # "calibration" or "movement"
    measures: dict[str, dict[Side, float]]
    warnings: set[tuple[str, Side]]  # (region, side) with a warning active after this frame
    armed: bool = False  # the practised movement was under way, so guards could warn


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
    target_best: dict[Side, float]
    duration_s: float
    rows: list[FrameRow] = field(default_factory=list, repr=False)
    guarded: list[tuple[str, Side]] = field(default_factory=list)  # (region, side) pairs with a guard
    region_peaks: tuple[RegionPeak, ...] = ()  # over the whole movement phase, while armed
    turned_seconds: float = 0.0  # movement phase with the head turned past the pose limit (not judged)
    calibrated_to_the_end: bool = False  # the recording ended before calibration did: nothing was watched
    # Calibration frames taken although the live checks would have asked the person to move or turn on a light
    # (coaching.calibration: a recording cannot be asked), per problem.
    placement_problems: dict[Problem, int] = field(default_factory=dict)

    def summary(self) -> dict:
        by_key: dict[str, dict] = {}
        for event in self.events:
            entry = by_key.setdefault(f"{event.region}/{event.side}", {"count": 0, "seconds": 0.0, "peak": 0.0})
            entry["count"] += 1
            entry["seconds"] = round(entry["seconds"] + event.duration_s, 3)
            if abs(event.peak) > abs(entry["peak"]):
                entry["peak"] = round(event.peak, 4)
        movement_s = max(0.0, self.duration_s - self.calibration["end_s"])
        notes = []
        if self.calibrated_to_the_end:
            notes.append(
                f"The recording ended before calibration did (it asks for {self.calibration['requested_seconds']:g} s "
                f"and at least {MIN_CALIBRATION_FRAMES} frames of a still face), so the whole recording was used as "
                "the resting face and no movement was watched. Start the recording with a few seconds of the face "
                "still and facing the camera, or ask for a shorter calibration (--calibration-seconds).")
        if mostly_not_judged(self.turned_seconds, movement_s):
            notes.append(
                f"For {self.turned_seconds:.1f} s ({100 * self.turned_seconds / movement_s:.0f} % of the movement) the "
                f"head was turned, nodded or tilted more than {POSE_LIMIT_DEG:.0f} degrees from where it was during "
                "calibration, and no warning could start then. Calibrate facing the camera the way the face is held "
                "during the exercise.")
        notes += self._placement_notes()
        return {
            "events": len(self.events),
            "by_region_side": by_key,
            "warning_seconds": round(sum(e.duration_s for e in self.events), 3),
            "movement_seconds": round(movement_s, 3),
            "events_per_minute": round(len(self.events) / (movement_s / 60), 3) if movement_s > 0 else 0.0,
            "face_lost_seconds": round(sum(b - a for a, b in self.face_lost), 3),
            "face_lost": [{"start_s": round(a, 3), "end_s": round(b, 3)} for a, b in self.face_lost],
            "turned_away_seconds": round(self.turned_seconds, 3),
            "target_best": {side: round(v, 3) for side, v in self.target_best.items()},
            # How much, not only how often: per guarded measure and side, the largest unwanted deviation
            # from the resting face and the largest excess over the other side.
            "region_peaks": [asdict(p) for p in self.region_peaks],
            "note": "Measurements to support therapy, not a diagnosis.",
            "notes": notes,
        }

    def _placement_notes(self) -> list[str]:
        """Say so when most of the resting face was small or dim in the picture: it was measured anyway."""
        frames = self.baseline.frames
        said: dict[Problem, str] = {
            "face_too_small": f"the face was small in the picture (less than {MIN_FACE_WIDTH:.0%} of its width)",
            "too_dark": f"the face was dim (mean grey level under {MIN_BRIGHTNESS:.0f} of 255)",
        }
        return [
            f"In {count} of the {frames} calibration frames {words}. It was measured where it was; the tracker is "
            "less precise on such a face, and the thresholds allow for the wobble it showed while calibrating. "
            "A closer, well-lit face gives more precise measurements."
            for problem, words in said.items()
            if (count := self.placement_problems.get(problem, 0)) * 2 > frames
        ]

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
        columns.append("armed")
        return columns

    def csv_rows(self):
        for row in self.rows:
            values: list = [f"{row.time_s:.3f}", int(row.face), row.phase]
            for m in MEASURE_NAMES:
                for s in SIDES:
                    v = row.measures.get(m, {}).get(s)
                    values.append("" if v is None else f"{v:.5f}")
            values += [int(key in row.warnings) for key in self.guarded]
            values.append(int(row.armed))
            yield values


def _rounded(values: Mapping[str, Mapping[Side, float]]) -> dict:
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
    faces: Iterable[FaceFrame] | None = None,
) -> AnalysisResult:
    """Analyse a recording as one movement phase of ``exercise`` (a ResolvedExercise: id, guards, target).

    ``faces``: the recording's face frames when they come from elsewhere (split_tracking runs two
    trackers at once); by default each frame of ``source`` goes through ``pipeline`` here."""
    guards: tuple[ResolvedGuard, ...] = tuple(exercise.guards)
    target: ResolvedTarget | None = exercise.target
    if not (calibration_seconds > 0 and math.isfinite(calibration_seconds)):
        raise UserError("--calibration-seconds must be a positive number")
    own_pipeline = pipeline is None
    pipeline = pipeline or FacePipeline()
    # Collect every stable frame of the window, wherever the face sits in the picture: a recording
    # cannot be asked to move closer or turn on a light (coaching.calibration).
    calibrator = Calibrator(required_frames=10**9, placement=False)
    monitor: MovementMonitor | None = None
    baseline: Baseline | None = None
    calibration_end = 0.0
    events: list[MovementEvent] = []
    rows: list[FrameRow] = []
    face_loss = FaceLoss()
    frames = face_frames = 0
    last_t = 0.0
    turned_s = 0.0
    guarded = sorted({(g.region, side) for g in guards for side in g.sides})
    try:
        if faces is None:
            faces = tracked(source, pipeline)
        for face_frame in faces:
            frames += 1
            previous_t, last_t = last_t, face_frame.timestamp
            face_frames += face_frame.face
            face_loss.note(face_frame.timestamp, face_frame.face)
            active: set[tuple[str, Side]] = set()
            armed = False
            if monitor is None:  # calibrating: the monitor comes with the baseline
                calibrator.feed(face_frame)
                phase = "calibration"
                past_window = face_frame.timestamp >= calibration_seconds
                if past_window and calibrator.accepted_frames >= MIN_CALIBRATION_FRAMES:
                    baseline = calibrator.finalize(MIN_CALIBRATION_FRAMES)
                    calibration_end = face_frame.timestamp
                    monitor = MovementMonitor(guards, target, baseline, affected_side)
            else:
                phase = "movement"
                reading = monitor.update(face_frame)  # armed from the face itself: no phases here
                if reading.turned:
                    turned_s += face_frame.timestamp - previous_t
                events.extend(monitor.pop_finished())
                active = {(w.region, w.side) for w in reading.warnings}
                armed = reading.armed
            if keep_rows:
                rows.append(FrameRow(face_frame.timestamp, face_frame.face, phase, face_frame.measures, active, armed))
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
    face_loss.close(last_t)
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
        face_lost=face_loss.intervals,
        target_best=monitor.target_best if monitor is not None else {},
        duration_s=max(duration, last_t),
        rows=rows,
        guarded=guarded,
        region_peaks=monitor.region_peaks() if monitor is not None else (),
        turned_seconds=turned_s,
        calibrated_to_the_end=monitor is None,
        placement_problems=dict(calibrator.placement_problems),
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
