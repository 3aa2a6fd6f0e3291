"""The camera in the window: missing at the start (choose another one, or carry on without it),
and unplugged in the middle of a session (the session waits with a message and resumes)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from rehabcoach.routines.loader import load_library  # noqa: E402
from rehabcoach.ui.capture_worker import CaptureThread  # noqa: E402
from rehabcoach.ui.settings import AppSettings, open_app_settings, save_settings  # noqa: E402
from rehabcoach.ui.speech_bridge import SilentSpeech  # noqa: E402
from rehabcoach.vision.sources import SourceLost, open_source  # noqa: E402

MEDIA = Path(__file__).resolve().parents[1] / ".." / "shared" / "media"
VIDEO = MEDIA / "liveportrait__driving_d10.mp4"
UI_LIBRARY = Path(__file__).resolve().parent / "ui_library"
NO_CAMERA = 9  # no machine running the tests has ten cameras
needs_video = pytest.mark.skipif(not VIDEO.is_file(), reason=f"recording {VIDEO.name} not found in {MEDIA}")


class LosesFramesAfter:
    """Wraps a source and fails like an unplugged camera after ``frames`` frames."""

    def __init__(self, source, frames):
        self.source, self.frames = source, frames
        self.fps, self.name = source.fps, source.name

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.source.close()

    def __iter__(self):
        for n, frame in enumerate(self.source):
            if n == self.frames:
                raise SourceLost("camera 1 stopped delivering images")
            yield frame


@pytest.fixture
def make_window(qtbot, tmp_path):
    from rehabcoach.ui.main_window import MainWindow

    windows = []

    def make(open_camera, camera=NO_CAMERA):
        store = open_app_settings(tmp_path / "settings.ini")
        save_settings(store, AppSettings(camera=camera))
        capture_factory = functools.partial(CaptureThread, source_factory=open_camera)
        win = MainWindow(
            load_library(UI_LIBRARY), store, speech=SilentSpeech("test"), capture_factory=capture_factory,
            pace_source=False, lossless_frames=True, follow_frame_time=True,
        )
        win.resize(1280, 860)
        windows.append(win)
        win.show()
        return win

    yield make
    for win in windows:
        win._end_session()
        win.close()
        win.deleteLater()


def test_no_camera_offers_to_continue_without_it(make_window, qtbot, screenshot):
    window = make_window(lambda spec, loop: open_source(spec, loop=loop))
    window.start_exercise("test-gentle-smile")
    qtbot.waitUntil(lambda: window.current_screen() == "camera_missing", timeout=20_000)
    screen = window.camera_missing_screen
    assert "could not be started" in screen.message.text()
    assert f"camera {NO_CAMERA} cannot be opened" in screen.message.text()
    assert "continue with the massage and relaxation" in screen.message.text()
    screenshot(window, "camera-missing")
    qtbot.mouseClick(screen.continue_button, pytest.importorskip("PySide6.QtCore").Qt.MouseButton.LeftButton)
    assert window.current_screen() == "summary"
    result = window.summary_screen.cards["test-gentle-smile"]
    assert "Skipped: no camera" in " ".join(label.text() for label in result.findChildren(type(screen.message)))


@needs_video
def test_choosing_another_camera_starts_calibration(make_window, qtbot):
    # "Camera 2" (index 1) is the recording; the configured camera does not exist.
    def open_camera(spec, loop):
        return open_source(str(VIDEO) if spec == 1 else spec, loop=True)

    window = make_window(open_camera)
    window.start_exercise("test-gentle-smile")
    qtbot.waitUntil(lambda: window.current_screen() == "camera_missing", timeout=20_000)
    screen = window.camera_missing_screen
    screen.camera_choice.setCurrentIndex(screen.camera_choice.findData(1))
    screen.retry_button.click()
    qtbot.waitUntil(lambda: window.current_screen() == "calibration", timeout=20_000)
    assert window.settings.camera == 1, "the camera that works is remembered"
    qtbot.waitUntil(lambda: window.current_screen() == "movement", timeout=60_000)


@needs_video
def test_camera_unplugged_mid_session_waits_and_resumes(make_window, qtbot):
    unplug = [True]

    def open_camera(spec, loop):
        source = open_source(str(VIDEO), loop=True)
        # The first time, the camera goes away once calibration is done and a rep has begun.
        return LosesFramesAfter(source, 150) if unplug and unplug.pop() else source

    window = make_window(open_camera, camera=1)
    window.start_exercise("test-gentle-smile")
    qtbot.waitUntil(lambda: window.current_screen() == "movement", timeout=60_000)
    qtbot.waitUntil(lambda: window.current_screen() == "camera_missing", timeout=60_000)
    assert "stopped sending pictures" in window.camera_missing_screen.message.text()
    assert not window.engine.finished, "the session waits; it is not over"
    assert window.engine.state.camera_available is False

    window.camera_missing_screen.retry_button.click()
    qtbot.waitUntil(lambda: window.current_screen() == "calibration", timeout=20_000)
    qtbot.waitUntil(lambda: window.current_screen() == "summary", timeout=120_000)
    summary = window.engine.summary.exercises[0]
    assert summary.status == "completed" and summary.reps_done == 2
