"""The "Before you start" page: who the programme is for, how to practise, what to avoid, when to stop.

Plain data, so the app's screen (rehabcoach/ui/before_you_start.py) only renders it and the docs
(docs/before-you-start.md, checked against this text by tests/test_before_you_start.py) say the
same.  Every point rests on a source listed in docs/clinical-basis.md.
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE = "Before you start"
INTRO = (
    "RehabCoach guides exercises for synkinesis after facial palsy: massage, relaxation and small, slow "
    "movements. Please read this page once before your first session. You can open it again at any time."
)
NOT_A_DIAGNOSIS = "RehabCoach supports your therapy; it does not diagnose, and it does not replace your therapist."


@dataclass(frozen=True)
class Section:
    heading: str
    points: tuple[str, ...]


SECTIONS: tuple[Section, ...] = (
    Section("Who this is for", (
        "People whose face has started to move again after facial palsy, and whose movements now pull "
        "other parts of the face along (synkinesis): for example the eye narrows when you smile.",
        "Not in the first three months after your facial palsy began. Early on, the face needs rest, "
        "eye care and gentle massage, not movement practice.",
        "See a specialist facial therapist first. They check your face, choose your exercises and "
        "settings, and tell you which side to stretch more.",
    )),
    Section("How to practise", (
        "Use very little effort: about 2 or 3 out of 10. Small, slow and even movements teach your face "
        "more than big ones.",
        "Both sides of your face start together, move the same small amount, and stop together.",
        "A few minutes at a time is fine. Rest when your face feels tired.",
        "Feel the movement rather than watching it. Your fingertips on the part that should stay "
        "still help you feel it.",
    )),
    Section("What to avoid", (
        "Electrical stimulation of the face: it makes tight, overactive muscles tighter.",
        "Squeezing your eyes shut: it makes the muscles around the eye and cheek more overactive.",
        "Chewing gum to exercise your face: effortful chewing adds to the tightness.",
        "Big, forceful movements and pulling faces as hard as you can.",
    )),
    Section("When to stop", (
        "Stop an exercise if it hurts, if your face gets tired or if you feel dizzy, and rest.",
        "If your face feels worse after practising, or something new worries you, ask your therapist "
        "before you go on.",
    )),
)


@dataclass(frozen=True)
class Page:
    title: str
    intro: str
    sections: tuple[Section, ...]
    footer: str

    def plain_text(self) -> str:
        """The page as plain text (for reading aloud, a terminal or a copy)."""
        lines = [self.title, "", self.intro]
        for section in self.sections:
            lines += ["", section.heading] + [f"- {point}" for point in section.points]
        return "\n".join(lines + ["", self.footer])


def before_you_start() -> Page:
    return Page(TITLE, INTRO, SECTIONS, NOT_A_DIAGNOSIS)
