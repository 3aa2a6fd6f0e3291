"""The "before you start" safety page shown in the first run.

PLACEHOLDER: the exercise-library work (issue 9) writes the real page, with its sources; replace this
module's SafetyPage (same name, a QWidget) with it.  Until then it says only what the app already
says elsewhere and what every facial-therapy programme asks of patients.
"""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from rehabcoach.coaching.cues import NOT_A_DIAGNOSIS
from rehabcoach.ui.widgets import SPACING, label

POINTS = (
    "Practise the exercises your therapist chose for you, gently and slowly. Small, soft movements are the goal.",
    "Stop an exercise at once if it hurts, and tell your therapist.",
    "If your face feels tired, rest: a short session done well is better than a long one.",
    NOT_A_DIAGNOSIS,
)


class SafetyPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Before you start")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACING)
        column.addWidget(label("Before you start", "heading"))
        for point in POINTS:
            column.addWidget(label(f"•  {point}", "instruction"))
        column.addStretch(1)
