"""Calibration: the person's own resting face, measured from stable frames.

Every warning compares against this baseline, because resting eye opening varies a lot between people
and no fixed threshold works (domain notes).  Frames are only accepted when the face is present, big
enough, centred, lit, turned towards the camera and still; a blink or a twitch is skipped rather than
averaged in.  When frames keep being rejected the status says why, in words the patient can act on.

A recording cannot move closer or turn on a light, so headless calibration (``placement=False``) takes
the face where it is: the measures are normalised by the eyes' distance, and the noise floor comes from the
tracker's own jitter, which grows where a small or dim face is tracked less precisely.  What the placement
checks would have said is still counted (``placement_problems``) so the report can mention it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from rehabcoach.coaching import cues
from rehabcoach.coaching.types import Baseline
from rehabcoach.errors import UserError
from rehabcoach.vision.catalogue import MEASURES, SIDES, Side
from rehabcoach.vision.types import FaceFrame, HeadPose

MIN_FACE_WIDTH = 0.15  # fraction of the image width
MAX_CENTRE_OFFSET = 0.25  # fraction of the image size
MIN_BRIGHTNESS = 45.0  # mean grey level of the face, 0..255
MAX_HEAD_TURN = 15.0  # degrees from facing the camera
# A frame is "moving" when a measure differs from the previous frame by more than this
# (relative measures: fraction of the value; position measures: fraction of the inter-ocular distance).
MAX_FRAME_CHANGE = {"relative": 0.12, "iod": 0.03}
# Frames whose eye opening is this much below the running median are blinks: skipped, not averaged.
BLINK_DROP = 0.3

# Why a frame was not accepted; MESSAGES says it in words the patient can act on.
Problem = Literal["no_face", "face_too_small", "off_centre", "head_turned", "too_dark", "moving"]
MESSAGES: dict[Problem | None, str] = {
    None: "Look at the camera and let your face rest.",
    "no_face": "I can't see your face. Sit in front of the camera, with your whole face in view.",
    "face_too_small": "Your face is too small in the picture. Move a little closer to the camera.",
    "off_centre": "Move so that your face is in the middle of the frame.",
    "head_turned": "Turn your head to look straight at the camera.",
    "too_dark": "It is too dark. Turn on a light in front of you, not behind you.",
    "moving": "Hold still and let your face rest for a moment.",
}


@dataclass(frozen=True)
class CalibrationStatus:
    progress: float  # 0..1
    done: bool
    problem: Problem | None  # None when all is well
    message: str


class CalibrationError(UserError):
    """Not enough stable frames to measure a baseline."""


class Calibrator:
    def __init__(self, required_frames: int = 24, *, placement: bool = True):
        self.required_frames = required_frames
        self.placement = placement
        self.reset()

    def reset(self) -> None:
        self._accepted: list[FaceFrame] = []
        self._previous: FaceFrame | None = None
        self._problem_counts: dict[Problem, int] = {}
        # Headless: accepted frames the placement checks would have rejected, per problem.
        self.placement_problems: dict[Problem, int] = {}
        self.baseline: Baseline | None = None

    @property
    def accepted_frames(self) -> int:
        return len(self._accepted)

    def feed(self, frame: FaceFrame) -> CalibrationStatus:
        if self.baseline is not None:
            return self._status(None)
        problem = self._problem(frame)
        self._previous = frame if frame.face else None
        if problem is None:
            self._accepted.append(frame)
            if not self.placement and (waived := _placement_problem(frame)) is not None:
                self.placement_problems[waived] = self.placement_problems.get(waived, 0) + 1
            if len(self._accepted) >= self.required_frames:
                self.baseline = baseline_from(self._accepted)
        else:
            self._problem_counts[problem] = self._problem_counts.get(problem, 0) + 1
        status = self._status(problem)
        if problem == "head_turned" and frame.pose is not None:
            # Which way back to facing the camera (the rule looks at the turn and the nod, not the tilt).
            words = cues.way_back(*HeadPose(frame.pose.yaw, frame.pose.pitch, 0.0).largest_change(HeadPose(0, 0, 0)))
            if words:
                status = replace(status, message=f"{words} to look straight at the camera.")
        return status

    def finalize(self, min_frames: int = 10) -> Baseline:
        """Baseline from the frames accepted so far (for recordings: calibrate on a fixed window)."""
        if self.baseline is None:
            if len(self._accepted) < min_frames:
                why = max(self._problem_counts, key=lambda p: self._problem_counts[p]) if self._problem_counts else "no_face"
                raise CalibrationError(
                    f"could not calibrate: only {len(self._accepted)} stable frames with a resting face "
                    f"(need {min_frames}); most frames were rejected because: {MESSAGES[why]}"
                )
            self.baseline = baseline_from(self._accepted)
        return self.baseline

    def _status(self, problem: Problem | None) -> CalibrationStatus:
        done = self.baseline is not None
        progress = 1.0 if done else len(self._accepted) / self.required_frames
        return CalibrationStatus(progress=progress, done=done, problem=None if done else problem,
                                 message="Calibration done." if done else MESSAGES[problem])

    def _problem(self, frame: FaceFrame) -> Problem | None:
        if not frame.face:
            return "no_face"
        if self.placement and (placement := _placement_problem(frame)) is not None:
            return placement
        if frame.pose is not None and max(abs(frame.pose.yaw), abs(frame.pose.pitch)) > MAX_HEAD_TURN:
            return "head_turned"
        if self._previous is not None and _changed(self._previous, frame):
            return "moving"
        if self._accepted and _is_blink(self._accepted, frame):
            return "moving"
        return None


def _placement_problem(frame: FaceFrame) -> Problem | None:
    quality = frame.quality
    if quality is None:
        return None
    if quality.brightness < MIN_BRIGHTNESS:
        return "too_dark"
    if quality.face_width < MIN_FACE_WIDTH:
        return "face_too_small"
    if quality.center_offset > MAX_CENTRE_OFFSET:
        return "off_centre"
    return None


def _changed(before: FaceFrame, after: FaceFrame) -> bool:
    for name, info in MEASURES.items():
        for side in SIDES:
            a, b = before.value(name, side), after.value(name, side)
            if a is None or b is None:
                continue
            change = abs(b - a) / max(abs(a), 1e-6) if info.scale == "relative" else abs(b - a)
            if change > MAX_FRAME_CHANGE[info.scale]:
                return True
    return False


def _is_blink(accepted: list[FaceFrame], frame: FaceFrame) -> bool:
    for side in SIDES:
        typical = float(np.median([f.measures["eye_aperture"][side] for f in accepted[-15:]]))
        if frame.measures["eye_aperture"][side] < typical * (1 - BLINK_DROP):
            return True
    return False


def _jitter(values: np.ndarray) -> float:
    """The measure's frame-to-frame noise: a robust sigma of successive differences, over sqrt(2).

    This is the floor under the guards' thresholds (guards.NOISE_FACTOR): it must say how much the tracker
    wobbles from frame to frame, not how far the face wandered during the calibration window.  The spread
    around the median said both; on recordings whose first seconds are not quite at rest it raised mouth
    thresholds to 0.12-0.24 IOD (4 x 0.03-0.06), four to eight times the guards' own, and hid the pulls
    it exists to catch (docs/evaluation.md, "Each engine change and its effect")."""
    if len(values) < 3:
        return float(1.4826 * np.median(np.abs(values - np.median(values))))
    return float(1.4826 * np.median(np.abs(np.diff(values))) / np.sqrt(2))


def baseline_from(frames: list[FaceFrame]) -> Baseline:
    measures: dict[str, dict[Side, float]] = {}
    noise: dict[str, dict[Side, float]] = {}
    for name in MEASURES:
        measures[name], noise[name] = {}, {}
        for side in SIDES:
            values = np.array([f.measures[name][side] for f in frames])
            median = float(np.median(values))
            measures[name][side] = median
            noise[name][side] = _jitter(values)
    poses = [f.pose for f in frames if f.pose is not None]
    pose = HeadPose(
        yaw=float(np.median([p.yaw for p in poses])) if poses else 0.0,
        pitch=float(np.median([p.pitch for p in poses])) if poses else 0.0,
        roll=float(np.median([p.roll for p in poses])) if poses else 0.0,
    )
    names = set().union(*(f.blendshapes for f in frames)) if frames else set()
    blendshapes = {name: float(np.median([f.blendshapes[name] for f in frames if name in f.blendshapes]))
                   for name in sorted(names)}
    return Baseline(measures=measures, noise=noise, pose=pose, frames=len(frames), blendshapes=blendshapes)
