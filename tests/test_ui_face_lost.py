"""What the patient sees when the face leaves the picture: during calibration, specific help; during
a hold, the timer waits and the screen says why.  Synthetic frames (no model, no media); the engine
is the real one, with a known baseline and a steady target meter so only face loss matters."""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from rehabcoach.coaching.session import SessionEngine, SessionSettings  # noqa: E402
from rehabcoach.coaching.types import Baseline  # noqa: E402
from rehabcoach.routines.loader import load_library  # noqa: E402
from rehabcoach.ui.capture_worker import CaptureThread  # noqa: E402
from rehabcoach.ui.settings import open_app_settings  # noqa: E402
from rehabcoach.ui.speech_bridge import SilentSpeech  # noqa: E402
from rehabcoach.vision.types import FaceFrame, HeadPose  # noqa: E402
from tests.ui_doubles import Frames  # noqa: E402

UI_LIBRARY = Path(__file__).resolve().parent / "ui_library"



class FacePresent:
    """A pipeline that sees a face except between ``lost_from`` and ``lost_to`` seconds."""

    def __init__(self, lost_from=None, lost_to=None):
        self.lost_from, self.lost_to = lost_from, lost_to

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def process(self, frame):
        lost = self.lost_from is not None and self.lost_from <= frame.timestamp < self.lost_to
        return FaceFrame(index=frame.index, timestamp=frame.timestamp, face=not lost)


class HeadTurned:
    """A pipeline that sees a face, turned 25 degrees (past the guards' limit) between ``from_s`` and ``to_s``."""

    def __init__(self, from_s, to_s):
        self.from_s, self.to_s = from_s, to_s

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def process(self, frame):
        yaw = 25.0 if self.from_s <= frame.timestamp < self.to_s else 0.0
        return FaceFrame(index=frame.index, timestamp=frame.timestamp, face=True, pose=HeadPose(yaw, 0.0, 0.0))


class SteadyTarget:
    def __init__(self, target, baseline):
        self.best = {side: 0.0 for side in target.sides}
        self.current = dict(self.best)

    def share(self, frame, side):
        return 0.6

    def reset(self):
        self.best = {side: 0.0 for side in self.best}

    def update(self, frame):
        levels = {side: 0.6 for side in self.best}
        self.best = dict(levels)
        return levels


class QuietGuard:
    levels: dict = {}

    def __init__(self, guards, baseline, affected_side=None):
        pass

    def reset(self):
        pass

    def update(self, frame, *, armed=True):
        return []

    def pop_finished(self):
        return []

    def finish(self, timestamp):
        return []

    def retune(self, guards):
        pass

    def region_peaks(self):
        return ()


BASELINE = Baseline(measures={}, noise={}, pose=HeadPose(0.0, 0.0, 0.0), frames=24)


def make_window(qtbot, tmp_path, pipeline, *, baseline=None, frames=600):
    from rehabcoach.ui.main_window import MainWindow

    engine_factory = functools.partial(
        SessionEngine, baseline=baseline, guard_factory=QuietGuard, target_factory=SteadyTarget
    )
    capture_factory = functools.partial(
        CaptureThread, source_factory=lambda spec, loop: Frames(frames), pipeline_factory=lambda: pipeline
    )
    win = MainWindow(
        load_library(UI_LIBRARY), open_app_settings(tmp_path / "settings.ini"), source=0,
        pace_source=False, lossless_frames=True, follow_frame_time=True, speech=SilentSpeech("test"),
        session_settings=SessionSettings(get_ready_seconds=1.0, move_seconds=1.0, done_seconds=1.0),
        engine_factory=engine_factory, capture_factory=capture_factory,
    )
    win.resize(1280, 860)
    win.show()
    return win


def test_the_hold_waits_while_the_face_is_out_of_view(qtbot, tmp_path, screenshot):
    # Instruction 1 s, get ready 1 s, move 1 s: the first hold starts at 3 s; the face leaves at 3.5 s.
    window = make_window(qtbot, tmp_path, FacePresent(lost_from=3.5, lost_to=6.0), baseline=BASELINE)
    seen = {}

    def look():
        state = window.engine.state if window.engine else None
        if state and state.phase == "hold" and state.face_lost and 5.4 <= window.clock.now() and "lost" not in seen:
            seen["lost"] = (window.movement_screen.notice.text(), window.movement_screen.notice.isVisible(),
                            state.phase_seconds_remaining, window.movement_screen.countdown.text())
            screenshot(window, "movement-face-lost")
            window.apply_settings(replace(window.settings, high_contrast=True))
            screenshot(window, "movement-face-lost-high-contrast")
            window.apply_settings(replace(window.settings, high_contrast=False))

    window.frame_shown.connect(look)
    try:
        window.start_exercise("test-gentle-smile")
        qtbot.waitUntil(lambda: "lost" in seen, timeout=30_000)
        text, visible, remaining, countdown = seen["lost"]
        assert visible and "can't see your face" in text and "hold timer waits" in text
        # 0.5 s of hold with the face, plus the 0.3 s grace: about 1.2 s of the 2 s hold are left.
        assert remaining == pytest.approx(1.2, abs=0.1)
        assert countdown == "hold 2"
        qtbot.waitUntil(lambda: window.engine.state.rep == 2, timeout=30_000)
        assert window.engine.clock.now() > 6.0, "rep 1 ended while the face was still missing"
    finally:
        window._end_session()
        window.close()


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
def test_a_head_turned_during_the_hold_is_told_to_face_the_camera(qtbot, tmp_path, screenshot, size):
    # The first hold runs from 3 to 5 s; the head turns at 3.5 s: told from 4.5 s, while the hold goes on.
    window = make_window(qtbot, tmp_path, HeadTurned(3.5, 6.0), baseline=BASELINE)
    window.resize(*size)
    seen = {}

    def look():
        state = window.engine.state if window.engine else None
        if state and state.phase == "hold" and state.face_turned and window.clock.now() >= 4.6 and "turned" not in seen:
            seen["turned"] = (window.movement_screen.notice.text(), window.movement_screen.notice.isVisible())
            screenshot(window, f"movement-head-turned-{size[0]}x{size[1]}")
        if state and state.rep == 2 and state.phase in ("move", "hold") and "back" not in seen:
            seen["back"] = window.movement_screen.notice.isVisible()

    window.frame_shown.connect(look)
    try:
        window.start_exercise("test-gentle-smile")
        qtbot.waitUntil(lambda: "turned" in seen and "back" in seen, timeout=30_000)
        text, visible = seen["turned"]
        assert visible and text == "Your head is turned to your left: turn it back a little, so I can see the movement."
        assert "timer" not in text  # the face is seen, so the hold does not wait
        assert seen["back"] is False  # facing the camera again: the notice is gone
    finally:
        window._end_session()
        window.close()


def test_calibration_says_what_is_wrong(qtbot, tmp_path, screenshot):
    window = make_window(qtbot, tmp_path, FacePresent(lost_from=0.0, lost_to=1e9))
    try:
        window.start_exercise("test-gentle-smile")
        qtbot.waitUntil(
            lambda: window.current_screen() == "calibration" and "can't see your face" in window.calibration_screen.help.text(),
            timeout=30_000,
        )
        assert window.calibration_screen.help.property("role") == "warning"
        assert window.calibration_screen.progress.value() == 0
        screenshot(window, "calibration-no-face")
    finally:
        window._end_session()
        window.close()


def test_calibration_says_which_way_to_turn_back(qtbot, tmp_path, screenshot):
    window = make_window(qtbot, tmp_path, HeadTurned(0.0, 1e9))  # turned 25 degrees to the patient's left throughout
    window.resize(1280, 720)
    try:
        window.start_exercise("test-gentle-smile")
        qtbot.waitUntil(lambda: window.current_screen() == "calibration" and "turned" in window.calibration_screen.help.text(),
                        timeout=30_000)
        assert window.calibration_screen.help.text() == (
            "Your head is turned to your left: turn it back a little to look straight at the camera.")
        assert window.calibration_screen.progress.value() == 0
        screenshot(window, "calibration-head-turned-1280x720")
    finally:
        window._end_session()
        window.close()
