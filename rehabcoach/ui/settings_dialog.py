"""The settings dialog: camera, voice, speech rate, warnings by tone or voice, tone volume, the "feel it"
view, affected side, text size, high contrast."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSlider,
    QSpinBox,
    QVBoxLayout,
)

from rehabcoach.feedback.modes import FEEDBACK_CHOICES, FEEDBACK_WORDS
from rehabcoach.ui.settings import SPEECH_RATE_RANGE, TEXT_SIZE_RANGE, VOLUME_RANGE, AppSettings
from rehabcoach.ui.widgets import label, scrolling_column

SIDE_CHOICES = (("Not set", "none"), ("My left side", "left"), ("My right side", "right"))


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.setMinimumWidth(560)
        # The form's labels are exactly as wide as their text, which clipped the last letter's overhang.
        self.setStyleSheet("QLabel { padding-right: 3px; }")
        layout = QVBoxLayout(self)
        layout.setSpacing(16)
        form = QFormLayout()
        form.setVerticalSpacing(14)

        self.camera = QComboBox()
        self.camera.setAccessibleName("Camera")
        for index in range(6):
            self.camera.addItem(f"Camera {index + 1}", index)
        self.camera.setCurrentIndex(max(0, self.camera.findData(settings.camera)))
        form.addRow("&Camera", self.camera)

        self.voice = QCheckBox("Speak the instructions")
        self.voice.setAccessibleName("Voice on or off")
        self.voice.setChecked(settings.voice)
        form.addRow("&Voice", self.voice)

        self.speech_rate = QSpinBox()
        self.speech_rate.setAccessibleName("Speech rate in words per minute")
        self.speech_rate.setRange(*SPEECH_RATE_RANGE)
        self.speech_rate.setSingleStep(10)
        self.speech_rate.setSuffix(" words a minute")
        self.speech_rate.setValue(settings.speech_rate)
        form.addRow("Speech &rate", self.speech_rate)

        self.warning_feedback = QComboBox()
        self.warning_feedback.setAccessibleName("How unwanted movements are signalled")
        for value in FEEDBACK_CHOICES:
            self.warning_feedback.addItem(FEEDBACK_WORDS[value], value)
        self.warning_feedback.setCurrentIndex(max(0, self.warning_feedback.findData(settings.warning_feedback)))
        self.warning_feedback.setToolTip("Automatic: a soft tone during exercises done with the eyes closed; "
                                         "the voice always")
        form.addRow("&Warnings by", self.warning_feedback)

        self.tone_volume = QSlider(Qt.Orientation.Horizontal)
        self.tone_volume.setAccessibleName("Volume of the tone and chimes")
        self.tone_volume.setRange(*VOLUME_RANGE)
        self.tone_volume.setSingleStep(5)
        self.tone_volume.setPageStep(10)
        self.tone_volume.setValue(settings.tone_volume)
        form.addRow("Tone &volume", self.tone_volume)

        self.hide_camera = QCheckBox("Hide my picture (feel it, don't watch it)")
        self.hide_camera.setAccessibleName("Hide the camera picture")
        self.hide_camera.setChecked(settings.hide_camera)
        form.addRow("&Picture", self.hide_camera)

        self.affected_side = QComboBox()
        self.affected_side.setAccessibleName("Affected side")
        for text, value in SIDE_CHOICES:
            self.affected_side.addItem(text, value)
        self.affected_side.setCurrentIndex(max(0, self.affected_side.findData(settings.affected_side)))
        form.addRow("&Affected side", self.affected_side)

        self.text_size = QSpinBox()
        self.text_size.setAccessibleName("Text size in points")
        self.text_size.setRange(*TEXT_SIZE_RANGE)
        self.text_size.setSuffix(" pt")
        self.text_size.setValue(settings.text_size)
        form.addRow("&Text size", self.text_size)

        self.high_contrast = QCheckBox("White text on black")
        self.high_contrast.setAccessibleName("High-contrast theme")
        self.high_contrast.setChecked(settings.high_contrast)
        form.addRow("&High contrast", self.high_contrast)
        column = QVBoxLayout()
        column.addLayout(form)
        column.addWidget(label("The affected side is the side of your face that was weakened, as you feel it.",
                               "muted"))
        # The choices scroll when a large text size makes them taller than a laptop's screen; the Save and
        # Cancel buttons below stay in view.
        self.choices = scrolling_column(column)
        layout.addWidget(self.choices, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._original = settings
        self._fitted = False

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._fitted:  # once the style sheet's fonts are known
            self._fitted = True
            self.fit_screen()

    def fit_screen(self, room: QSize | None = None) -> None:
        """As large as the choices need, but never larger than the screen's free area (``room``; default
        the dialog's screen): the choices scroll (vertically only) when a large text size makes them
        taller than a laptop's screen."""
        inner = self.choices.widget()
        assert inner is not None  # scrolling_column() gave the area its column
        inner.adjustSize()
        need = inner.sizeHint()
        scroll_bar = self.choices.verticalScrollBar().sizeHint().width()
        self.choices.setMinimumWidth(inner.minimumSizeHint().width() + scroll_bar)
        if room is None and self.screen() is not None:
            room = self.screen().availableGeometry().size()
        chrome = self.sizeHint().height() - self.choices.sizeHint().height()  # buttons and margins
        height = need.height() + chrome + 8
        layout = self.layout()
        assert layout is not None  # set in __init__
        width = max(self.minimumWidth(), need.width() + scroll_bar + 2 * layout.contentsMargins().left())
        if room is not None:
            height = min(height, room.height() - 60)
            width = min(width, room.width() - 40)
        self.resize(width, height)

    def chosen(self) -> AppSettings:
        return AppSettings(
            camera=int(self.camera.currentData()),
            voice=self.voice.isChecked(),
            speech_rate=self.speech_rate.value(),
            affected_side=str(self.affected_side.currentData()),
            text_size=self.text_size.value(),
            high_contrast=self.high_contrast.isChecked(),
            warning_feedback=str(self.warning_feedback.currentData()),
            tone_volume=self.tone_volume.value(),
            hide_camera=self.hide_camera.isChecked(),
            first_run_done=self._original.first_run_done,
        ).clamped()
