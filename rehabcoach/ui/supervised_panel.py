"""Supervised session: a therapist panel beside the patient's view.

For each guard of the current movement exercise it draws the last seconds of the patient's
movement, per side (left solid, right dashed), against the guard's threshold line; the therapist can
change a threshold for the rest of the session, save it to the patient's profile, and mark a moment
with a note (stored with the session).  It only renders what the engine and the face frames say.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QDockWidget,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from rehabcoach.coaching.guards import amount_in_direction
from rehabcoach.errors import UserError
from rehabcoach.practice import PracticeService
from rehabcoach.records import profiles
from rehabcoach.ui.widgets import SPACING, button, label
from rehabcoach.vision.catalogue import SIDES

TRACE_SECONDS = 10.0
SIDE_PENS = {"left": (QColor("#1b6ca8"), Qt.PenStyle.SolidLine), "right": (QColor("#c0392b"), Qt.PenStyle.DashLine)}


class TraceWidget(QWidget):
    """The last ``TRACE_SECONDS`` of one guarded measure, per side, with the threshold as a line."""

    def __init__(self, guard, parent=None):
        super().__init__(parent)
        self.guard = guard
        self.threshold = guard.threshold
        self.points: dict[str, deque] = {side: deque() for side in SIDES}
        self.setMinimumHeight(110)
        self.setAccessibleName(f"Trace of {guard.region} {guard.measure}")

    def add(self, t: float, side: str, amount: float) -> None:
        points = self.points[side]
        points.append((t, amount))
        while points and t - points[0][0] > TRACE_SECONDS:
            points.popleft()

    def latest(self, side: str) -> float | None:
        return self.points[side][-1][1] if self.points[side] else None

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        painter.fillRect(0, 0, w, h, QColor("#ffffff"))
        top = max(self.threshold * 2.0, *(abs(a) for pts in self.points.values() for _, a in pts), 1e-6)
        bottom = -top * 0.25

        def y(value: float) -> float:
            return h - 4 - (value - bottom) / (top - bottom) * (h - 8)

        now = max((pts[-1][0] for pts in self.points.values() if pts), default=0.0)
        painter.setPen(QPen(QColor("#b05000"), 2, Qt.PenStyle.DotLine))
        painter.drawLine(QPointF(0, y(self.threshold)), QPointF(w, y(self.threshold)))
        painter.setPen(QPen(QColor("#999999"), 1))
        painter.drawLine(QPointF(0, y(0.0)), QPointF(w, y(0.0)))
        for side, (color, style) in SIDE_PENS.items():
            pts = self.points[side]
            if len(pts) < 2:
                continue
            painter.setPen(QPen(color, 2.5, style))
            line = [QPointF(w - (now - t) / TRACE_SECONDS * w, y(a)) for t, a in pts]
            painter.drawPolyline(line)
        painter.end()


class GuardRow(QWidget):
    def __init__(self, panel: "SupervisedPanel", guard, parent=None):
        super().__init__(parent)
        self.guard = guard
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(label(f"{guard.region}: {guard.measure.replace('_', ' ')} ({guard.direction}); "
                               "left solid, right dashed", "caption"))
        self.trace = TraceWidget(guard)
        column.addWidget(self.trace)
        row = QHBoxLayout()
        self.spin = QDoubleSpinBox()
        self.spin.setAccessibleName(f"Threshold for {guard.measure}")
        self.spin.setDecimals(3)
        self.spin.setRange(0.005, 2.0)
        self.spin.setSingleStep(0.01)
        self.spin.setValue(guard.threshold)
        self.apply_button = button("Use now", f"Use this threshold for {guard.measure} now")
        self.apply_button.clicked.connect(lambda: panel.apply_threshold(self))
        self.save_button = button("Save to profile", f"Save this threshold for {guard.measure} to the profile")
        self.save_button.clicked.connect(lambda: panel.save_threshold(self))
        row.addWidget(label("Threshold", wrap=False))
        row.addWidget(self.spin, 1)
        column.addLayout(row)
        actions = QHBoxLayout()
        actions.addWidget(self.apply_button)
        actions.addWidget(self.save_button)
        column.addLayout(actions)


class SupervisedPanel(QDockWidget):
    def __init__(self, window, practice: PracticeService):
        super().__init__("Therapist panel", window)
        self.setObjectName("supervised-panel")
        self.setAccessibleName("Therapist panel")
        self.window_ = window
        self.practice = practice
        self.rows: list[GuardRow] = []
        self._exercise_id: str | None = None
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setSpacing(SPACING // 2)
        self.heading = label("No movement exercise yet.", "subtitle", name="Exercise watched")
        outer.addWidget(self.heading)
        self.rows_box = QVBoxLayout()
        outer.addLayout(self.rows_box)
        outer.addWidget(label("Mark this moment", "subtitle"))
        note_row = QHBoxLayout()
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("Note (optional)")
        self.note_edit.setAccessibleName("Note for the marked moment")
        self.mark_button = button("Mark", "Mark this moment with the note", primary=True)
        self.mark_button.clicked.connect(self.mark_moment)
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(self.mark_button)
        outer.addLayout(note_row)
        self.message = label("", "caption", name="Therapist panel message")
        outer.addWidget(self.message)
        outer.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self.setMinimumWidth(460)
        window.face_frame_listeners.append(self.on_face_frame)

    # -- following the session ------------------------------------------------------------------
    def _current_exercise(self):
        engine = self.window_.engine
        exercise = engine.state.exercise if engine is not None else None
        return exercise if exercise is not None and exercise.category == "movement" else None

    def refresh_exercise(self) -> None:
        exercise = self._current_exercise()
        exercise_id = exercise.id if exercise else None
        if exercise_id == self._exercise_id:
            return
        self._exercise_id = exercise_id
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        if exercise is None:
            self.heading.setText("No movement exercise now.")
            return
        self.heading.setText(f"{exercise.title}: unwanted movement against the thresholds")
        for guard in exercise.guards:
            row = GuardRow(self, guard)
            self.rows_box.addWidget(row)
            self.rows.append(row)

    def on_face_frame(self, frame) -> None:
        if not self.isVisible():
            return
        self.refresh_exercise()
        engine = self.window_.engine
        baseline = engine.baseline if engine is not None else None
        if baseline is None or not frame.face or not self.rows:
            return
        for row in self.rows:
            guard = row.guard
            for side in guard.sides:
                value = frame.value(guard.measure, side)
                if value is None or guard.measure not in baseline.measures:
                    continue
                deviation = baseline.deviation(guard.measure, side, value)
                row.trace.add(frame.timestamp, side, amount_in_direction(deviation, guard.direction))
            row.trace.update()

    # -- therapist's actions --------------------------------------------------------------------
    def apply_threshold(self, row: GuardRow) -> None:
        engine = self.window_.engine
        if engine is None or self._current_exercise() is None:
            return
        value = round(row.spin.value(), 3)
        engine.set_guard_threshold(row.guard.measure, value)
        row.trace.threshold = value
        row.trace.update()
        self.message.setText(f"{row.guard.measure} now warns above {value:g} for the rest of this exercise.")

    def save_threshold(self, row: GuardRow) -> None:
        self.apply_threshold(row)
        profile, store = self.practice.profile, self.practice.store
        if profile is None or store is None or self._exercise_id is None:
            self.message.setText("Choose a patient profile to save thresholds.")
            return
        value = round(row.spin.value(), 3)
        try:
            profiles.set_threshold(store, profile.name, self._exercise_id, row.guard.measure, value,
                                   source="session")
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"Saved to {profile.name}'s profile: {self._exercise_id} {row.guard.measure} "
                             f"{value:g}.")

    def mark_moment(self) -> None:
        engine = self.window_.engine
        note = self.note_edit.text().strip() or "(marked)"
        # The session clock, as the reps' times.
        if engine is None or not self.practice.mark(engine.clock.now(), note):
            self.message.setText("Nothing is being recorded: choose a patient profile and start a session.")
            return
        self.note_edit.clear()
        self.message.setText(f"Marked: {note}")
