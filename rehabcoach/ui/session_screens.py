"""The screens shown while a routine runs: calibration, a massage/relaxation step, a movement
exercise, and the "no camera" choice.  They only display what they are given and emit what the
patient asks for; the session engine decides everything."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from rehabcoach.ui.camera_view import GUIDE_OK, GUIDE_PROBLEM, CameraView
from rehabcoach.ui.meters import TargetMeter
from rehabcoach.ui.theme import Theme
from rehabcoach.ui.widgets import MARGIN, SESSION_MARGIN, SPACING, Illustration, button, label, scrolling_column
from rehabcoach.vision.catalogue import Side


def _header(title: QWidget, position: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(title, 1)
    row.addWidget(position, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
    return row


class CalibrationScreen(QWidget):
    """Measures the resting face: a guide oval, a progress bar and specific help when stuck."""

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Calibration")
        self.camera = CameraView(theme)
        row = QHBoxLayout(self)
        row.setContentsMargins(SESSION_MARGIN, SESSION_MARGIN, SESSION_MARGIN, SESSION_MARGIN)
        row.setSpacing(SPACING * 2)
        row.addWidget(self.camera, 1)
        side = QVBoxLayout()
        side.setSpacing(SPACING)
        side.addWidget(label("Measuring your resting face", "subheading"))
        side.addWidget(
            label("Look at the camera and let your face rest. Keep your face inside the oval.", "instruction")
        )
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName("Calibration progress")
        self.progress.setTextVisible(False)
        self.progress_text = label("", "subheading", name="Calibration progress in words")
        side.addStretch(1)
        self.side_area = scrolling_column(side)
        # The help and the paused note stay in view below what may scroll (very large text), one at a
        # time: while paused, the help about the face does not matter.
        self.help = label("", "notice", name="Calibration help")
        self.paused_note = label("Paused. Press Space or the Resume button to continue.", "notice", name="Paused")
        self.paused_note.hide()
        column = QVBoxLayout()
        column.setSpacing(SPACING // 2)
        column.addWidget(self.side_area, 1)
        column.addWidget(self.progress_text)
        column.addWidget(self.progress)
        column.addWidget(self.help)
        column.addWidget(self.paused_note)
        row.addLayout(column, 1)

    def show_paused(self, paused: bool) -> None:
        self.paused_note.setVisible(paused)
        self.help.setVisible(not paused)

    def show_status(self, progress: float, problem: str | None, message: str) -> None:
        value = round(max(0.0, min(1.0, progress)) * 100)
        self.progress.setValue(value)
        self.progress_text.setText(f"{value}% measured")
        # With nothing wrong, the instruction above already says what to do: say that it is going well
        # rather than repeat it; with a problem, the engine's specific help is what matters.
        self.help.setText(message if problem else "Good: stay still and relaxed while I measure.")
        role = "warning" if problem else "notice"
        if self.help.property("role") != role:
            self.help.setProperty("role", role)
            self.help.style().unpolish(self.help)
            self.help.style().polish(self.help)
        self.camera.set_guide(GUIDE_PROBLEM if problem else GUIDE_OK)


class StepScreen(QWidget):
    """A massage or relaxation step: drawing, large instruction, countdown, step progress."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Exercise step")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SESSION_MARGIN, SESSION_MARGIN, SESSION_MARGIN, SESSION_MARGIN)
        outer.setSpacing(SPACING)
        self.title = label("", "heading", name="Exercise title")
        self.position = label("", "muted", wrap=False, name="Position in the routine")
        outer.addLayout(_header(self.title, self.position))
        row = QHBoxLayout()
        row.setSpacing(SPACING * 2)
        self.illustration = Illustration(size=360)
        self.illustration.setMinimumSize(240, 240)
        row.addWidget(self.illustration, 2)
        column = QVBoxLayout()
        column.setSpacing(SPACING)
        self.step_label = label("", "muted", name="Step number")
        self.instruction = label("", "instruction", name="Instruction")
        self.countdown = label("", "countdown", name="Time left")
        self.step_progress = QProgressBar()
        self.step_progress.setAccessibleName("Step progress")
        self.step_progress.setTextVisible(False)
        self.paused_note = label("", "notice", name="Paused")
        self.paused_note.hide()
        column.addWidget(self.step_label)
        column.addWidget(self.instruction)
        column.addStretch(1)
        self.text_area = scrolling_column(column)
        # The time left and the paused note stay in view below the instruction, which may scroll.
        right = QVBoxLayout()
        right.setSpacing(SPACING // 2)
        right.addWidget(self.text_area, 1)
        right.addWidget(self.countdown)
        right.addWidget(self.step_progress)
        right.addWidget(self.paused_note)
        row.addLayout(right, 3)
        outer.addLayout(row, 1)

    def show_step(
        self,
        *,
        title: str,
        position: str,
        illustration: Path | None,
        step_number: int,
        step_count: int,
        instruction: str,
        remaining: float | None,
        counter: str | None,
        fraction_done: float,
        paused: bool,
    ) -> None:
        self.title.setText(title)
        self.position.setText(position)
        if self.illustration.path != illustration:
            self.illustration.set_path(illustration)
        self.step_label.setText(f"Step {step_number} of {step_count}")
        self.instruction.setText(instruction)
        parts = [counter] if counter else []
        if remaining is not None:
            parts.append(f"{max(0, math.ceil(remaining - 1e-9))} s left")
        self.countdown.setText("   ·   ".join(parts))
        self.step_progress.setValue(round(max(0.0, min(1.0, fraction_done)) * 100))
        self.paused_note.setText("Paused. Press Space or the Resume button to continue.")
        self.paused_note.setVisible(paused)


class MovementScreen(QWidget):
    """A movement exercise: mirrored camera with outlines, phase banner, countdown, reps, meter."""

    picture_hidden_requested = Signal(bool)  # the "feel it" view: hide (True) or show the picture

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Movement exercise")
        self.camera = CameraView(theme)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SESSION_MARGIN, SESSION_MARGIN, SESSION_MARGIN, SESSION_MARGIN)
        outer.setSpacing(SPACING // 2)
        # The title is smaller here than on the other screens: the banner ("Smile gently") is what counts.
        self.title = label("", "subheading", name="Exercise title")
        self.position = label("", "muted", wrap=False, name="Position in the routine")
        header = _header(self.title, self.position)
        self.picture_button = button("Hide my picture", "Hide or show my camera picture")
        self.picture_button.setToolTip("Feel the movement instead of watching it: a drawn face replaces "
                                       "your picture, the sound and the voice go on")
        self.picture_button.clicked.connect(
            lambda: self.picture_hidden_requested.emit(not self.camera.picture_hidden))
        header.insertWidget(1, self.picture_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(header)
        row = QHBoxLayout()
        row.setSpacing(SPACING * 2)
        row.addWidget(self.camera, 1)  # half the width: a 4:3 picture fills it, and the words wrap less
        side = QVBoxLayout()
        side.setSpacing(SPACING // 2)
        self.banner = label("", "banner", name="What to do now")
        self.countdown = label("", "countdown", wrap=False, name="Countdown")
        self.rep = label("", "subheading", name="Repetition")
        self.instruction = label("", "instruction", name="Instruction")
        self.meter = TargetMeter(theme)
        self.meter.setToolTip("How much of the goal you reach")  # its rows say the side and the amount
        self.warning = label("", "warning", name="Unwanted movement")
        self.warning.hide()
        self.notice = label("", "notice", name="Notice")
        self.notice.hide()
        side.addWidget(self.banner)
        timing = QHBoxLayout()  # countdown and repetition on one line: height is short on a laptop
        timing.setSpacing(SPACING)
        timing.addWidget(self.countdown)
        timing.addWidget(self.rep, 1, Qt.AlignmentFlag.AlignVCenter)
        side.addLayout(timing)
        for widget in (self.instruction, self.meter):
            side.addWidget(widget)
        side.addStretch(1)
        self.side_area = scrolling_column(side)
        # The warning and the notice stay in view below what may scroll (very large text): they are
        # what the patient must not miss.
        column = QVBoxLayout()
        column.setSpacing(SPACING // 2)
        column.addWidget(self.side_area, 1)
        column.addWidget(self.warning)
        column.addWidget(self.notice)
        row.addLayout(column, 1)
        outer.addLayout(row, 1)

    def set_picture_hidden(self, hidden: bool) -> None:
        self.camera.set_picture_hidden(hidden)
        self.picture_button.setText("Show my picture" if hidden else "Hide my picture")

    def show_movement(
        self,
        *,
        title: str,
        position: str,
        banner: str,
        countdown: str,
        rep: str,
        instruction: str,
        levels: Mapping[Side, float],
        warnings: list[str],
        notice: str | None,
    ) -> None:
        self.title.setText(title)
        self.position.setText(position)
        self.banner.setText(banner)
        self.countdown.setText(countdown)
        self.rep.setText(rep)
        self.instruction.setText(instruction)
        self.instruction.setVisible(bool(instruction))
        # One message at a time, the notice first: paused, or the face out of view (a warning then ends
        # within a second, and the meter means nothing without a face); then a warning, which takes the
        # meter's place (it asks to soften the movement, not to reach further).  Room is short on a laptop.
        self.meter.set_levels(levels)
        self.meter.setVisible(bool(levels) and not notice and not warnings)
        self.warning.setText("\n".join(warnings))
        self.warning.setVisible(bool(warnings) and not notice)
        self.notice.setText(notice or "")
        self.notice.setVisible(bool(notice))


class CameraMissingScreen(QWidget):
    """No working camera: try another one, or carry on with massage and relaxation only."""

    retry_requested = Signal(int)
    continue_without_camera = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("No camera")
        page = QVBoxLayout(self)
        page.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        outer = QVBoxLayout()
        outer.setSpacing(round(SPACING * 1.5))
        outer.addWidget(label("The camera is not working", "heading"))
        self.message = label("", "instruction", name="What happened")
        outer.addWidget(self.message)
        row = QHBoxLayout()
        row.addWidget(label("Camera:", wrap=False))
        self.camera_choice = QComboBox()
        self.camera_choice.setAccessibleName("Choose a camera")
        self.camera_choice.setMinimumWidth(200)
        for index in range(6):
            self.camera_choice.addItem(f"Camera {index + 1}", index)
        row.addWidget(self.camera_choice)
        self.retry_button = button("Try this camera", "Try this camera", primary=True)
        self.retry_button.clicked.connect(
            lambda: self.retry_requested.emit(int(self.camera_choice.currentData()))
        )
        row.addWidget(self.retry_button)
        row.addStretch(1)
        outer.addLayout(row)
        self.continue_button = button(
            "Continue with massage and relaxation only", "Continue without the camera"
        )
        self.continue_button.clicked.connect(self.continue_without_camera)
        outer.addWidget(self.continue_button, 0, Qt.AlignmentFlag.AlignLeft)
        outer.addStretch(1)
        page.addWidget(scrolling_column(outer))

    def show_problem(self, message: str, current_camera: int | None) -> None:
        self.message.setText(message)
        if current_camera is not None:
            at = self.camera_choice.findData(current_camera)
            if at >= 0:
                self.camera_choice.setCurrentIndex(at)
