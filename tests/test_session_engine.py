"""The session engine on a ManualClock with hand-built face frames: no camera, no model, faster than real time."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rehabcoach.clock import ManualClock
from rehabcoach.coaching import cues
from rehabcoach.coaching.events import (
    CalibrationDone,
    ExerciseCompleted,
    PhaseChanged,
    RepCompleted,
    SessionFinished,
    SpeakRequest,
    StepChanged,
    WarningEnded,
    WarningStarted,
)
from rehabcoach.coaching.session import SessionEngine, SessionSettings
from rehabcoach.coaching.types import ActiveWarning, Baseline, MovementEvent, ResolvedGuard, ResolvedTarget
from rehabcoach.routines.models import Step
from rehabcoach.routines.resolve import ResolvedExercise
from rehabcoach.vision.catalogue import MEASURES, SIDES
from rehabcoach.vision.types import FaceFrame, FaceQuality, HeadPose

FPS = 30.0
REST = {
    "eye_aperture": 0.30,
    "brow_height": 0.40,
    "mouth_corner_lift": -0.70,
    "mouth_corner_excursion": 0.45,
    "lip_width": 0.40,
    "cheek_raise": -0.20,
    "nose_wrinkle": -0.45,
}


def face_frame(t: float, *, face: bool = True, smile: float = 0.0, eye_left: float = 1.0, yaw: float = 0.0) -> FaceFrame:
    """A synthetic frame: resting values, a smile of ``smile`` IOD on both mouth corners, the left eye scaled,
    the head turned ``yaw`` degrees."""
    if not face:
        return FaceFrame(index=int(t * FPS), timestamp=t, face=False)
    measures = {name: {side: REST[name] for side in SIDES} for name in MEASURES}
    for side in SIDES:
        measures["mouth_corner_excursion"][side] += smile
    measures["eye_aperture"]["left"] *= eye_left
    return FaceFrame(index=int(t * FPS), timestamp=t, face=True, measures=measures, pose=HeadPose(yaw, 0.0, 0.0))


def massage(ex_id: str = "cheek-strokes") -> ResolvedExercise:
    return ResolvedExercise(
        id=ex_id, title="Cheek strokes", category="massage", description="Slow strokes over the cheeks.",
        steps=(Step(instruction="Sit comfortably.", cue="Sit comfortably.", seconds=5),
               Step(instruction="Stroke outwards.", cue="Stroke outwards.", reps=3)),
        reps=None, hold_seconds=None, rest_seconds=None, target=None, guards=(),
        illustration=Path("x.svg"), duration_seconds=17,
    )


SMILE_TARGET = ResolvedTarget("mouth", "mouth_corner_excursion", ("left", "right"), "increase", 0.05)
EYE_GUARD = ResolvedGuard("eye", "eye_aperture", ("left", "right"), "decrease", 0.20, 0.5)


def smile(ex_id: str = "gentle-smile", reps: int = 2, hold: float = 5.0, rest: float = 3.0) -> ResolvedExercise:
    return ResolvedExercise(
        id=ex_id, title="Gentle smile", category="movement", description="A small smile, eyes soft.",
        steps=(Step(instruction="Smile gently, keep your eyes soft.", cue="Smile gently, eyes soft.", seconds=4),),
        reps=reps, hold_seconds=hold, rest_seconds=rest, target=SMILE_TARGET, guards=(EYE_GUARD,),
        illustration=Path("x.svg"), duration_seconds=40,
    )


class Driver:
    """Runs an engine like the window does: ticks and frames at 30 fps on a manual clock."""

    def __init__(self, exercises, settings: SessionSettings | None = None, **kwargs):
        self.clock = ManualClock()
        self.engine = SessionEngine(exercises, self.clock, settings or SessionSettings(), **kwargs)
        self.events: list = []
        self.engine.subscribe(self.events.append)
        # What the simulated face does, as a function of the engine state.
        self.face = lambda state: face_frame(self.clock.now(), smile=0.06 if state.phase in ("move", "hold") else 0)
        self.camera = True

    def run(self, seconds: float, *, until=None) -> None:
        steps = int(round(seconds * FPS))
        for _ in range(steps):
            self.clock.advance(1 / FPS)
            self.engine.tick()
            state = self.engine.state
            if self.camera and state.needs_face and not state.paused:
                self.engine.on_face_frame(self.face(state))
            if until is not None and until(self.engine.state):
                return
            if self.engine.finished:
                return

    def of(self, kind):
        return [e for e in self.events if isinstance(e, kind)]

    def spoken(self) -> list[str]:
        return [e.text for e in self.of(SpeakRequest)]


def test_whole_routine_runs_faster_than_real_time_with_real_monitors():
    import time

    driver = Driver([massage(), smile(reps=2), massage("eye-circles")])
    driver.engine.start()
    wall = time.perf_counter()
    driver.run(600)
    wall = time.perf_counter() - wall
    engine = driver.engine
    assert engine.finished and engine.summary.completed
    # 17 s massage + calibration (24 frames) + 4 s instruction + 2 x (2 + 1.5 + 5 + 3) + 3 s done + 17 s massage
    assert 61 < engine.summary.duration_s < 66
    assert wall < engine.summary.duration_s / 5, "a session must run much faster than real time"
    assert len(driver.of(CalibrationDone)) == 1
    reps = [e.summary for e in driver.of(RepCompleted)]
    assert [r.rep for r in reps] == [1, 2]
    assert all(r.target_reached == {"left": 1.0, "right": 1.0} for r in reps)  # 0.06 smile > 0.05 achieved
    assert all(r.events == [] and r.face_missing_s == 0 for r in reps)
    assert reps[0].thresholds == {"eye_aperture": 0.20}
    by_id = {s.exercise_id: s for s in engine.summary.exercises}
    assert by_id["gentle-smile"].status == "completed" and by_id["gentle-smile"].reps_done == 2
    assert by_id["gentle-smile"].target_reached == {"left": 1.0, "right": 1.0}
    assert by_id["eye-circles"].status == "completed"
    assert engine.state.screen == "summary" and engine.state.progress == 1.0
    assert len(driver.of(SessionFinished)) == 1


def test_movement_phases_in_order_with_their_cues_and_lengths():
    driver = Driver([smile(reps=2, hold=5, rest=3)], baseline=None)
    driver.engine.start()
    driver.run(120)
    phases = [(e.phase, e.rep, e.seconds, e.cue) for e in driver.of(PhaseChanged)]
    assert phases == [
        ("instruction", None, 4, "Smile gently, eyes soft."),
        ("get_ready", 1, 2.0, "Get ready"), ("move", 1, 1.5, "Smile gently"), ("hold", 1, 5, "Hold"),
        ("relax", 1, 3, "Relax"),
        ("get_ready", 2, 2.0, "Get ready"), ("move", 2, 1.5, "Smile gently"), ("hold", 2, 5, "Hold"),
        ("relax", 2, 3, "Relax"),
        ("done", None, 3.0, cues.EXERCISE_DONE),
    ]
    starts = [e.at for e in driver.of(PhaseChanged)]
    assert starts[2] - starts[1] == pytest.approx(2.0, abs=0.04)  # get_ready lasts 2 s
    assert starts[4] - starts[3] == pytest.approx(5.0, abs=0.04)  # hold lasts 5 s
    spoken = driver.spoken()
    # The hold is counted down aloud, once per number, after "Hold".
    first_hold = spoken.index("Hold")
    assert spoken[first_hold + 1:first_hold + 4] == ["3", "2", "1"]
    assert spoken.count("3") == 2


def test_massage_steps_by_seconds_and_by_reps_with_counting():
    driver = Driver([massage()])
    driver.engine.start()
    state = driver.engine.state
    assert (state.screen, state.step_index, state.phase_seconds, state.rep) == ("step", 0, 5, None)
    driver.run(5.5)
    state = driver.engine.state
    assert (state.step_index, state.phase_seconds, state.rep, state.reps) == (1, 12.0, 1, 3)
    driver.run(4.0)
    assert driver.engine.state.rep == 2
    assert driver.engine.state.phase_seconds_remaining == pytest.approx(12 - 4.5, abs=0.05)
    driver.run(10)
    assert driver.engine.finished
    assert [e.step_index for e in driver.of(StepChanged)] == [0, 1]
    assert driver.spoken()[:4] == ["Sit comfortably.", "Stroke outwards.", "2", "3"]


def test_pause_freezes_time_and_a_paused_hold_restarts_the_rep():
    driver = Driver([smile(reps=1)])
    driver.engine.start()
    driver.run(60, until=lambda s: s.phase == "hold")
    driver.run(1.0)
    driver.engine.pause()
    assert driver.engine.state.paused
    before = driver.engine.state
    driver.clock.advance(100)  # a long pause: nothing moves
    driver.engine.tick()
    assert driver.engine.state.phase == before.phase and driver.engine.state.paused
    driver.engine.resume()
    state = driver.engine.state
    assert not state.paused and state.phase == "get_ready" and state.rep == 1  # half a hold is not a rep
    assert driver.of(RepCompleted) == []
    driver.run(60)
    assert [e.summary.rep for e in driver.of(RepCompleted)] == [1]


def test_pause_during_a_massage_step_resumes_where_it_was():
    driver = Driver([massage()])
    driver.engine.start()
    driver.run(2.0)
    driver.engine.pause()
    driver.clock.advance(30)
    driver.engine.tick()
    driver.engine.resume()
    assert driver.engine.state.step_index == 0
    assert driver.engine.state.phase_seconds_remaining == pytest.approx(3.0, abs=0.05)
    assert cues.RESUMED in driver.spoken()


def test_skip_previous_and_repeat():
    driver = Driver([massage("first"), massage("second"), massage("third")])
    engine = driver.engine
    engine.start()
    engine.skip()
    assert (engine.state.exercise.id, engine.state.step_index) == ("first", 1)
    engine.skip()
    assert (engine.state.exercise.id, engine.state.step_index) == ("second", 0)
    engine.previous()
    assert (engine.state.exercise.id, engine.state.step_index) == ("first", 0)
    engine.skip(), engine.skip()
    driver.run(3)
    engine.repeat()
    assert (engine.state.exercise.id, engine.state.step_index) == ("second", 0)
    assert engine.state.phase_seconds_remaining == 5
    engine.skip(), engine.skip(), engine.skip()
    assert engine.state.exercise.id == "third"
    engine.stop()
    summary = engine.summary
    assert not summary.completed
    assert [(s.exercise_id, s.status) for s in summary.exercises] == [
        ("first", "skipped"), ("second", "skipped"), ("third", "stopped")]


def test_skip_during_reps_moves_to_the_next_exercise_and_keeps_reps_done():
    driver = Driver([smile(reps=3), massage()])
    driver.engine.start()
    driver.run(120, until=lambda s: s.rep == 2 and s.phase == "move")
    driver.engine.skip()
    assert driver.engine.state.exercise.id == "cheek-strokes"
    done = driver.of(ExerciseCompleted)[0].summary
    assert (done.exercise_id, done.status, done.reps_done, done.reps_planned) == ("gentle-smile", "skipped", 1, 3)


def test_previous_during_reps_restarts_the_exercise_without_recalibrating():
    driver = Driver([smile(reps=3)])
    driver.engine.start()
    driver.run(120, until=lambda s: s.rep == 2 and s.phase == "hold")
    driver.engine.previous()
    state = driver.engine.state
    assert (state.screen, state.phase, state.step_index) == ("movement", "instruction", 0)
    assert len(driver.of(CalibrationDone)) == 1
    driver.run(200)
    assert driver.engine.summary.exercises[0].reps_done == 4  # one before, three after the restart


def test_calibration_is_required_before_the_first_movement_exercise_only():
    driver = Driver([massage(), smile(reps=1), smile("second-smile", reps=1)])
    engine = driver.engine
    engine.start()
    assert engine.state.screen == "step" and not engine.state.needs_face
    engine.skip(), engine.skip()
    state = engine.state
    assert state.screen == "calibration" and state.needs_face and not state.baseline_ready
    driver.clock.advance(30)
    engine.tick()
    assert engine.state.screen == "calibration", "calibration waits for the face, not for time"
    driver.run(2)
    assert engine.state.screen == "movement" and engine.state.phase == "instruction"
    assert engine.state.calibration.done
    driver.run(200, until=lambda s: s.exercise is not None and s.exercise.id == "second-smile")
    assert engine.state.screen == "movement", "the baseline is reused"
    assert len(driver.of(CalibrationDone)) == 1


def test_calibration_reports_the_problem_and_can_be_redone():
    driver = Driver([smile(reps=1)])
    driver.face = lambda state: face_frame(driver.clock.now(), face=False)
    driver.engine.start()
    driver.run(2)
    state = driver.engine.state
    assert state.screen == "calibration" and state.calibration.problem == "no_face"
    assert state.face_lost and state.face_lost_reason == cues.FACE_LOST
    assert cues.FACE_LOST in driver.spoken()
    driver.face = lambda state: face_frame(driver.clock.now())
    driver.run(2)
    assert driver.engine.state.screen == "movement"
    driver.engine.recalibrate()
    assert driver.engine.state.screen == "calibration"
    driver.run(2)
    assert len(driver.of(CalibrationDone)) == 2
    assert driver.engine.state.phase == "instruction"


@pytest.mark.parametrize("placement_checks, calibrated", [(True, False), (False, True)])
def test_a_recording_is_calibrated_with_its_face_small_in_the_picture(placement_checks, calibrated):
    # Live, the patient is asked to move closer; a recording (session --source FILE) cannot be, so its face is
    # taken where it is (SessionSettings.placement_checks, from FrameSource.recorded).
    driver = Driver([smile(reps=1)], SessionSettings(placement_checks=placement_checks))
    small = FaceQuality(face_width=0.08, center_offset=0.0, brightness=120)
    driver.face = lambda state: dataclasses.replace(face_frame(driver.clock.now()), quality=small)
    driver.engine.start()
    driver.run(3)
    assert (len(driver.of(CalibrationDone)) == 1) == calibrated
    if not calibrated:
        assert driver.engine.state.calibration.problem == "face_too_small"


def test_a_source_that_knows_its_length_is_a_recording(tmp_path):
    # The one rule the headless runner (frames left unread) and calibration (placement) both follow.
    import cv2
    import numpy as np

    from rehabcoach.vision.sources import FrameSource, ImageFolderSource
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((8, 8, 3), np.uint8))
    with ImageFolderSource(tmp_path) as folder:
        assert folder.recorded
    camera = FrameSource()  # frame_count None, as CameraSource sets it
    assert not camera.recorded


def test_without_camera_movement_waits_on_camera_missing_then_continues_with_massage_only():
    driver = Driver([massage("first"), smile(reps=1), massage("last")], SessionSettings(camera_available=False))
    driver.camera = False
    engine = driver.engine
    engine.start()
    driver.run(30, until=lambda s: s.screen == "camera_missing")
    state = engine.state
    assert state.screen == "camera_missing" and state.message == cues.CAMERA_MISSING
    assert not state.camera_available
    engine.continue_without_camera()
    assert engine.state.exercise.id == "last"
    driver.run(60)
    statuses = {s.exercise_id: (s.status, s.skipped_reason) for s in engine.summary.exercises}
    assert statuses == {"first": ("completed", None), "gentle-smile": ("skipped", "no camera"),
                        "last": ("completed", None)}
    assert engine.summary.completed


def test_camera_restored_calibrates_then_does_the_movement():
    driver = Driver([smile(reps=1)], SessionSettings(camera_available=False))
    engine = driver.engine
    engine.start()
    assert engine.state.screen == "camera_missing"
    engine.camera_restored()
    assert engine.state.screen == "calibration"
    driver.run(120)
    assert engine.summary.exercises[0].reps_done == 1


def test_camera_lost_mid_rep_goes_to_camera_missing_and_resumes_that_rep():
    driver = Driver([smile(reps=2)])
    driver.engine.start()
    driver.run(120, until=lambda s: s.rep == 2 and s.phase == "hold")
    driver.engine.camera_lost()
    assert driver.engine.state.screen == "camera_missing"
    driver.engine.camera_restored()
    driver.run(2)  # recalibrates on the new camera
    state = driver.engine.state
    assert (state.screen, state.phase, state.rep) == ("movement", "get_ready", 2)
    assert len(driver.of(CalibrationDone)) == 2


def test_face_lost_during_hold_stops_the_countdown_and_short_losses_are_tolerated():
    driver = Driver([smile(reps=1, hold=5)])
    driver.engine.start()
    driver.run(60, until=lambda s: s.phase == "hold")
    driver.run(1.0)
    remaining = driver.engine.state.phase_seconds_remaining
    # A 0.2 s dropout: tolerated, the countdown goes on.
    smiling = driver.face
    driver.face = lambda state: face_frame(driver.clock.now(), face=False)
    driver.run(0.2)
    assert not driver.engine.state.face_lost
    assert driver.engine.state.phase_seconds_remaining == pytest.approx(remaining - 0.2, abs=0.04)
    # Out of view for 3.2 s in all: after the 0.3 s grace the hold waits, and the state says why.
    driver.run(3.0)
    state = driver.engine.state
    assert state.phase == "hold" and state.face_lost and state.face_lost_reason == cues.FACE_LOST
    assert state.phase_seconds_remaining == pytest.approx(remaining - 0.3, abs=0.07)
    driver.face = smiling
    driver.run(60)
    rep = driver.of(RepCompleted)[0].summary
    assert rep.face_missing_s == pytest.approx(3.2, abs=0.1)


def test_a_head_turned_during_the_hold_is_told_to_face_the_camera_and_counted_as_not_judged():
    driver = Driver([smile(reps=1, hold=5)])
    driver.engine.start()
    driver.run(60, until=lambda s: s.phase == "hold")
    driver.run(1.0)
    remaining = driver.engine.state.phase_seconds_remaining
    smiling = driver.face
    turned_at = driver.clock.now()
    driver.face = lambda state: face_frame(driver.clock.now(), smile=0.06, yaw=25.0)  # past the 15-degree limit
    driver.run(0.9)
    assert not driver.engine.state.face_turned  # a turn that may end by itself is not worth a word
    driver.run(0.2)
    state = driver.engine.state
    told = "Your head is turned to your left: turn it back a little, so I can see the movement."  # yaw > 0
    assert state.face_turned and state.face_turned_reason == told and not state.face_lost
    driver.run(0.9)
    assert driver.spoken().count(told) == 1  # said once per turn, shown throughout
    assert driver.engine.state.face_turned
    # The face is seen, so the hold goes on: only a lost face stops the countdown.
    assert driver.engine.state.phase_seconds_remaining == pytest.approx(remaining - 2.0, abs=0.07)
    turned_for = driver.clock.now() - turned_at
    driver.face = smiling
    driver.run(1 / FPS)
    assert not driver.engine.state.face_turned and driver.engine.state.face_turned_reason is None
    driver.run(60)
    rep = driver.of(RepCompleted)[0].summary
    assert rep.turned_away_s == pytest.approx(turned_for, abs=2 / FPS)
    assert rep.face_missing_s == 0


def test_a_head_turned_while_the_guards_rest_or_for_a_moment_is_neither_told_nor_counted():
    driver = Driver([smile(reps=2, hold=3, rest=3)])
    driver.engine.start()
    driver.run(60, until=lambda s: s.phase == "hold")
    driver.face = lambda state: face_frame(driver.clock.now(), smile=0.06 if state.phase in ("move", "hold") else 0,
                                           yaw=0.0 if state.phase in ("move", "hold") else 30.0)
    seen = []
    driver.run(60, until=lambda s: seen.append(s.face_turned) or (s.rep == 2 and s.phase == "hold"))
    # Turns of 0.8 s in the hold, as in laughing or talking: they end by themselves, not worth a word.
    glancing = driver.face
    for _ in range(2):
        driver.face = lambda state: face_frame(driver.clock.now(), smile=0.06, yaw=20.0)
        driver.run(0.8, until=lambda s: seen.append(s.face_turned))
        driver.face = glancing
        driver.run(0.2, until=lambda s: seen.append(s.face_turned))
    driver.run(60)
    assert not any(seen) and not any("turn it back" in said for said in driver.spoken())
    reps = [e.summary for e in driver.of(RepCompleted)]
    assert reps[0].turned_away_s == 0  # the turns of the relax and get-ready phases are not the rep's
    assert 1.4 < reps[1].turned_away_s < 1.6  # the short turns are counted, though not told (2 x 0.8 s)


def test_a_turn_is_counted_within_its_rep_even_when_no_frame_comes_between_two_reps():
    driver = Driver([smile(reps=2, hold=3, rest=3)])
    driver.engine.start()
    driver.run(60, until=lambda s: s.phase == "hold")
    driver.face = lambda state: face_frame(driver.clock.now(), smile=0.06, yaw=25.0)  # turned from here on
    driver.run(60, until=lambda s: s.phase == "relax")
    driver.camera = False  # the camera stalls through the relax and get-ready phases, into the next move
    driver.run(60, until=lambda s: s.rep == 2 and s.phase == "move")
    driver.run(0.5)
    driver.camera = True
    driver.run(60)
    first, second = (e.summary for e in driver.of(RepCompleted))
    assert first.turned_away_s == pytest.approx(3.0, abs=0.1)  # its hold
    assert second.turned_away_s == pytest.approx(1.5 - 0.5 + 3.0, abs=0.15)  # its move once seen, and its hold


# -- warnings and spoken reminders ----------------------------------------------------------------


class ScriptedGuard:
    """A guard monitor whose warnings are set by the test (to test the engine's reminder logic alone)."""

    instances: list["ScriptedGuard"] = []

    def __init__(self, guards, baseline, affected_side=None):
        self.active: list[ActiveWarning] = []
        self.finished: list[MovementEvent] = []
        self.updates = 0
        ScriptedGuard.instances.append(self)

    levels: dict = {}

    def reset(self):
        self.active = []

    def update(self, frame, armed=True):
        self.updates += 1
        return list(self.active)

    def pop_finished(self):
        out, self.finished = self.finished, []
        return out

    def retune(self, guards):
        pass

    def region_peaks(self):
        return ()

    def finish(self, timestamp):
        ended = [MovementEvent(w.region, w.side, w.measure, w.since, timestamp, w.deviation, 0.2)
                 for w in self.active]
        self.active = []
        return self.pop_finished() + ended


def left_eye_warning(since: float) -> ActiveWarning:
    return ActiveWarning("eye", "left", "eye_aperture", since, -0.3, "Your left eye is narrowing")


def test_guards_run_only_during_move_and_hold():
    ScriptedGuard.instances.clear()
    driver = Driver([smile(reps=1, hold=5, rest=3)], guard_factory=ScriptedGuard)
    driver.engine.start()
    driver.run(60, until=lambda s: s.phase == "move")
    guard = ScriptedGuard.instances[-1]
    assert guard.updates == 1
    driver.run(60, until=lambda s: s.phase == "relax")
    watched = guard.updates
    assert watched == pytest.approx((1.5 + 5) * FPS, abs=2)
    driver.run(60)
    assert guard.updates == watched  # nothing in relax or done


def test_warning_speaks_with_cooldown_and_ends_at_the_end_of_the_hold():
    ScriptedGuard.instances.clear()
    driver = Driver([smile(reps=3, hold=5, rest=3)], guard_factory=ScriptedGuard)
    driver.engine.start()
    driver.run(60, until=lambda s: s.phase == "move")
    guard = ScriptedGuard.instances[-1]
    guard.active = [left_eye_warning(driver.clock.now())]
    driver.run(0.1)
    state = driver.engine.state
    assert [w.side for w in state.warnings] == ["left"]
    assert driver.spoken()[-1] == "Your left eye is narrowing: soften the smile"
    assert [e.warning.region for e in driver.of(WarningStarted)] == ["eye"]
    # The warning stays active: no second reminder.
    driver.run(2)
    assert driver.spoken().count("Your left eye is narrowing: soften the smile") == 1
    driver.run(60, until=lambda s: s.phase == "relax")
    assert driver.engine.state.warnings == ()
    ended = driver.of(WarningEnded)
    assert len(ended) == 1 and ended[0].rep == 1
    assert driver.of(RepCompleted)[0].summary.events == [ended[0].event]
    # Next rep (about 11 s after the first reminder): a new warning appears but the per-region
    # cooldown (15 s) keeps the voice quiet; the screen still shows it.
    driver.run(60, until=lambda s: s.phase == "move")
    guard.active = [left_eye_warning(driver.clock.now())]
    driver.run(0.1)
    assert len(driver.of(WarningStarted)) == 2
    assert driver.spoken().count("Your left eye is narrowing: soften the smile") == 1
    # Third rep, more than 15 s later: spoken again.
    driver.run(60, until=lambda s: s.rep == 3 and s.phase == "move")
    guard.active = [left_eye_warning(driver.clock.now())]
    driver.run(0.1)
    assert driver.spoken().count("Your left eye is narrowing: soften the smile") == 2
    driver.run(60)
    summary = driver.engine.summary.exercises[0]
    assert [(w.region, w.side, w.count) for w in summary.warnings] == [("eye", "left", 3)]
    assert summary.warnings[0].total_seconds == pytest.approx(3 * 6.4, abs=0.2)


def test_real_guard_monitor_warns_on_a_narrowing_left_eye():
    driver = Driver([smile(reps=1, hold=5)], SessionSettings(affected_side="left"))
    # The left eye narrows by 35 % while smiling, the right stays open: oral-ocular synkinesis.
    driver.face = lambda state: face_frame(
        driver.clock.now(), smile=0.06 if state.phase in ("move", "hold") else 0.0,
        eye_left=0.65 if state.phase in ("move", "hold") else 1.0)
    driver.engine.start()
    driver.run(120)
    started = driver.of(WarningStarted)
    assert [(e.warning.region, e.warning.side) for e in started] == [("eye", "left")]
    assert "Your left eye is narrowing: soften the smile" in driver.spoken()
    rep = driver.of(RepCompleted)[0].summary
    assert len(rep.events) == 1 and rep.events[0].side == "left"
    assert rep.events[0].peak == pytest.approx(-0.35, abs=0.01)
    assert 5.0 < rep.events[0].duration_s < 7.0
    tally = driver.engine.summary.exercises[0].warnings
    assert [(w.region, w.side, w.count) for w in tally] == [("eye", "left", 1)]


def test_guards_are_armed_by_the_move_phase_not_by_the_smile():
    # The patient barely smiles (a tenth of the target: a palsied or very gentle smile) and the left eye
    # narrows from 0.5 s into the move phase: the exercise asked for the movement, so the coach warns.
    driver = Driver([smile(reps=1, hold=5)], SessionSettings(affected_side="left"))
    moving_since: list[float] = []

    def face(state):
        now = driver.clock.now()
        if state.phase == "move" and not moving_since:
            moving_since.append(now)
        narrowed = state.phase in ("move", "hold") and moving_since and now - moving_since[0] >= 0.5
        return face_frame(now, smile=0.005 if state.phase in ("move", "hold") else 0.0,
                          eye_left=0.6 if narrowed else 1.0)

    driver.face = face
    driver.engine.start()
    driver.run(120)
    started = driver.of(WarningStarted)
    assert [(e.warning.region, e.warning.side) for e in started] == [("eye", "left")]
    # Median lag (2 frames) plus the persistence for a 40 % narrowing against a 0.2 threshold: under 0.4 s.
    assert started[0].warning.since - moving_since[0] == pytest.approx(0.5, abs=0.1)
    rep = driver.of(RepCompleted)[0].summary
    peaks = {(p.region, p.side): p for p in rep.region_peaks}
    assert peaks[("eye", "left")].peak_deviation == pytest.approx(0.4, abs=0.01)
    assert peaks[("eye", "left")].excess_over_other == pytest.approx(0.4, abs=0.01)
    assert peaks[("eye", "right")].peak_deviation == pytest.approx(0.0, abs=0.01)
    exercise = driver.engine.summary.exercises[0]
    assert {(p.region, p.side): round(p.peak_deviation, 2) for p in exercise.region_peaks} == {
        ("eye", "left"): 0.4, ("eye", "right"): 0.0}


def test_nothing_is_armed_in_the_first_moment_of_the_move_phase():
    # A narrowing that starts with the move cue and is gone before the settling time would have to be
    # something that began before the cue (a blink, an adjustment): no warning.
    driver = Driver([smile(reps=1, hold=5)], SessionSettings(affected_side="left"))
    driver.face = lambda state: face_frame(
        driver.clock.now(), eye_left=0.5 if state.phase == "move" and state.phase_seconds_remaining > 1.25 else 1.0)
    driver.engine.start()
    driver.run(120)
    assert driver.of(WarningStarted) == []


def test_listener_sees_consistent_state_and_can_command_the_engine():
    driver = Driver([massage("first"), massage("second")])
    engine = driver.engine
    seen = []

    def skip_second_step(event):
        if isinstance(event, StepChanged):
            seen.append((event.exercise_id, event.step_index, engine.state.step_index))
            if event.exercise_id == "first" and event.step_index == 1:
                engine.skip()

    engine.subscribe(skip_second_step)
    engine.start()
    driver.run(6)
    assert seen[:3] == [("first", 0, 0), ("first", 1, 1), ("second", 0, 0)]


def test_state_is_a_snapshot():
    driver = Driver([massage()])
    driver.engine.start()
    before = driver.engine.state
    driver.run(6)
    assert before.step_index == 0 and driver.engine.state.step_index == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        before.step_index = 3  # frozen


def test_given_baseline_skips_calibration():
    baseline = Baseline(measures={m: {s: REST[m] for s in SIDES} for m in MEASURES},
                        noise={m: {s: 0.0 for s in SIDES} for m in MEASURES}, pose=HeadPose(0, 0, 0), frames=24)
    driver = Driver([smile(reps=1)], baseline=baseline)
    driver.engine.start()
    assert driver.engine.state.screen == "movement"


def test_a_short_hold_is_counted_down_from_below_its_length():
    driver = Driver([smile(reps=1, hold=2, rest=1)])
    driver.engine.start()
    driver.run(60)
    holds = [e for e in driver.of(PhaseChanged) if e.phase == "hold"]
    assert [h.seconds for h in holds] == [2]
    assert "1" in driver.spoken() and "3" not in driver.spoken()


def test_every_library_movement_has_plain_move_words_and_advice():
    from rehabcoach.routines.loader import load_library
    from rehabcoach.routines.resolve import resolve_exercise

    library = load_library()
    movements = [resolve_exercise(e) for e in library.exercises.values() if e.category == "movement"]
    assert movements
    for exercise in movements:
        # A movement no measure follows (no target, e.g. a cheek puff) says the general "Now move gently".
        assert exercise.target is None or cues.move_cue(exercise.target) != cues.move_cue(None), exercise.id
        for guard in exercise.guards:
            warning = ActiveWarning(guard.region, "left", guard.measure, 0.0, -0.3, "Your left eye is narrowing")
            assert cues.warning_sentence(exercise.target, warning).startswith("Your left eye is narrowing: ")


def test_a_library_routine_runs_to_the_end():
    from rehabcoach.routines.loader import load_library
    from rehabcoach.routines.resolve import resolve_routine

    exercises = resolve_routine(load_library(), "five-movement-check")
    driver = Driver(exercises)
    driver.engine.start()
    driver.run(3600)
    summary = driver.engine.summary
    assert summary.completed
    assert [s.reps_done for s in summary.exercises] == [e.reps for e in exercises]
    planned = sum(e.duration_seconds for e in exercises)
    # The library's estimate has no calibration, phase changes or "done" pauses: close, not equal.
    assert planned < summary.duration_s < planned * 1.2


def test_skip_exercise_leaves_from_any_step():
    driver = Driver([massage("first"), massage("second")])
    driver.engine.start()
    driver.engine.skip_exercise()
    assert (driver.engine.state.exercise.id, driver.engine.state.step_index) == ("second", 0)
    assert driver.engine.summary is None
    driver.engine.skip_exercise()
    assert driver.engine.finished and driver.engine.summary.completed
    assert [s.status for s in driver.engine.summary.exercises] == ["skipped", "skipped"]


def test_a_failing_listener_does_not_cost_the_others_their_events():
    driver = Driver([massage()])
    calls = []

    def broken(event):
        calls.append(type(event).__name__)
        raise RuntimeError("display bug")

    driver.engine.subscribe(broken)
    kept = []
    driver.engine.subscribe(kept.append)
    with pytest.raises(RuntimeError, match="display bug"):
        driver.engine.start()
    assert [type(e).__name__ for e in kept] == calls  # every event reached the second listener
    assert "ExerciseStarted" in calls and "StepChanged" in calls
    assert driver.engine.state.step_index == 0


def test_calibration_done_is_not_cut_off_by_the_next_cue():
    driver = Driver([smile(reps=1)])
    driver.engine.start()
    driver.run(2)
    requests = [e for e in driver.of(SpeakRequest)]
    done = next(i for i, r in enumerate(requests) if r.text == cues.CALIBRATION_DONE)
    assert requests[done].interrupt  # it may cut the calibration instructions short ...
    assert requests[done + 1].text == "Smile gently, eyes soft." and not requests[done + 1].interrupt  # ... but is heard


@pytest.mark.parametrize("pose, told", [
    (HeadPose(20.0, 0.0, 0.0), "Your head is turned to your left: turn it back a little"),
    (HeadPose(-20.0, 5.0, 0.0), "Your head is turned to your right: turn it back a little"),
    (HeadPose(3.0, 18.0, 0.0), "Your chin is down: lift it a little"),
    (HeadPose(0.0, -17.0, 9.0), "Your chin is up: lower it a little"),
    (HeadPose(0.0, 0.0, 16.0), "Your head leans to your right: straighten it a little"),
    (HeadPose(-10.0, 0.0, -16.0), "Your head leans to your left: straighten it a little"),
])
def test_the_head_turned_cue_says_the_way_back_from_the_calibrated_pose(pose, told):
    calibrated = HeadPose(2.0, -1.0, 0.5)
    moved = HeadPose(pose.yaw + calibrated.yaw, pose.pitch + calibrated.pitch, pose.roll + calibrated.roll)
    assert cues.face_turned(*moved.largest_change(calibrated)) == f"{told}, so I can see the movement."


def test_an_unwanted_movement_that_comes_back_within_a_second_is_recorded_once():
    driver = Driver([smile(reps=1, hold=5)])
    driver.engine.start()
    driver.run(60, until=lambda s: s.phase == "hold")
    hold_start = driver.clock.now()

    def pulsing(state):
        t = driver.clock.now() - hold_start
        narrowed = 0.5 <= t < 1.5 or 2.1 <= t < 3.1  # the eye opens for 0.6 s between two narrowings
        return face_frame(driver.clock.now(), smile=0.06, eye_left=0.6 if narrowed else 1.0)

    driver.face = pulsing
    driver.run(60)
    assert len(driver.of(WarningStarted)) == 2  # shown, cleared in the gap, shown again
    (ended,) = driver.of(WarningEnded)
    (rep,) = [e.summary for e in driver.of(RepCompleted)]
    assert rep.events == [ended.event]
    assert ended.event.start_s == pytest.approx(hold_start + 0.5, abs=0.15)
    assert ended.event.end_s == pytest.approx(hold_start + 3.1, abs=0.15)
    assert sum("narrowing" in said for said in driver.spoken()) == 1  # and said once
