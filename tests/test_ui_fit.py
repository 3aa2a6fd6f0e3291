"""Every screen fits a small laptop: at 1280x720 and 1366x768 (less room for an OS panel and the title
bar) and at 1920x1080, no button or label lies outside the window, is cut by its parent or squeezed
below what its text needs (elided or clipped), with the default and a larger text size.  Screens are
filled with their longest usual content.  Screenshots: test-artifacts/screenshots/fit-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSize  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from rehabcoach.clock import ManualClock  # noqa: E402
from rehabcoach.coaching import cues  # noqa: E402
from rehabcoach.routines.loader import load_library  # noqa: E402
from rehabcoach.ui.settings import AppSettings, open_app_settings, save_settings  # noqa: E402
from rehabcoach.ui.speech_bridge import SilentSpeech  # noqa: E402
from tests.ui_fit import fit_problems  # noqa: E402

UI_LIBRARY = Path(__file__).resolve().parent / "ui_library"
# Window content sizes: the screen less a 40 px panel and a 30 px title bar.
SIZES = {"1280x720": (1280, 650), "1366x768": (1366, 698), "1920x1080": (1920, 1010)}
LONG_WARNING = "Your left eye is narrowing: keep your eye soft and open while you smile."
# The most the movement screen shows at once (cues.warning_lines): a long sentence, then every other region.
WARNING_LINES = [LONG_WARNING, "Also: right eyebrow, cheeks, nose and mouth corners"]
assert len(WARNING_LINES) == cues.MAX_WARNING_LINES


def fill_screen(window, name: str, clock: ManualClock) -> None:
    """Put ``window`` on screen ``name`` with its longest usual content."""
    if name == "home":
        window.show_home()
    elif name == "library":
        window.show_home()
        window.home.tabs.setCurrentIndex(1)
        window.home.select_exercise("test-gentle-smile")
    elif name == "step":
        window.start_exercise("test-cheek-strokes")
        window.toggle_pause()
    elif name in ("movement", "movement_warning", "calibration", "camera_missing"):
        window.start_exercise("test-cheek-strokes")  # controls shown, no camera started
        window._tick()
        if name.startswith("movement"):
            notice = "I can't see your face: move back into view. The hold timer waits for you."
            window.movement_screen.show_movement(
                title="Gentle smile (short)", position="Exercise 2 of 5", banner="Smile gently", countdown="hold 3",
                rep="Repetition 2 of 10", instruction="", levels={"left": 0.6, "right": 0.9},
                warnings=WARNING_LINES, notice=None if name == "movement_warning" else notice,
            )
            window.recalibrate_button.setVisible(True)
            name = "movement"
        elif name == "calibration":
            window.calibration_screen.show_status(
                0.4, "head_turned", "Your head is turned to your right: turn it back a little to look straight at the camera.")
            window.calibration_screen.show_paused(True)
        else:
            window.camera_missing_screen.show_problem(
                "The camera could not be started: camera 1 is used by another program.\n\n"
                "Check that the camera is plugged in and not used by another program, then try again.", 0)
        window._set_screen(name)
    elif name == "summary":
        window.start_routine("test-short-routine")
        window.stop()
    else:
        raise ValueError(name)
    QApplication.processEvents()


SCREENS = ("home", "library", "step", "calibration", "movement", "movement_warning", "camera_missing", "summary")
SESSION_SCREENS = ("step", "calibration", "movement", "movement_warning")  # used during an exercise: nothing to scroll to


@pytest.fixture
def make_window(qtbot, tmp_path):
    from rehabcoach.ui.main_window import MainWindow

    windows = []

    def make(text_size: int):
        store = open_app_settings(tmp_path / f"settings-{text_size}.ini")
        save_settings(store, AppSettings(text_size=text_size))
        clock = ManualClock(0.0)
        window = MainWindow(load_library(UI_LIBRARY), store, speech=SilentSpeech("test"),
                            clock_factory=lambda: clock)
        window.test_clock = clock
        windows.append(window)
        return window

    yield make
    for window in windows:
        window._end_session()
        window.close()
        window.deleteLater()


CASES = [(size, 20) for size in SIZES] + [("1280x720", 24), ("1366x768", 28), ("1920x1080", 40)]


@pytest.mark.parametrize(("size_name", "text_size"), CASES)
def test_every_screen_fits(make_window, qtbot, screenshot, size_name, text_size):
    window = make_window(text_size)
    size = SIZES[size_name]
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    failures = {}
    for name in SCREENS:
        fill_screen(window, name, window.test_clock)
        window.resize(*size)
        for _ in range(3):  # layouts settle over a few passes (fonts polished, scroll bars shown)
            QApplication.processEvents()
        problems = fit_problems(window, size, no_partial_scroll=name in SESSION_SCREENS)
        if problems:
            failures[name] = problems
        screenshot(window, f"fit-{size_name}-{text_size}pt-{name}")
        window._end_session()
    assert not failures, "\n".join(f"{screen}: {p}" for screen, problems in failures.items() for p in problems)


@pytest.mark.parametrize("text_size", [20, 28])
def test_the_settings_dialog_fits_a_small_laptop(make_window, qtbot, screenshot, text_size):
    from rehabcoach.ui.settings_dialog import SettingsDialog

    window = make_window(text_size)
    window.resize(*SIZES["1280x720"])
    window.show()
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(3):
        QApplication.processEvents()
    dialog.fit_screen(QSize(1280, 680))  # a 1280x720 screen's free area, less a 40 px panel
    for _ in range(3):
        QApplication.processEvents()
    hint = dialog.minimumSizeHint()
    assert hint.height() <= SIZES["1280x720"][1] and hint.width() <= SIZES["1280x720"][0], hint
    assert dialog.height() <= SIZES["1280x720"][1] and dialog.width() <= SIZES["1280x720"][0], dialog.size()
    QApplication.processEvents()
    problems = fit_problems(dialog, no_partial_scroll=text_size == 20)  # at 28 pt its choices may scroll
    assert not problems, problems
    screenshot(dialog, f"fit-settings-{text_size}pt")
