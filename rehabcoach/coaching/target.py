"""How much of the exercise's goal movement is reached, per side, against the resting baseline."""

from __future__ import annotations

from rehabcoach.coaching.guards import amount_in_direction
from rehabcoach.coaching.types import Baseline, ResolvedTarget
from rehabcoach.vision.catalogue import Side
from rehabcoach.vision.types import FaceFrame

# The target meter is feedback for the patient ("how much of the goal movement"), never a gate for the
# guards: a gentle or palsied smile that lifts the corner only a little is exactly when synkinesis must be
# seen.  When guards may warn is decided in monitor.py.


class TargetMeter:
    def __init__(self, target: ResolvedTarget, baseline: Baseline):
        self.target = target
        self.baseline = baseline
        self.reset()

    def reset(self) -> None:
        self.current: dict[Side, float] = {side: 0.0 for side in self.target.sides}
        self.best: dict[Side, float] = {side: 0.0 for side in self.target.sides}

    def share(self, frame: FaceFrame, side: Side) -> float | None:
        """Signed share of the target reached on ``side`` in this frame (None without a measurement)."""
        value = frame.value(self.target.measure, side) if frame.face else None
        if value is None:
            return None
        deviation = self.baseline.deviation(self.target.measure, side, value)
        return amount_in_direction(deviation, self.target.direction) / self.target.achieved

    def update(self, frame: FaceFrame) -> dict[Side, float]:
        """Fraction (0..1) of the target reached on each side in this frame; kept when the face is missing."""
        if not frame.face:
            return dict(self.current)
        for side in self.target.sides:
            reached = self.share(frame, side)  # movement in the goal direction, as a share of the target
            if reached is None:
                continue
            self.current[side] = min(1.0, max(0.0, reached))
            self.best[side] = max(self.best[side], self.current[side])
        return dict(self.current)
