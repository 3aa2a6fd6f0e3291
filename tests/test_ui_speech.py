"""The window speaks through the real speech service (one engine, on its own thread, with a queue),
here with a recording speaker: cues arrive in order, off the GUI thread, a new step interrupts a
stale cue, mute silences, the rate setting reaches the speaker."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from rehabcoach.clock import ManualClock  # noqa: E402
from rehabcoach.routines.loader import load_library  # noqa: E402
from rehabcoach.speech import RecordingSpeaker, SpeechService  # noqa: E402
from rehabcoach.ui.settings import AppSettings, open_app_settings, save_settings  # noqa: E402

UI_LIBRARY = Path(__file__).resolve().parent / "ui_library"


@pytest.fixture
def speaker():
    return RecordingSpeaker(seconds_per_utterance=0.3)  # takes time, like real speech


@pytest.fixture
def window(qtbot, tmp_path, speaker):
    from rehabcoach.ui.main_window import MainWindow

    store = open_app_settings(tmp_path / "settings.ini")
    save_settings(store, AppSettings(speech_rate=140))
    service = SpeechService(lambda: speaker)
    clock = ManualClock(0.0)
    win = MainWindow(load_library(UI_LIBRARY), store, speech=service, clock_factory=lambda: clock)
    win.clock_for_test = clock
    win.resize(1280, 860)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    win._end_session()
    win.close()
    service.close()


def test_cues_are_spoken_in_order_on_one_speech_thread(window, speaker, qtbot):
    window.start_exercise("test-cheek-strokes")
    qtbot.waitUntil(lambda: speaker.said[-1:] == ["Stroke slowly outwards."], timeout=5000)
    assert speaker.threads and threading.get_ident() not in speaker.threads, "speech ran on the GUI thread"
    assert len(speaker.threads) == 1
    assert speaker.rates == [140]

    # A new step while the old cue is still being said: the stale cue is cut short.
    window.start_exercise("test-cheek-strokes")
    qtbot.waitUntil(lambda: speaker.said.count("Stroke slowly outwards.") == 2, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: speaker.said[-1:] == ["Small circles."], timeout=5000)
    assert "Stroke slowly outwards." in speaker.interrupted

    qtbot.keyClick(window, Qt.Key.Key_M)  # mute
    said = len(speaker.said)
    qtbot.keyClick(window, Qt.Key.Key_Left)
    qtbot.wait(400)
    assert len(speaker.said) == said, "muted, yet something was spoken"
    assert len(speaker.threads) == 1
