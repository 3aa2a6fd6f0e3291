"""Spoken cues: one speech engine for the whole process, on its own thread (see service.py)."""

from rehabcoach.speech.service import SpeechService
from rehabcoach.speech.speakers import Pyttsx3Speaker, RecordingSpeaker, Speaker, SpeechUnavailable

__all__ = ["SpeechService", "Speaker", "Pyttsx3Speaker", "RecordingSpeaker", "SpeechUnavailable"]
