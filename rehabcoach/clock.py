"""Time is injected everywhere so that a whole session can be run faster than real time in tests."""

from __future__ import annotations

import time
from typing import Protocol, TypeVar

T = TypeVar("T", int, float)


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale; only differences are meaningful."""


class SystemClock:
    def now(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to: for tests and for replaying recordings."""

    def __init__(self, start: float = 0.0):
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds

    def set(self, t: float) -> None:
        if t < self._now:
            raise ValueError("a clock cannot go backwards")
        self._now = float(t)


def moving_forward(previous: T | None, timestamp: T, step: T) -> T:
    """The one rule that keeps a stream's time moving forward: a timestamp at or before the previous one
    (a looping recording starting again, two camera frames within one millisecond) becomes one step after it.

    Every consumer of frames counts on it: the engine measures holds and warnings in frame time, and
    MediaPipe's VIDEO mode refuses a timestamp that does not increase.  Used by the video source (looping),
    the window's capture worker (any source it is given) and the landmarker (whole milliseconds).
    """
    if previous is None or timestamp > previous:
        return timestamp
    return previous + step
