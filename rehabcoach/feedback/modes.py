"""Which feedback an exercise gets: the patient's choice (tone, voice, both, none) or, by default,
the tone for exercises done with the eyes closed (the patient cannot see the screen then) and the
voice for every exercise."""

from __future__ import annotations

from dataclasses import dataclass

FEEDBACK_CHOICES = ("auto", "tone", "voice", "both", "none")
FEEDBACK_WORDS = {  # short: a settings list at a large text size must fit a laptop's width
    "auto": "Automatic: tone with eyes closed",
    "tone": "A soft tone",
    "voice": "The voice",
    "both": "Tone and voice",
    "none": "On screen only",
}


@dataclass(frozen=True)
class FeedbackPlan:
    tone: bool  # the movement tone (and the phase chimes)
    voice_warnings: bool  # spoken warnings ("Your left eye is narrowing...")


def eyes_closed(exercise) -> bool:
    """Done with the eyes closed: the library may say so (``eyes_closed``); otherwise an exercise whose
    goal is to close the eyes (gentle eye closure, slow blink)."""
    said = getattr(exercise, "eyes_closed", None)
    if said is not None:
        return bool(said)
    target = getattr(exercise, "target", None)
    return target is not None and target.measure == "eye_aperture" and target.direction == "decrease"


def plan_for(choice: str, exercise) -> FeedbackPlan:
    if choice == "tone":
        return FeedbackPlan(tone=True, voice_warnings=False)
    if choice == "voice":
        return FeedbackPlan(tone=False, voice_warnings=True)
    if choice == "both":
        return FeedbackPlan(tone=True, voice_warnings=True)
    if choice == "none":
        return FeedbackPlan(tone=False, voice_warnings=False)
    return FeedbackPlan(tone=exercise is not None and eyes_closed(exercise), voice_warnings=True)
