"""The first start: greeting, the affected side (or "my therapist will set it"), a try of the camera,
the voice and the sound (left ear, then right), the safety page, a first short routine; skippable,
never shown again, shown on request from the Help menu; every page fits a 1280x720 laptop."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from rehabcoach.clock import ManualClock  # noqa: E402
from rehabcoach.feedback import FeedbackService, RecordingOutput  # noqa: E402
from rehabcoach.routines.loader import load_library  # noqa: E402
from rehabcoach.ui.settings import load_settings, open_app_settings  # noqa: E402
from tests.ui_doubles import RecordingSpeech  # noqa: E402
from tests.ui_fit import fit_problems  # noqa: E402

UI_LIBRARY = Path(__file__).resolve().parent / "ui_library"



@pytest.fixture
def window(qtbot, tmp_path):
    from rehabcoach.ui.main_window import MainWindow

    output = RecordingOutput(realtime=True)
    clock = ManualClock(0.0)
    win = MainWindow(load_library(UI_LIBRARY), open_app_settings(tmp_path / "settings.ini"), speech=RecordingSpeech(),
                     feedback=FeedbackService(lambda: output, volume=100), clock_factory=lambda: clock)
    win.resize(1280, 650)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win._end_session()
    win.feedback.close()
    win.close()


def test_first_run_walks_through_side_tries_safety_and_a_first_routine(window, qtbot, tmp_path, screenshot):
    dialog = window.maybe_show_first_run(modal=False, camera_check=lambda index: (False, f"camera {index} gave no picture"))
    assert dialog is not None and dialog.isVisible()
    dialog.resize(1100, 600)
    pages = []

    def look(name):
        for _ in range(3):  # layouts settle over a few passes (a button's new text)
            QApplication.processEvents()
        assert not fit_problems(dialog), fit_problems(dialog)
        screenshot(dialog, f"first-run-{name}")
        pages.append(name)

    look("welcome")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    dialog.side_buttons["left"].click()
    look("side")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)

    dialog.try_camera()
    qtbot.waitUntil(lambda: "gave no picture" in dialog.camera_result.text(), timeout=5000)
    dialog.try_voice()
    assert window.speech.said[-1].startswith("Hello.")
    dialog.try_sound()
    qtbot.waitUntil(lambda: [side for side, _, _ in window.feedback.onsets] == ["left", "right"], timeout=5000)
    assert [phase for phase, _ in window.feedback.chimes_played] == ["move"]
    assert "left ear, then in your right" in dialog.sound_result.text()
    look("checks")

    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentWidget() is dialog.safety_page
    from rehabcoach.routines.before_you_start import before_you_start

    safety_text = "\n".join(lbl.text() for lbl in dialog.safety_page.findChildren(type(dialog.camera_result)))
    assert "Stop an exercise if it hurts" in safety_text
    assert all(section.heading in safety_text for section in before_you_start().sections)
    look("safety")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    look("routine")
    assert dialog.first_routine.id == "test-short-routine"
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: window.engine is not None)
    assert [e.id for e in window.engine.exercises] == ["test-cheek-strokes", "test-gentle-smile"]
    saved = load_settings(open_app_settings(tmp_path / "settings.ini"))
    assert saved.first_run_done and saved.affected_side == "left"
    from rehabcoach.ui import before_you_start as page

    assert not page.show_if_unread(window), "the safety page was read in the first run: not shown again"
    assert window.maybe_show_first_run() is None, "shown once only"
    assert pages == ["welcome", "side", "checks", "safety", "routine"]


def test_skipping_keeps_the_side_and_never_shows_it_again_unless_asked(window, tmp_path):
    dialog = window.maybe_show_first_run(modal=False)
    dialog.side_buttons["right"].click()
    dialog.skip_button.click()
    saved = load_settings(open_app_settings(tmp_path / "settings.ini"))
    assert saved.first_run_done and saved.affected_side == "none", "skipped: nothing chosen is kept"
    assert window.engine is None
    assert window.maybe_show_first_run() is None

    assert window.welcome_action.text() == "Welcome and checks…"  # Help menu: shows it again on request
    again = window.show_first_run(modal=False)
    assert again.isVisible()
    again.side_buttons["none"].click()
    for _ in range(5):
        again.next_button.click()
    assert not again.isVisible()
    assert load_settings(open_app_settings(tmp_path / "settings.ini")).affected_side == "none"


def test_no_voice_and_no_sound_say_why(window, qtbot):
    from rehabcoach.feedback import AudioUnavailable
    from rehabcoach.ui.speech_bridge import SilentSpeech

    def no_device():
        raise AudioUnavailable("no sound output device was found")

    window.speech = SilentSpeech("espeak-ng is missing")
    window.feedback = FeedbackService(no_device)
    dialog = window.show_first_run(modal=False)
    dialog.try_voice()
    dialog.try_sound()
    assert "espeak-ng is missing" in dialog.voice_result.text()
    assert dialog.sound_result.text() == "Sound feedback is off: no sound output device was found."
    dialog.skip()
