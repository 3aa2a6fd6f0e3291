"""The window's access to the speech service, with a silent stand-in when there is none."""

from __future__ import annotations


class SilentSpeech:
    """Used when the speech service cannot start at all: the app runs silently and says so once."""

    available = False

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
