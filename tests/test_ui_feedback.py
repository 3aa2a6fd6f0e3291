"""Sound feedback and the "feel it" view in the real window, with the real session engine and guards,
on synthetic face frames (no model, no media): during an eyes-closed exercise the patient's LEFT mouth
corner pulls up in the middle of the hold.  The sound goes to a recording output advanced one frame's
worth of sound per frame shown, so what was played, when (against the session clock) and in which ear
is checked exactly.  Also: chimes at move, hold and relax; spoken warnings only when the voice is
chosen; the picture hidden with the measures still running and recorded; settings per profile."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from rehabcoach.coaching.events import RepCompleted, WarningEnded  # noqa: E402
from rehabcoach.coaching.session import SessionEngine, SessionSettings  # noqa: E402
from rehabcoach.feedback import AUDIBLE, FeedbackService, RecordingOutput  # noqa: E402
from rehabcoach.routines.loader import load_library  # noqa: E402
from rehabcoach.ui.capture_worker import CaptureThread  # noqa: E402
from rehabcoach.ui.settings import AppSettings, load_settings, open_app_settings, save_settings  # noqa: E402
from tests.synthetic_faces import REST, face_frame, resting_baseline  # noqa: E402
from tests.ui_doubles import FPS, Frames, RecordingSpeech  # noqa: E402

UI_LIBRARY = Path(__file__).resolve().parent / "ui_library"
# Instruction 1 s, get ready 1 s, move 1 s: the hold runs from 3 s to 7 s, the rest from 7 s to 8 s.
PULL = (4.2, 5.0)  # the left mouth corner lifts 0.06 IOD (twice the 0.03 threshold)



class EyesCloseLeftMouthPulls:
    """Eyes close from 2 s to 7 s; the left mouth corner pulls during PULL."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def process(self, frame):
        t = frame.timestamp
        eyes = REST["eye_aperture"] * (0.2 if 2.0 <= t < 7.0 else 1.0)
        lift = REST["mouth_corner_lift"] + (0.06 if PULL[0] <= t < PULL[1] else 0.0)
        return face_frame(t, frame.index, eye_aperture_left=eyes, eye_aperture_right=eyes,
                          mouth_corner_lift_left=lift)



@pytest.fixture
def run(qtbot, tmp_path):
    windows = []

    def start(warning_feedback="auto", hide_camera=False, frames=int(11 * FPS), output_factory=None):
        from rehabcoach.ui.main_window import MainWindow

        store = open_app_settings(tmp_path / "settings.ini")
        save_settings(store, AppSettings(warning_feedback=warning_feedback, hide_camera=hide_camera, tone_volume=100))
        output = RecordingOutput()
        feedback = FeedbackService(output_factory or (lambda: output), clock=output.now)
        speech = RecordingSpeech()
        capture_factory = functools.partial(
            CaptureThread, source_factory=lambda spec, loop: Frames(frames),
            pipeline_factory=EyesCloseLeftMouthPulls,
        )
        window = MainWindow(
            load_library(UI_LIBRARY), store, source=0, pace_source=False, lossless_frames=True,
            follow_frame_time=True, speech=speech, feedback=feedback,
            session_settings=SessionSettings(get_ready_seconds=1.0, move_seconds=1.0, done_seconds=1.0),
            engine_factory=functools.partial(SessionEngine, baseline=resting_baseline()),
            capture_factory=capture_factory,
        )
        window.resize(1280, 720)
        window.show()
        # One frame's worth of sound per frame shown; remember the session time of each block.
        timeline = []
        events = []

        def pump():
            timeline.append((output.now(), window.clock.now()))
            output.pump(1 / FPS)

        window.frame_shown.connect(pump)
        window.session_started.connect(lambda engine: engine.subscribe(events.append))
        windows.append(window)
        window.start_exercise("test-eye-closure")
        qtbot.waitUntil(lambda: window.current_screen() == "summary", timeout=60_000)
        return window, output, feedback, speech, timeline, events

    yield start
    for window in windows:
        window._end_session()
        window.close()


def sound_between(output, timeline, start_s, end_s):
    """Samples played while the session clock was between ``start_s`` and ``end_s``."""
    at = [out for out, session in timeline if start_s <= session < end_s]
    assert at, f"no frames between {start_s} and {end_s} s"
    times, samples = output.samples(since=at[0])
    return samples[times < at[-1] + 1 / FPS]


def test_a_left_mouth_pull_with_closed_eyes_sounds_in_the_left_ear_and_stops(run):
    window, output, feedback, speech, timeline, events = run()
    rest = sound_between(output, timeline, 3.95, 4.15)  # after the "hold" chime, before the pull
    assert np.abs(rest).max() < AUDIBLE, "the tone is silent while the mouth rests"
    pull = sound_between(output, timeline, PULL[0] + 0.15, PULL[1])
    left, right = np.sqrt((pull.astype(float) ** 2).mean(axis=0))
    assert left > AUDIBLE * 10 and left > 3 * right, (left, right)
    settled = sound_between(output, timeline, PULL[1] + 0.6, 6.9)  # before the "relax" chime
    assert np.abs(settled).max() < AUDIBLE, "the tone stops when the movement settles"

    # One onset, on the left, stamped with the capture time of the frame that showed the pull (the
    # capture-to-sound latency itself is measured by `python -m lab bench-window`).
    assert [side for side, _, _ in feedback.onsets] == ["left"]

    assert [phase for phase, _ in feedback.chimes_played] == ["move", "hold", "relax"]
    assert any(isinstance(e, WarningEnded) and e.event.side == "left" for e in events)
    assert any("left" in text and "mouth" in text for text in speech.said), \
        "automatic: the voice also names the warning"


def test_tone_only_keeps_the_voice_for_instructions_but_not_for_warnings(run):
    window, output, feedback, speech, timeline, events = run("tone")
    assert any(isinstance(e, WarningEnded) for e in events), "the guard still caught the pull"
    assert not any("mouth" in text for text in speech.said), speech.said
    assert "Close your eyes softly." in speech.said
    assert feedback.onsets


def test_voice_only_plays_no_tone_and_no_chime(run):
    window, output, feedback, speech, timeline, events = run("voice")
    _, samples = output.samples()
    assert np.abs(samples).max() < AUDIBLE
    assert not feedback.chimes_played
    assert any("mouth" in text for text in speech.said)


def test_feel_it_view_hides_the_picture_and_still_measures_and_records(run, screenshot, qtbot):
    window, output, feedback, speech, timeline, events = run(hide_camera=True)
    camera = window.movement_screen.camera
    assert camera.picture_hidden and camera.frames_received > 100, "frames still arrive"
    assert window.movement_screen.picture_button.text() == "Show my picture"
    reps = [e for e in events if isinstance(e, RepCompleted)]
    assert reps and reps[0].summary.events and reps[0].summary.events[0].side == "left", "measured and recorded"
    assert feedback.onsets, "coaching goes on by sound"

    # The drawn face shows the warned side's region: amber on the LEFT of the mirror-view drawing.
    window._set_screen("movement")
    camera.set_warned({("mouth", "left")})
    image = camera.grab().toImage()
    screenshot(window, "movement-feel-it")
    amber = [(x, y) for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)
             if _near(image.pixelColor(x, y), window.theme.warning)]
    assert amber and max(x for x, _ in amber) < image.width() / 2, "the warned region is the patient's left"
    grey = sum(1 for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
               if image.pixelColor(x, y).red() == 90 == image.pixelColor(x, y).green())
    assert grey == 0, "no camera pixels are shown"


def _near(colour, hex_colour) -> bool:
    from PySide6.QtGui import QColor

    target = QColor(hex_colour)
    return abs(colour.red() - target.red()) + abs(colour.green() - target.green()) + abs(colour.blue() - target.blue()) < 60


def test_hide_button_and_feedback_settings_are_remembered_per_profile(qtbot, tmp_path):
    from rehabcoach.ui.main_window import MainWindow

    store = open_app_settings(tmp_path / "settings.ini")
    window = MainWindow(load_library(UI_LIBRARY), store, speech=RecordingSpeech(),
                        feedback=FeedbackService(RecordingOutput))
    qtbot.addWidget(window)
    window.set_profile_name("Anna B")
    qtbot.mouseClick(window.movement_screen.picture_button, Qt.MouseButton.LeftButton)
    assert window.movement_screen.camera.picture_hidden
    assert load_settings(open_app_settings(tmp_path / "settings.ini"), "anna  b").hide_camera
    assert not load_settings(open_app_settings(tmp_path / "settings.ini")).hide_camera, "not for everyone"
    assert not load_settings(open_app_settings(tmp_path / "settings.ini"), "Ben").hide_camera

    window.set_profile_name("Ben")
    assert not window.movement_screen.camera.picture_hidden
    window.set_profile_name("Anna B")
    assert window.movement_screen.camera.picture_hidden


def test_without_a_sound_device_the_session_runs_silently_and_says_so_once(run):
    from rehabcoach.feedback import AudioUnavailable

    def no_device():
        raise AudioUnavailable("no sound output device was found")

    window, output, feedback, speech, timeline, events = run("both", output_factory=no_device)
    assert not feedback.available and not output.blocks
    assert any(isinstance(e, RepCompleted) for e in events), "the session went on"
    assert window._feedback_notice_shown
    assert any("mouth" in text for text in speech.said), "the voice still warns"


def test_first_window_size_fits_the_screen():
    from rehabcoach.ui.app import initial_size

    assert initial_size(1366 - 16, 768 - 40) == (1280, 728)  # a 1366x768 laptop: the preferred width, all the height
    assert initial_size(1280 - 16, 720 - 40) == (1264, 680)
    assert initial_size(1920 - 16, 1080 - 40) == (1280, 860)
    width, height = initial_size(3840 - 16, 2160 - 40)  # 4K at 100 %: a larger window, not a postage stamp
    assert 2400 < width < 3824 and 1500 < height < 2120
