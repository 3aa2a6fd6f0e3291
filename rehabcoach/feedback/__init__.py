"""Sound feedback: a soft tone, panned to the side that moves, while an unwanted movement grows, and a
chime at each phase change, so a patient with closed eyes (or not watching) still knows.  Qt-free:
the window only feeds it each frame's guard levels (``SessionState.guard_levels``, from the engine's guard
monitor) and the engine's phase changes."""

from rehabcoach.feedback.outputs import AudioOutput, AudioUnavailable, RecordingOutput, SounddeviceOutput
from rehabcoach.feedback.service import FeedbackService
from rehabcoach.feedback.tones import AUDIBLE, ToneSynth, tone_level, tone_pitch

__all__ = [
    "AUDIBLE", "AudioOutput", "AudioUnavailable", "FeedbackService", "RecordingOutput", "SounddeviceOutput",
    "ToneSynth", "tone_level", "tone_pitch",
]
