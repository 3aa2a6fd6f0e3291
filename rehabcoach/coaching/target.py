"""How much of the exercise's goal movement is reached, per side, against the resting baseline."""

from __future__ import annotations

from rehabcoach.coaching.guards import amount_in_direction
from rehabcoach.coaching.types import Baseline, ResolvedTarget
from rehabcoach.vision.types import FaceFrame


# The exercise's own movement counts as under way from this share of its target.  Guards only start a
# warning while it is: synkinesis is an unwanted movement that comes WITH the practised one (the eye
# narrowing while smiling, the mouth pulling while closing the eyes); the same movement on its own, a
# smile during an eye-closure exercise or a blink during a smile exercise, is no synkinesis.
ENGAGED_SHARE = 0.5


class TargetMeter:
    def __init__(self, target: ResolvedTarget, baseline: Baseline):
        self.target = target
        self.baseline = baseline
        self.reset()

    def reset(self) -> None:
        self.current: dict[str, float] = {side: 0.0 for side in self.target.sides}
        self.best: dict[str, float] = {side: 0.0 for side in self.target.sides}

    @property
    def engaged(self) -> bool:
        """Is the practised movement under way on at least one side (a palsied side may lag)?"""
        return max(self.current.values(), default=0.0) >= ENGAGED_SHARE

    def update(self, frame: FaceFrame) -> dict[str, float]:
        """Fraction (0..1) of the target reached on each side in this frame; kept when the face is missing."""
        if not frame.face:
            return dict(self.current)
        for side in self.target.sides:
            value = frame.value(self.target.measure, side)
            if value is None:
                continue
            deviation = self.baseline.deviation(self.target.measure, side, value)
            # Movement in the goal direction, as a share of what counts as achieved.
            reached = amount_in_direction(deviation, self.target.direction) / self.target.achieved
            self.current[side] = min(1.0, max(0.0, reached))
            self.best[side] = max(self.best[side], self.current[side])
        return dict(self.current)
