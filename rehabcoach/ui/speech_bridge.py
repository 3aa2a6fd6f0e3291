"""The window's access to the speech service, with a silent stand-in when there is none."""

from __future__ import annotations

from typing import Protocol


class Speech(Protocol):
    """What the window asks of the speech service (rehabcoach.speech.SpeechService, or the silent stand-in)."""

    available: bool  # False: the app runs silently, and status_message says why
    status_message: str

    @property
    def busy(self) -> bool: ...  # a cue is being spoken now (the tone ducks under it)

    def say(self, text: str, *, interrupt: bool = False) -> object: ...

    def set_rate(self, wpm: int) -> None: ...

    def set_muted(self, muted: bool) -> None: ...

    def close(self) -> None: ...


class SilentSpeech:
    """Used when the speech service cannot start at all: the app runs silently and says so once."""

    available = False
    busy = False

    def __init__(self, reason: str):
        self.status_message = f"The voice is not available ({reason}); the app runs silently."

    def say(self, text: str, *, interrupt: bool = False) -> None:
        pass

    def set_rate(self, wpm: int) -> None:
        pass

    def set_muted(self, muted: bool) -> None:
        pass

    def close(self) -> None:
        pass


def open_speech():
    """The process's one speech service (it owns the one pyttsx3 engine on its own thread)."""
    try:
        from rehabcoach.speech import SpeechService
    except ImportError as exc:
        return SilentSpeech(f"speech module missing: {exc}")
    return SpeechService.shared()
