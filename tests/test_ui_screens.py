"""The window without a camera: home and library, settings that persist, the look (text size, high
contrast), keyboard control and accessible names, a massage routine stepped through on a manual
clock, and the summary.  Screenshots of each screen go to test-artifacts/screenshots/."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressBar,
)

from rehabcoach.clock import ManualClock  # noqa: E402
from rehabcoach.routines.loader import load_library  # noqa: E402
from rehabcoach.ui.settings import AppSettings, load_settings, open_app_settings, save_settings  # noqa: E402

UI_LIBRARY = Path(__file__).resolve().parent / "ui_library"


class RecordingSpeech:
    available = True
    status_message = ""
    busy = False

    def __init__(self):
        self.said = []
        self.muted = False
        self.rate = None

    def say(self, text, *, interrupt=False):
        if text and not self.muted:
            self.said.append(text)

    def set_rate(self, wpm):
        self.rate = wpm

    def set_muted(self, muted):
        self.muted = muted

    def close(self):
        pass


@pytest.fixture
def clock():
    return ManualClock(100.0)


@pytest.fixture
def make_window(qtbot, tmp_path, clock):
    from rehabcoach.ui.main_window import MainWindow

    windows = []

    def make(library=None, speech=None, settings_file=None, practice=None):
        win = MainWindow(
            library or load_library(),
            open_app_settings(settings_file or tmp_path / "settings.ini"),
            speech=speech or RecordingSpeech(),
            clock_factory=lambda: clock,
            practice=practice,
        )
        win.resize(1280, 860)
        windows.append(win)
        win.show()
        qtbot.waitExposed(win)
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow)  # window shortcuts (Space, arrows, Esc) need an active window
        return win

    yield make
    for win in windows:  # end sessions first, so closing never waits on a question
        win._end_session()
        win.close()
        win.deleteLater()


def labels_text(widget) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel))


def test_home_lists_routines_and_the_library_shows_illustrations(make_window, screenshot):
    library = load_library()
    window = make_window(library)
    home = window.home
    assert set(home.start_buttons) == set(library.routines)
    text = labels_text(home)
    for routine in library.routines.values():
        assert routine.title in text
        assert f"{len(routine.items)} exercises" in text
    assert "does not diagnose" in text and "Stop an exercise if it hurts" in text
    screenshot(window, "home")

    home.tabs.setCurrentIndex(1)
    home.select_exercise("gentle-smile")
    assert home.exercise_title.text() == library.exercise("gentle-smile").title
    assert home.illustration.renderer().isValid(), "the SVG illustration did not load"
    assert Path(home.illustration.path).name == "gentle-smile.svg"
    assert library.exercise("gentle-smile").steps[0].instruction.split()[0] in home.exercise_steps.text()
    screenshot(window, "library")


def test_one_click_starts_a_routine(make_window, qtbot):
    window = make_window(load_library(UI_LIBRARY))
    qtbot.mouseClick(window.home.start_buttons["test-short-routine"], Qt.MouseButton.LeftButton)
    assert window.engine is not None
    assert window.current_screen() == "step"
    assert [e.id for e in window.engine.exercises] == ["test-cheek-strokes", "test-gentle-smile"]
    window._end_session()


def test_massage_steps_count_down_navigate_and_speak(make_window, clock, qtbot, screenshot):
    speech = RecordingSpeech()
    window = make_window(load_library(UI_LIBRARY), speech=speech)
    window.start_exercise("test-cheek-strokes")
    screen = window.step_screen
    assert window.current_screen() == "step" and window.capture is None  # the camera is not needed here
    assert screen.step_label.text() == "Step 1 of 2"
    assert screen.instruction.text().startswith("Stroke slowly outwards")
    assert screen.countdown.text() == "2 s left"
    assert Path(screen.illustration.path).name == "test-face.svg"
    assert speech.said[-1] == "Stroke slowly outwards."

    clock.advance(1.2)
    window._tick()
    assert screen.countdown.text() == "1 s left"
    assert screen.step_progress.value() == 60

    qtbot.keyClick(window, Qt.Key.Key_Space)  # pause
    assert window.engine.state.paused and screen.paused_note.isVisible()
    assert window.pause_button.text() == "Resume"
    clock.advance(30)
    window._tick()
    assert screen.countdown.text() == "1 s left", "the countdown must not run while paused"
    screenshot(window, "step-paused")
    qtbot.keyClick(window, Qt.Key.Key_Space)  # resume
    assert not window.engine.state.paused

    qtbot.keyClick(window, Qt.Key.Key_Right)  # next step
    assert screen.step_label.text() == "Step 2 of 2"
    assert "1 of 1" in screen.countdown.text()
    assert speech.said[-1] == "Small circles."
    qtbot.keyClick(window, Qt.Key.Key_Left)  # back
    assert screen.step_label.text() == "Step 1 of 2"

    qtbot.keyClick(window, Qt.Key.Key_M)  # mute
    assert speech.muted and window.mute_button.text() == "Unmute voice"
    said = len(speech.said)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert len(speech.said) == said, "muted: nothing is spoken"
    qtbot.keyClick(window, Qt.Key.Key_M)
    assert not speech.muted

    clock.advance(5)
    window._tick()
    assert window.current_screen() == "summary"
    summary = window.summary_screen
    text = labels_text(summary)
    assert "Cheek strokes (short)" in text and "Done" in text
    assert "does not diagnose" in text
    screenshot(window, "summary-massage")


def test_escape_asks_before_stopping(make_window, qtbot, monkeypatch):
    window = make_window(load_library(UI_LIBRARY))
    window.start_exercise("test-cheek-strokes")
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked = []

    def fake_question(*args, **kwargs):
        asked.append(args[1])
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", fake_question)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert asked and window.current_screen() == "step" and not window.engine.finished
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.engine.finished and window.current_screen() == "summary"
    assert "Session stopped" in window.summary_screen.heading.text()


def test_closing_mid_session_asks_before_discarding(make_window, monkeypatch):
    window = make_window(load_library(UI_LIBRARY))
    window.start_exercise("test-cheek-strokes")
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    assert window.close() is False, "closing was not refused"
    assert window.isVisible() and window.session_running()
    assert window.close() is True
    assert not answers


def test_settings_persist_privately_and_change_the_look(make_window, tmp_path, screenshot):
    path = tmp_path / "settings.ini"
    store = open_app_settings(path)
    assert load_settings(store) == AppSettings()
    assert AppSettings().text_size >= 18
    chosen = AppSettings(camera=2, voice=False, speech_rate=130, affected_side="left", text_size=28, high_contrast=True)
    save_settings(store, chosen)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "the settings hold health information: user-only"
    assert load_settings(open_app_settings(path)) == chosen

    speech = RecordingSpeech()
    window = make_window(load_library(UI_LIBRARY), speech=speech, settings_file=path)
    assert window.settings == chosen
    assert speech.muted and speech.rate == 130  # voice off in the settings
    window.start_exercise("test-cheek-strokes")
    instruction = window.step_screen.instruction
    instruction.ensurePolished()
    assert instruction.font().pointSize() == 28
    background = window.grab().toImage().pixelColor(5, 5)
    assert background.lightness() < 30, "high contrast is light text on black"
    screenshot(window, "step-high-contrast")
    window._end_session()

    # A hand-edited file with nonsense falls back to sensible values.
    store.setValue("text_size", "999")
    store.setValue("affected_side", "middle")
    store.sync()
    loaded = load_settings(open_app_settings(path))
    assert loaded.text_size == 40 and loaded.affected_side == "none"


def test_settings_dialog_round_trip(qtbot):
    from rehabcoach.ui.settings_dialog import SettingsDialog

    chosen = AppSettings(camera=1, voice=True, speech_rate=170, affected_side="right", text_size=24)
    dialog = SettingsDialog(chosen)
    qtbot.addWidget(dialog)
    assert dialog.chosen() == chosen
    dialog.high_contrast.setChecked(True)
    dialog.affected_side.setCurrentIndex(dialog.affected_side.findData("left"))
    assert dialog.chosen().high_contrast and dialog.chosen().affected_side == "left"
    # Sound feedback: warnings by tone, voice, both or neither; the volume; the "feel it" view.
    assert dialog.chosen().warning_feedback == "auto" and dialog.chosen().tone_volume == 60
    dialog.warning_feedback.setCurrentIndex(dialog.warning_feedback.findData("tone"))
    dialog.tone_volume.setValue(35)
    dialog.hide_camera.setChecked(True)
    assert (dialog.chosen().warning_feedback, dialog.chosen().tone_volume, dialog.chosen().hide_camera) == ("tone", 35, True)
    inputs = [w for kind in (QAbstractButton, QComboBox, QAbstractSpinBox) for w in dialog.findChildren(kind)]
    assert len(inputs) >= 6
    for widget in inputs:
        if widget.parent() is dialog:
            assert widget.accessibleName(), f"{type(widget).__name__} has no accessible name"


def test_every_control_has_an_accessible_name_and_takes_keyboard_focus(make_window):
    window = make_window(load_library(UI_LIBRARY))
    window.start_exercise("test-cheek-strokes")
    kinds = (QAbstractButton, QComboBox, QAbstractSpinBox, QListWidget, QProgressBar)
    controls = {w for kind in kinds for w in window.findChildren(kind)}
    assert len(controls) > 15
    for widget in controls:
        if widget.parent() is None or type(widget).__name__ == "QTabBar":
            continue
        name = widget.accessibleName() or (widget.text() if isinstance(widget, QAbstractButton) else "")
        assert name, f"{type(widget).__name__} {widget.objectName()} has no accessible name"
        in_menu_bar = type(widget.parent()).__name__ == "QMenuBar"  # menus are reached with Alt/F10, not Tab
        if isinstance(widget, (QAbstractButton, QComboBox, QAbstractSpinBox, QListWidget)) and not in_menu_bar:
            assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus, f"{name} cannot be reached with Tab"
    window._end_session()
