"""One movement monitor for the live session and for headless analysis.

It combines, for one movement exercise, the target meter (feedback: how much of the goal movement), the
guards (unwanted movements, per region and side), when the guards are armed, the per-repetition peaks a
therapist reads, and the one rule for when a face counts as lost.  The session engine and
``rehabcoach analyze`` both use it, so what `evaluate` measures is what patients run.

When guards are armed:

- **Live**, the engine knows when it asked for the movement: from ``ARM_SETTLE_SECONDS`` into the move
  phase to the end of the hold, however much or little the target moves (a gentle smile, a palsied side).
- **Headless** (a recording has no phases), the movement counts as under way from small, one-sided
  evidence: the target measure on either side past a small share of the target, or the matching
  blendshape on either side past a small level (``MOVEMENT_EVIDENCE``); it stays under way through dips of
  the evidence up to ``EVIDENCE_HANG_SECONDS``, but not into the release, which live arming does not cover
  either.  An eye closure must also outlast a blink, and a pucker a flicker of speech: they are not the
  practised movement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol, Sequence

from rehabcoach.coaching.guards import GuardMonitor, turned_from_calibration
from rehabcoach.coaching.target import TargetMeter
from rehabcoach.coaching.types import ActiveWarning, Baseline, MovementEvent, RegionPeak, ResolvedGuard, ResolvedTarget
from rehabcoach.vision.catalogue import SIDES, Side
from rehabcoach.vision.types import FaceFrame

# Live: the move cue is spoken when the move phase starts, and a voluntary response to a heard cue takes
# about 0.2-0.3 s to begin, so nothing before that belongs to the movement; arming later would miss the
# fast onsets the coach exists to catch (a warning is wanted within 0.4 s of an unwanted movement).
ARM_SETTLE_SECONDS = 0.25

# Headless: small, one-sided evidence that the practised movement is under way, per kind of movement:
# (share of the target on either side, blendshapes, blendshape level on either side).
#
# Smiles and most movements: 0.2 of the gentle-smile target is 0.01 IOD (under 1 mm) of corner lift, over
# the resting jitter of the quiet webcam clips (95th percentile 0.005-0.009 IOD) and under the 0.025 IOD of a
# visible closed-lip smile; the smile blendshapes pass 0.25 early in every smile of ../shared/media and sit
# near 0 on neutral faces.
# Eye closures are the exception: eyes narrow by 12-35 % in ordinary smiles, puckers and when looking down,
# and eyeBlink reaches 0.2-0.4 in ordinary smiles (docs/evaluation.md), so a small share of the closure
# target would arm the mouth guards through every smile.  A closure counts from half the target (30 %
# narrower on either eye) or eyeBlink 0.5, which a palsied eye that cannot close still reaches on the other,
# and only once that has lasted longer than a blink (``CLOSURE_LONGER_THAN``).
@dataclass(frozen=True)
class Evidence:
    share: float
    blendshapes: tuple[str, ...]
    level: float
    lasting: float = 0.0  # seconds the evidence must last before the movement counts as under way


# Ordinary blinks are not the practised closure, but they pass the closure evidence: in the 19 recordings of
# the evaluation, 83 stretches of it (almost all blinks) lasted 0.20 s at the median and 0.27 s at the 75th
# percentile.  A person who blinks every second or so (d9) kept the mouth guards armed for most of the clip,
# and the mouth corners, which move with speech and expression, raised most of the false alarms of the
# gentle-eye-closure controls.  Requiring 0.3 s cut the false alarms on all controls from 3.19 to 2.04 a
# minute without losing a detection (docs/evaluation.md); a longer wait would only delay the warning.
CLOSURE_LONGER_THAN = 0.3
# Speech is not the practised pucker either, but it drives mouthPucker past the evidence level in flickers:
# outside the recordings' deliberate puckers, 83 stretches of mouthPucker >= 0.25 lasted 0.16 s at the median,
# 0.24 s at the 75th percentile and 0.39 s at the 90th.  Requiring 0.3 s removed 7 of the 12 false alarms of
# lip-pucker on the untouched (talking) clips, and no detection: a pucker is held (docs/evaluation.md).
PUCKER_LONGER_THAN = 0.3


SMALL_SHARE = 0.2
SMALL_BLENDSHAPE = 0.25
MOVEMENT_EVIDENCE: dict[tuple[str, str], Evidence] = {
    ("mouth_corner_lift", "increase"): Evidence(SMALL_SHARE, ("mouthSmileLeft", "mouthSmileRight"), SMALL_BLENDSHAPE),
    ("mouth_corner_excursion", "increase"): Evidence(
        SMALL_SHARE, ("mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight"), SMALL_BLENDSHAPE),
    ("mouth_corner_lift", "decrease"): Evidence(
        SMALL_SHARE, ("mouthFrownLeft", "mouthFrownRight", "mouthLowerDownLeft", "mouthLowerDownRight"), SMALL_BLENDSHAPE),
    ("eye_aperture", "decrease"): Evidence(0.5, ("eyeBlinkLeft", "eyeBlinkRight"), 0.5, lasting=CLOSURE_LONGER_THAN),
    ("lip_width", "decrease"): Evidence(SMALL_SHARE, ("mouthPucker", "mouthFunnel"), SMALL_BLENDSHAPE,
                                        lasting=PUCKER_LONGER_THAN),
    ("lip_width", "increase"): Evidence(
        SMALL_SHARE, ("mouthStretchLeft", "mouthStretchRight", "mouthSmileLeft", "mouthSmileRight"), SMALL_BLENDSHAPE),
    ("brow_height", "increase"): Evidence(
        SMALL_SHARE, ("browInnerUp", "browOuterUpLeft", "browOuterUpRight"), SMALL_BLENDSHAPE),
    ("brow_height", "decrease"): Evidence(SMALL_SHARE, ("browDownLeft", "browDownRight"), SMALL_BLENDSHAPE),
    ("nose_wrinkle", "increase"): Evidence(SMALL_SHARE, ("noseSneerLeft", "noseSneerRight"), SMALL_BLENDSHAPE),
    ("cheek_raise", "increase"): Evidence(SMALL_SHARE, ("cheekSquintLeft", "cheekSquintRight"), SMALL_BLENDSHAPE),
}
# The movement stays under way through a dip of the evidence this short (a blendshape flickering under its level
# for a few frames; a little longer than the guards' own 5-frame median).  Live, the guards are disarmed when the
# hold ends, so the release of a movement is not watched; headless, a 0.5 s hang watched it, and raised 7 of the
# controls' 49 false alarms (2 of the check set's 8) without adding a detection (docs/evaluation.md, "Each engine
# change and its effect").  Shorter still, detections are lost where the evidence dips for longer.
EVIDENCE_HANG_SECONDS = 0.2

# A face missing this long is lost: shorter gaps are tracking hiccups (one or two dropped detections).
FACE_LOST_AFTER_SECONDS = 0.3


class Guards(Protocol):
    """What the monitor needs of a guard monitor (GuardMonitor, or a scripted one in tests)."""

    def update(self, frame: FaceFrame, *, armed: bool = True) -> list[ActiveWarning]: ...
    def pop_finished(self) -> list[MovementEvent]: ...
    def finish(self, timestamp: float) -> list[MovementEvent]: ...
    levels: dict[Side, float]  # this frame, per side: 0 at rest, 1 at the warning threshold ({} unarmed)

    def reset(self) -> None: ...
    def retune(self, guards: Sequence[ResolvedGuard]) -> None: ...
    def region_peaks(self) -> tuple[RegionPeak, ...]: ...


class Target(Protocol):
    current: dict[Side, float]
    best: dict[Side, float]

    def update(self, frame: FaceFrame) -> dict[Side, float]: ...
    def share(self, frame: FaceFrame, side: Side) -> float | None: ...
    def reset(self) -> None: ...


GuardFactory = Callable[[Sequence[ResolvedGuard], Baseline, Side | None], Guards]
TargetFactory = Callable[[ResolvedTarget, Baseline], Target]


@dataclass
class FaceLoss:
    """The one face-loss rule: a face missing for ``FACE_LOST_AFTER_SECONDS`` or more is lost."""

    grace: float = FACE_LOST_AFTER_SECONDS
    missing_since: float | None = None
    intervals: list[tuple[float, float]] = field(default_factory=list)  # closed losses, (start, end)

    def note(self, t: float, face: bool) -> None:
        if face:
            if self.missing_since is not None and t - self.missing_since >= self.grace:
                self.intervals.append((self.missing_since, t))
            self.missing_since = None
        elif self.missing_since is None:
            self.missing_since = t

    def lost(self, now: float) -> bool:
        return self.missing_since is not None and now - self.missing_since >= self.grace

    def close(self, t: float) -> None:
        """End of the recording: a loss still open counts if it lasted long enough."""
        if self.missing_since is not None and t - self.missing_since >= self.grace:
            self.intervals.append((self.missing_since, t))
        self.missing_since = None


@dataclass(frozen=True)
class MonitorReading:
    """What one frame changed: the target level per side, the warnings now active, whether armed, per
    side how close the unwanted movement is to a warning (1 = at the threshold; for the sound feedback,
    which must fade in before a warning starts), and whether the head was turned too far from its
    calibrated pose for the guards to judge the frame (so no warning could start: the patient and the
    analysis summary are told)."""

    target_levels: dict[Side, float]
    warnings: list[ActiveWarning]
    armed: bool
    guard_levels: dict[Side, float] = field(default_factory=dict)
    turned: bool = False


class MovementMonitor:
    """Target meter + guards + arming + per-repetition peaks for one movement exercise."""

    def __init__(self, guards: Sequence[ResolvedGuard], target: ResolvedTarget | None, baseline: Baseline,
                 affected_side: Side | None = None, *, guard_factory: GuardFactory = GuardMonitor,
                 target_factory: TargetFactory = TargetMeter):
        self.baseline = baseline
        self.guards = guard_factory(tuple(guards), baseline, affected_side)
        self.target = target_factory(target, baseline) if target is not None else None
        self._evidence = (MOVEMENT_EVIDENCE.get((target.measure, target.direction), Evidence(SMALL_SHARE, (), 1.0))
                          if target is not None else None)
        self._evidence_until: float | None = None
        self._evidence_since: float | None = None  # when the current, unbroken stretch of evidence began

    def begin_rep(self) -> None:
        """A new repetition (live) or a fresh start: warnings, target and peaks start over."""
        self.guards.reset()
        if self.target is not None:
            self.target.reset()
        self._evidence_until = None
        self._evidence_since = None

    def begin_hold(self) -> None:
        """The rep's result is the best reached during the hold."""
        if self.target is not None:
            self.target.reset()

    def update(self, frame: FaceFrame, *, armed: bool | None = None) -> MonitorReading:
        """One frame.  ``armed``: True/False from the session's phases; None (headless) decides from the face."""
        levels = self.target.update(frame) if self.target is not None else {}
        if armed is None:
            armed = self.movement_under_way(frame)
        warnings = self.guards.update(frame, armed=armed)
        return MonitorReading(target_levels=levels, warnings=warnings, armed=armed,
                              guard_levels=dict(self.guards.levels),
                              turned=frame.face and turned_from_calibration(frame, self.baseline))

    def movement_under_way(self, frame: FaceFrame) -> bool:
        """Headless arming: is there small, one-sided evidence of the practised movement (or was there just now)?"""
        t = frame.timestamp
        if frame.face and self._shows_movement(frame):
            if self._evidence_since is None:
                self._evidence_since = t
            # A movement must last to begin (a closure longer than a blink); once under way, evidence back from a
            # dip shorter than the hang carries it on at once.
            under_way = self._evidence_until is not None and t <= self._evidence_until
            if under_way or self._evidence is None or t - self._evidence_since >= self._evidence.lasting - 1e-9:
                self._evidence_until = t + EVIDENCE_HANG_SECONDS
        else:
            self._evidence_since = None
        if self.target is None:
            return True  # an exercise without a goal movement: its guards watch throughout
        return self._evidence_until is not None and t <= self._evidence_until

    def _shows_movement(self, frame: FaceFrame) -> bool:
        evidence = self._evidence
        if self.target is None or evidence is None:
            return True
        for side in SIDES:
            share = self.target.share(frame, side)
            if share is not None and share >= evidence.share:
                return True
        return any(frame.blendshapes.get(name, 0.0) >= evidence.level for name in evidence.blendshapes)

    def pop_finished(self) -> list[MovementEvent]:
        return self.guards.pop_finished()

    def finish(self, timestamp: float) -> list[MovementEvent]:
        """Close every warning (end of the hold, or of the recording)."""
        return self.guards.finish(timestamp)

    def region_peaks(self) -> tuple[RegionPeak, ...]:
        return self.guards.region_peaks()

    @property
    def target_best(self) -> dict[Side, float]:
        return dict(self.target.best) if self.target is not None else {}
