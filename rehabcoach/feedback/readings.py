"""Per-frame levels for the tone: how far each side's guarded regions have moved, as a share of the
guard's threshold (0 at rest, 1 at the threshold), the largest over the exercise's guards.

The tone needs what the guard monitor weighs on every frame, before any warning is raised (a warning
comes only after its debounce; the tone must fade in as the deviation APPROACHES the threshold).  The
engine does not expose those per-frame amounts yet, so :class:`FrameLevels` computes them from what it
does expose (``engine.baseline``, the exercise's guards, the face frame), as the therapist panel's
traces do, following the monitor's rules: the threshold is never below the baseline's own noise, the
other side is the reference once the affected side is known, and blink-like closures of both eyes
do not count.  The window uses any :class:`LevelSource`; once the engine offers the levels itself
(see the report of the sound-feedback branch), the window should take them from there instead.
"""

from __future__ import annotations

from collections import deque
from typing import Protocol

from rehabcoach.coaching.guards import (
    BLINK_LEVEL,
    DEFAULT_REFERENCE_RULE,
    NOISE_FACTOR,
    REFERENCE_RULES,
    amount_in_direction,
)
from rehabcoach.vision.catalogue import MEASURES

SIDES = ("left", "right")
SMOOTHING_FRAMES = 3  # a median over 3 frames (~0.1 s at 30 fps) removes landmark jitter, keeps onset fast


class LevelSource(Protocol):
    def levels(self, frame) -> dict[str, float]:
        """Per side, the largest deviation / threshold of the guards now (missing: not measured)."""


def effective_threshold(guard, baseline, side: str) -> float:
    """The threshold a guard really uses: never below NOISE_FACTOR times the resting noise (as the
    guard monitor does; relative measures' noise is scaled to the resting value)."""
    noise = baseline.noise[guard.measure][side]
    if MEASURES[guard.measure].scale == "relative":
        base = baseline.measures[guard.measure][side]
        noise = noise / base if base > 1e-6 else 0.0
    return max(guard.threshold, NOISE_FACTOR * noise)


class FrameLevels:
    """Levels from a face frame, the exercise's guards and the calibrated baseline."""

    def __init__(self, guards, baseline, affected_side: str | None = None):
        self.guards = tuple(guards)
        self.baseline = baseline
        self.affected_side = affected_side
        self._history: dict[tuple[str, str], deque] = {}

    def _deviation(self, frame, measure: str, side: str) -> float | None:
        value = frame.value(measure, side)
        if value is None or measure not in self.baseline.measures:
            return None
        history = self._history.setdefault((measure, side), deque(maxlen=SMOOTHING_FRAMES))
        history.append(self.baseline.deviation(measure, side, value))
        ordered = sorted(history)
        return ordered[len(ordered) // 2]

    def levels(self, frame) -> dict[str, float]:
        if not getattr(frame, "face", False) or not getattr(frame, "measures", None):
            return {}
        deviations = {(m, s): self._deviation(frame, m, s) for m in {g.measure for g in self.guards} for s in SIDES}
        eyes = [deviations.get(("eye_aperture", s)) for s in SIDES]
        blink = all(d is not None and -d >= BLINK_LEVEL for d in eyes)
        result: dict[str, float] = {}
        for guard in self.guards:
            if blink and guard.measure == "eye_aperture":
                continue  # both eyes closing together: a blink, not a movement to warn about
            for side in guard.sides:
                deviation = deviations.get((guard.measure, side))
                if deviation is None:
                    continue
                amount = amount_in_direction(deviation, guard.direction)
                threshold = effective_threshold(guard, self.baseline, side)
                ratio = amount / threshold if threshold > 0 else 0.0
                other_side = "left" if side == "right" else "right"
                other = deviations.get((guard.measure, other_side))
                if self.affected_side is not None and other is not None:
                    # As the monitor: the side must out-move the other side, not only move.
                    rule = REFERENCE_RULES.get(guard.region, DEFAULT_REFERENCE_RULE)
                    other_amount = max(amount_in_direction(other, guard.direction), 0.0)
                    own_needed = rule.own_share * threshold
                    needed = max(rule.margin_share * threshold, rule.proportional * other_amount)
                    ratio = min(amount / own_needed if own_needed > 0 else 0.0,
                                (amount - other_amount) / needed if needed > 0 else ratio)
                result[side] = max(result.get(side, 0.0), ratio)
        return result
