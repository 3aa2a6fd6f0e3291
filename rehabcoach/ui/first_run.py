"""The first start: a greeting, the affected side, a short try of the camera, the voice and the sound,
the "before you start" safety page, and a first short routine.  Skippable at every page; never shown
again once finished or skipped, unless asked for (Help > Welcome and checks)."""

from __future__ import annotations

import threading
from typing import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from rehabcoach.ui.safety_page import SafetyPage
from rehabcoach.ui.widgets import MARGIN, SPACING, CurrentPageStack, button, format_duration, label

SIDE_CHOICES = (
    ("left", "My left side"),
    ("right", "My right side"),
    ("none", "I don't know: my therapist will set it"),
)
VOICE_TRY = "Hello. This is the voice that guides you through the exercises."
TONE_TRY_SECONDS = 0.8  # per ear


def check_camera(index: int) -> tuple[bool, str]:
    """Open camera ``index`` and read one picture (run off the GUI thread: opening can take seconds)."""
    try:
        from rehabcoach.vision.sources import open_source

        with open_source(index) as source:
            for _frame in source:
                return True, "The camera works."
    except Exception as exc:  # any camera problem is reported in words, never raised
        return False, f"The camera did not work ({str(exc).rstrip('.')}). You can choose another one in Settings."
    return False, "The camera gave no picture. You can choose another one in Settings."


class FirstRunDialog(QDialog):
    """``chosen_side`` ('left', 'right' or 'none') and ``routine_chosen`` (an id or None) once done."""

    camera_checked = Signal(bool, str)  # from the checking thread, delivered on the GUI thread

    def __init__(self, window, *, camera_check: Callable[[int], tuple[bool, str]] = check_camera):
        super().__init__(window)
        self.setWindowTitle("Welcome to RehabCoach")
        self.setAccessibleName("Welcome to RehabCoach")
        self.setMinimumWidth(760)
        self.window_ = window
        self._camera_check = camera_check
        self.chosen_side = window.settings.affected_side
        self.routine_chosen: str | None = None
        self.skipped = False
        self.safety_seen = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        outer.setSpacing(SPACING)
        self.pages = CurrentPageStack()
        for page in (self._welcome(), self._side(), self._checks(), self._safety(), self._routine()):
            self.pages.addWidget(page)
        outer.addWidget(self.pages, 1)
        bar = QWidget()  # always the height its buttons need: the page above gives way, not them
        bar.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.skip_button = button("Skip the introduction", "Skip the introduction; it will not be shown again")
        self.skip_button.clicked.connect(self.skip)
        self.back_button = button("Back", "Previous page")
        self.back_button.clicked.connect(lambda: self.go(self.pages.currentIndex() - 1))
        self.next_button = button("Next", "Next page", primary=True)
        self.next_button.clicked.connect(lambda: self.go(self.pages.currentIndex() + 1))
        row.addWidget(self.skip_button)
        row.addStretch(1)
        row.addWidget(self.back_button)
        row.addWidget(self.next_button)
        outer.addWidget(bar)
        self.camera_checked.connect(self._show_camera_result)
        self._tone_timer = QTimer(self)
        self._tone_timer.setInterval(50)
        self._tone_timer.timeout.connect(self._feed_try_tone)
        self._tone_steps = 0
        self.go(0)

    # -- pages ----------------------------------------------------------------------------------
    def _page(self, heading: str, text: str) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACING)
        column.addWidget(label(heading, "heading"))
        if text:
            column.addWidget(label(text, "instruction"))
        return page, column

    def _welcome(self) -> QWidget:
        page, column = self._page(
            "Welcome",
            "RehabCoach guides you through your facial exercises: it says each step, watches your face "
            "through the camera and tells you, side by side, when a movement you did not want appears. "
            "It can tell you by voice, or by a soft tone when your eyes are closed. Nothing leaves this computer.",
        )
        column.addWidget(label("This takes about two minutes. You can skip it.", "muted"))
        column.addStretch(1)
        return page

    def _side(self) -> QWidget:
        page, column = self._page("Which side of your face was weakened?",
                                  "The side as you feel it. The coach then compares it with your other side.")
        self.side_group = QButtonGroup(self)
        self.side_buttons: dict[str, QRadioButton] = {}
        for value, text in SIDE_CHOICES:
            choice = QRadioButton(text)
            choice.setAccessibleName(text)
            choice.setChecked(value == (self.chosen_side or "none"))
            choice.toggled.connect(lambda on, v=value: self._side_toggled(on, v))
            self.side_group.addButton(choice)
            self.side_buttons[value] = choice
            column.addWidget(choice)
        column.addStretch(1)
        return page

    def _checks(self) -> QWidget:
        page, column = self._page("A short try of the camera, the voice and the sound", "")
        self.camera_result = self._check_row(column, "Try the camera", self.try_camera)
        self.voice_result = self._check_row(column, "Try the voice", self.try_voice)
        self.sound_result = self._check_row(column, "Try the sound", self.try_sound)
        column.addStretch(1)
        return page

    def _check_row(self, column: QVBoxLayout, text: str, action) -> QLabel:
        row = QHBoxLayout()
        trigger = button(text, text)
        trigger.setMinimumWidth(220)
        trigger.clicked.connect(action)
        result = label("", name=f"{text}: result")
        row.addWidget(trigger)
        row.addWidget(result, 1)
        column.addLayout(row)
        return result

    def _safety(self) -> QWidget:
        self.safety_page = SafetyPage()
        return self.safety_page

    def _routine(self) -> QWidget:
        page, column = self._page("Your first routine", "")
        routine = self._shortest_routine()
        self.first_routine = routine
        self.start_button: QPushButton | None = None  # no routine in the library: nothing to start
        if routine is not None:
            column.addWidget(label(
                f"“{routine.title}” takes {format_duration(self.window_._routine_seconds(routine))}. "
                "You can start it now, or choose from all routines on the home screen.", "instruction"))
            self.start_button = button(f"Start “{routine.title}”", f"Start the routine {routine.title}", primary=True)
            self.start_button.clicked.connect(self._start_routine)
            column.addWidget(self.start_button)
        else:
            column.addWidget(label("Choose a routine on the home screen.", "instruction"))
        column.addStretch(1)
        return page

    def _shortest_routine(self):
        routines = list(self.window_.library.routines.values())
        return min(routines, key=self.window_._routine_seconds) if routines else None

    # -- navigation -----------------------------------------------------------------------------
    def go(self, index: int) -> None:
        last = self.pages.count() - 1
        if index > last:
            self.finish()
            return
        index = max(0, index)
        page = self.pages.widget(index)
        assert page is not None  # 0 <= index <= last
        self.pages.setCurrentWidget(page)
        if self.pages.currentWidget() is self.safety_page:
            self.safety_seen = True
        self.back_button.setEnabled(index > 0)
        self.next_button.setText("Go to the home screen" if index == last else "Next")

    def _side_toggled(self, on: bool, value: str) -> None:
        if on:  # the button switched off toggles too
            self.chosen_side = value

    def skip(self) -> None:
        self.skipped = True
        self.finish()

    def finish(self) -> None:
        self._stop_try_tone()
        self.accept()

    def _start_routine(self) -> None:
        if self.first_routine is not None:
            self.routine_chosen = self.first_routine.id
        self.finish()

    # -- the tries ------------------------------------------------------------------------------
    def try_camera(self) -> None:
        self.camera_result.setText("Opening the camera…")
        index = self.window_.settings.camera

        def check() -> None:
            ok, message = self._camera_check(index)
            self.camera_checked.emit(ok, message)

        threading.Thread(target=check, name="rehabcoach-camera-try", daemon=True).start()

    def _show_camera_result(self, ok: bool, message: str) -> None:
        self.camera_result.setText(message)
        self.camera_ok = ok

    def try_voice(self) -> None:
        speech = self.window_.speech
        if not speech.available:
            self.voice_result.setText(speech.status_message or "No voice is available.")
            return
        speech.say(VOICE_TRY, interrupt=True)
        self.voice_result.setText("You should hear a short sentence. If not, check the volume, or turn the "
                                  "voice off in Settings.")

    def try_sound(self) -> None:
        feedback = self.window_.feedback
        if not feedback.available:
            self.sound_result.setText(feedback.status_message or "Sound feedback is off.")
            return
        feedback.chime("move")
        self._tone_steps = 0
        self._tone_timer.start()
        self.sound_result.setText("You should hear a chime, then a soft tone in your left ear, then in your right.")

    def _feed_try_tone(self) -> None:
        # Fresh levels every 50 ms (the service fades a tone whose levels stop coming): left, then right.
        elapsed = self._tone_steps * self._tone_timer.interval() / 1000
        self._tone_steps += 1
        start = 0.5  # after the chime's first note
        if elapsed < start:
            return
        if elapsed < start + TONE_TRY_SECONDS:
            self.window_.feedback.update({"left": 1.5})
        elif elapsed < start + 2 * TONE_TRY_SECONDS:
            self.window_.feedback.update({"right": 1.5})
        else:
            self._stop_try_tone()

    def _stop_try_tone(self) -> None:
        self._tone_timer.stop()
        self.window_.feedback.silence()
