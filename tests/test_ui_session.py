"""A whole short routine in the real window, driven end to end by a recording (--source) with the
session clock following the recording's time, so it runs faster than real time.

The face pipeline, calibration and target meter are the real ones.  The guard monitor is scripted
("the engine reports a warning on the patient's left eye after half a second of each hold") so the
test can check that the warning is shown at once, in words, on the correct side of the mirrored
picture, and spoken once within the reminder cooldown.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from rehabcoach.coaching.events import PhaseChanged  # noqa: E402
from rehabcoach.coaching.guards import warning_message  # noqa: E402
from rehabcoach.coaching.session import SessionEngine, SessionSettings  # noqa: E402
from rehabcoach.coaching.types import ActiveWarning, MovementEvent  # noqa: E402
from rehabcoach.routines.loader import load_library  # noqa: E402

MEDIA = Path(__file__).resolve().parents[1] / ".." / "shared" / "media"
VIDEO = MEDIA / "liveportrait__driving_d10.mp4"
UI_LIBRARY = Path(__file__).resolve().parent / "ui_library"

pytestmark = [
    pytest.mark.media,
    pytest.mark.skipif(not VIDEO.is_file(), reason=f"recording {VIDEO.name} not found in {MEDIA} (shared media absent)"),
]


class RecordingSpeech:
    """Stands in for the speech service: remembers what the window asked it to say."""

    available = True
    status_message = ""
    busy = False

    def __init__(self):
        self.said: list[tuple[str, bool]] = []
        self.muted = False
        self.rate = None

    def say(self, text, *, interrupt=False):
        if not self.muted:
            self.said.append((text, interrupt))

    def set_rate(self, wpm):
        self.rate = wpm

    def set_muted(self, muted):
        self.muted = muted

    def close(self):
        pass


class ScriptedLeftEyeGuard:
    """A guard monitor that reports the patient's left eye narrowing once it has watched 0.5 s."""

    def __init__(self, guards, baseline, affected_side=None):
        self.guards = guards
        self.reset()

    levels: dict = {}

    def reset(self):
        self._first = None
        self._since = None
        self._finished = []

    def update(self, frame, armed=True):
        if self._first is None:
            self._first = frame.timestamp
        if frame.timestamp - self._first < 0.5:
            return []
        if self._since is None:
            self._since = frame.timestamp
        message = warning_message("eye", "left", "eye_aperture", -0.3)
        return [ActiveWarning("eye", "left", "eye_aperture", self._since, -0.3, message)]

    def pop_finished(self):
        finished, self._finished = self._finished, []
        return finished

    def retune(self, guards):
        self.guards = guards

    def region_peaks(self):
        return ()

    def finish(self, timestamp):
        if self._since is None:
            return []
        event = MovementEvent("eye", "left", "eye_aperture", self._since, timestamp, -0.3, 0.25)
        self._since = None
        self._first = None
        return [event]


def amber_pixels_x(image, colour: str) -> np.ndarray:
    """x positions of the pixels that have the warning colour in a QImage."""
    from PySide6.QtGui import QColor, QImage

    target = QColor(colour)
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * height)
    rows = data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3).astype(int)
    close = np.abs(rows - np.array([target.red(), target.green(), target.blue()])).sum(axis=2) < 40
    return np.nonzero(close)[1]


@pytest.fixture
def window(qtbot, tmp_path):
    from rehabcoach.ui.main_window import MainWindow
    from rehabcoach.ui.settings import open_app_settings

    speech = RecordingSpeech()
    engine_factory = functools.partial(SessionEngine, guard_factory=ScriptedLeftEyeGuard)
    win = MainWindow(
        load_library(UI_LIBRARY),
        open_app_settings(tmp_path / "settings.ini"),
        source=str(VIDEO),
        loop_source=True,
        pace_source=False,
        lossless_frames=True,
        follow_frame_time=True,
        speech=speech,
        session_settings=SessionSettings(get_ready_seconds=1.0, move_seconds=1.0, done_seconds=1.0),
        engine_factory=engine_factory,
    )
    win.resize(1280, 860)
    qtbot.addWidget(win)
    win.show()
    yield win
    win._end_session()


def test_short_routine_end_to_end(window, qtbot, screenshot):
    screens: list[str] = []
    phases: list[tuple[str, int | None]] = []
    warning_checks: list[dict] = []
    shots: set[str] = set()

    window.screen_changed.connect(lambda name: screens.append(name))
    window.session_started.connect(lambda engine: engine.subscribe(
        lambda event: phases.append((event.phase, event.rep)) if isinstance(event, PhaseChanged) else None
    ))

    def after_frame():
        state = window.engine.state if window.engine else None
        if state is None:
            return
        if state.screen == "step" and "step" not in shots:
            shots.add("step")
            screenshot(window, "step")
        if state.screen == "calibration" and state.calibration and state.calibration.progress > 0.4 \
                and "calibration" not in shots:
            shots.add("calibration")
            screenshot(window, "calibration")
        if state.screen == "movement" and state.phase == "move" and "movement" not in shots:
            shots.add("movement")
            screenshot(window, "movement")
        if state.warnings and not warning_checks:
            view = window.movement_screen.camera
            image = view.grab().toImage()
            xs = amber_pixels_x(image, window.theme.warning)
            warning_checks.append({
                "text": window.movement_screen.warning.text(),
                "visible": window.movement_screen.warning.isVisible(),
                "warned": view.warned(),
                "amber_x": xs,
                "width": image.width(),
                "phase": state.phase,
            })
            screenshot(window, "movement-warning")

    window.frame_shown.connect(after_frame)
    window.start_routine("test-short-routine")
    qtbot.waitUntil(lambda: window.current_screen() == "summary", timeout=180_000)
    screenshot(window, "summary")

    # Screens, in order.
    order = [s for i, s in enumerate(screens) if i == 0 or screens[i - 1] != s]
    assert order == ["step", "calibration", "movement", "summary"]

    # Phases: the instruction, then get ready / move / hold / relax for each of the two reps, then done.
    expected = [("instruction", None)]
    for rep in (1, 2):
        expected += [("get_ready", rep), ("move", rep), ("hold", rep), ("relax", rep)]
    expected.append(("done", None))
    assert phases == expected

    # The warning: in words, on the patient's left, drawn on the LEFT half of the mirrored picture.
    assert warning_checks, "no warning was shown"
    check = warning_checks[0]
    assert check["visible"]
    assert check["text"].startswith("Your left eye is narrowing: soften the smile")
    assert check["warned"] == {("eye", "left")}
    assert check["phase"] in ("move", "hold")
    assert len(check["amber_x"]) > 30, "the warning outline was not painted"
    assert np.median(check["amber_x"]) < check["width"] / 2

    # Spoken once: the second rep's warning falls inside the reminder cooldown.
    spoken = [text for text, _ in window.speech.said]
    assert spoken.count("Your left eye is narrowing: soften the smile") == 1
    assert "Smile gently" in spoken and "Hold" in spoken and "Relax" in spoken

    # The summary: both reps, the warnings per side and region, and the safety note.
    summary = window.summary_screen
    movement = window.engine.summary.exercises[1] if window.engine else None
    assert movement is not None and movement.reps_done == 2 and movement.status == "completed"
    tallies = {(t.region, t.side): t.count for t in movement.warnings}
    assert tallies == {("eye", "left"): 2}
    card_text = " ".join(w.text() for w in summary.cards["test-gentle-smile"].findChildren(type(summary.heading)))
    assert "2 of 2 repetitions" in card_text
    assert "Your left eye moved 2 times" in card_text
    assert any("does not diagnose" in w.text() for w in summary.findChildren(type(summary.heading)))
