"""The window's access to sound feedback (rehabcoach.feedback), with a silent stand-in when the
feedback package itself cannot load."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from rehabcoach.vision.catalogue import Side


class Feedback(Protocol):
    """What the window asks of sound feedback (rehabcoach.feedback.FeedbackService, or the silent stand-in)."""

    available: bool  # False: no tones, and status_message says why
    status_message: str

    def update(self, ratios: Mapping[Side, float], stamp: float | None = None) -> None: ...

    def silence(self) -> None: ...

    def chime(self, phase: str) -> None: ...

    def set_volume(self, volume: int) -> None: ...

    def set_enabled(self, *, tone: bool, chime: bool) -> None: ...

    def set_speaking(self, speaking: Callable[[], bool] | None) -> None: ...

    def close(self) -> None: ...


class SilentFeedback:
    available = False

    def __init__(self, reason: str):
        self.status_message = f"Sound feedback is off ({reason}); the app runs without tones."

    def update(self, ratios, stamp=None) -> None:
        pass

    def silence(self) -> None:
        pass

    def chime(self, phase: str) -> None:
        pass

    def set_volume(self, volume: int) -> None:
        pass

    def set_enabled(self, *, tone: bool, chime: bool) -> None:
        pass

    def set_speaking(self, speaking) -> None:
        pass

    def close(self) -> None:
        pass


def open_feedback():
    """A feedback service on the default sound output (silent, with its reason, when there is none)."""
    try:
        from rehabcoach.feedback import FeedbackService
    except ImportError as exc:
        return SilentFeedback(f"feedback module missing: {exc}")
    return FeedbackService()
