"""After a routine: what each exercise achieved, in words and small pictures rather than a table."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from rehabcoach.coaching.guards import REGION_NOUNS
from rehabcoach.coaching.summary import ExerciseSummary, SessionSummary, not_judged_line, size_lines
from rehabcoach.ui.meters import FaceMap, TargetMeter
from rehabcoach.ui.theme import Theme
from rehabcoach.ui.widgets import MARGIN, SPACING, button, card, disclaimer, format_duration, label

STATUS_WORDS = {
    "completed": "Done",
    "skipped": "Skipped",
    "stopped": "Stopped early",
    "in_progress": "Stopped early",
    "not_started": "Not reached",
}


def warning_lines(summary: ExerciseSummary) -> list[str]:
    """'Your left eye moved 3 times (4.2 s in total)', one line per side and region."""
    lines = []
    for tally in summary.warnings:
        times = "once" if tally.count == 1 else f"{tally.count} times"
        region = REGION_NOUNS.get(tally.region, tally.region)
        lines.append(f"Your {tally.side} {region} moved {times} ({tally.total_seconds:.1f} s in total)")
    return lines


class SummaryScreen(QWidget):
    home_requested = Signal()

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Summary")
        self._theme = theme
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        outer.setSpacing(SPACING)
        header = QHBoxLayout()
        self.heading = label("Well done", "heading", name="Summary title")
        header.addWidget(self.heading, 1)
        self.home_button = button("Back to start", "Back to the start screen", primary=True)
        self.home_button.clicked.connect(self.home_requested)
        header.addWidget(self.home_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(header)
        self.overview = label("", "instruction", name="Session overview")
        outer.addWidget(self.overview)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        outer.addWidget(self.scroll_area, 1)
        outer.addWidget(
            label(
                "The numbers compare each side with your own resting face. They help you and your "
                "therapist follow your practice; they are not a medical score.",
                "muted",
            )
        )
        outer.addWidget(disclaimer())
        self.cards: dict[str, QWidget] = {}

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme

    def show_summary(self, summary: SessionSummary) -> None:
        done = sum(1 for e in summary.exercises if e.status == "completed")
        total_warnings = sum(t.count for e in summary.exercises for t in e.warnings)
        self.heading.setText("Well done" if summary.completed else "Session stopped")
        warned = (
            "no unwanted movement was noticed"
            if total_warnings == 0
            else f"{total_warnings} unwanted movement{'s were' if total_warnings != 1 else ' was'} noticed"
        )
        overview = (f"You practised for {format_duration(summary.duration_s)} and finished {done} of "
                    f"{len(summary.exercises)} exercises; {warned}.")
        if any(not_judged_line(exercise) for exercise in summary.exercises):
            # "No unwanted movement" must not read as a clean session when much of it could not be judged.
            overview += " Some repetitions could not be judged because your head was turned: see below."
        self.overview.setText(overview)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setSpacing(SPACING)
        self.cards = {}
        for exercise in summary.exercises:
            frame = self._exercise_card(exercise)
            self.cards[exercise.exercise_id] = frame
            column.addWidget(frame)
        column.addStretch(1)
        self.scroll_area.setWidget(inner)

    def _exercise_card(self, exercise: ExerciseSummary) -> QWidget:
        frame, box = card()
        frame.setAccessibleName(f"Result: {exercise.title}")
        row = QHBoxLayout()
        text = QVBoxLayout()
        status = STATUS_WORDS.get(exercise.status, exercise.status)
        if exercise.skipped_reason:
            status += f": {exercise.skipped_reason}"
        text.addWidget(label(exercise.title, "subheading"))
        text.addWidget(label(status, "muted"))
        if exercise.reps_planned:
            text.addWidget(label(f"{exercise.reps_done} of {exercise.reps_planned} repetitions", "instruction"))
            reached = {side: v for side, v in exercise.target_reached.items() if v is not None}
            if reached:
                text.addWidget(label("Goal reached, on average:", "muted"))
                meter = TargetMeter(self._theme)
                meter.set_levels(reached)
                text.addWidget(meter)
            lines = warning_lines(exercise)
            text.addWidget(
                label("\n".join(lines) if lines else "No unwanted movement noticed.", name="Unwanted movements")
            )
            not_judged = not_judged_line(exercise)
            if not_judged:
                text.addWidget(label(not_judged, "notice", name="Not judged"))
            sizes = size_lines(exercise.region_peaks)
            if sizes:
                # How much, not only how often: what the therapist reads between visits.
                text.addWidget(label("How far the watched parts moved in a repetition, at most (average):", "muted"))
                text.addWidget(label("\n".join(sizes), name="Movement sizes"))
        text.addStretch(1)
        row.addLayout(text, 1)
        if exercise.reps_planned:
            face = FaceMap(self._theme)
            face.set_warnings({(t.region, t.side): max(t.total_seconds, 0.01) for t in exercise.warnings})
            face.setFixedSize(190, 230)
            row.addWidget(face, 0, Qt.AlignmentFlag.AlignTop)
        box.addLayout(row)
        return frame
