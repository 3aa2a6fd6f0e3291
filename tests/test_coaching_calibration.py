"""Calibration on synthetic frames: stable frames make a baseline; each problem is named in plain words."""

from __future__ import annotations

import pytest
from synthetic_faces import GOOD_QUALITY, REST, face_frame

from rehabcoach.coaching.calibration import CalibrationError, Calibrator
from rehabcoach.vision.types import FaceQuality, HeadPose


def feed_all(calibrator, frames):
    return [calibrator.feed(f) for f in frames]


def test_stable_frames_give_a_baseline_of_the_resting_face():
    calibrator = Calibrator(required_frames=24)
    statuses = feed_all(calibrator, [face_frame(i / 30, i) for i in range(24)])
    assert [s.done for s in statuses[:-1]] == [False] * 23 and statuses[-1].done
    assert statuses[11].progress == pytest.approx(12 / 24)
    baseline = calibrator.baseline
    assert baseline.frames == 24
    assert baseline.measures["eye_aperture"]["left"] == pytest.approx(REST["eye_aperture"])


@pytest.mark.parametrize("frame, problem, words", [
    (face_frame(0, face=False), "no_face", "can't see your face"),
    (face_frame(0, quality=FaceQuality(0.08, 0.0, 120)), "face_too_small", "closer"),
    (face_frame(0, quality=FaceQuality(0.4, 0.4, 120)), "off_centre", "middle"),
    (face_frame(0, quality=FaceQuality(0.4, 0.0, 20)), "too_dark", "light"),
    (face_frame(0, pose=HeadPose(25, 0, 0)), "head_turned", "straight"),
])
def test_each_problem_is_reported_with_help(frame, problem, words):
    status = Calibrator().feed(frame)
    assert status.problem == problem and not status.done and status.progress == 0
    assert words in status.message


@pytest.mark.parametrize("quality, problem", [
    (FaceQuality(0.08, 0.0, 120), "face_too_small"),
    (FaceQuality(0.4, 0.4, 120), "off_centre"),
    (FaceQuality(0.4, 0.0, 20), "too_dark"),
])
def test_a_recording_is_calibrated_where_its_face_is_and_the_placement_is_counted(quality, problem):
    # Headless, nobody can move closer or turn on a light: the frames are taken, and counted for the report.
    live = Calibrator(required_frames=12)
    recording = Calibrator(required_frames=12, placement=False)
    frames = [face_frame(i / 30, i, quality=quality) for i in range(12)]
    assert not any(s.done for s in feed_all(live, frames))
    assert feed_all(recording, frames)[-1].done
    assert recording.placement_problems == {problem: 12} and live.placement_problems == {}
    # A turned head is still no resting face, placement or not.
    turned = Calibrator(placement=False).feed(face_frame(0, quality=quality, pose=HeadPose(25, 0, 0)))
    assert turned.problem == "head_turned"


def test_movement_and_blinks_are_skipped_not_averaged():
    calibrator = Calibrator(required_frames=10)
    feed_all(calibrator, [face_frame(i / 30, i) for i in range(5)])
    moving = calibrator.feed(face_frame(5 / 30, 5, mouth_corner_lift_left=REST["mouth_corner_lift"] + 0.1))
    assert moving.problem == "moving"
    blink = calibrator.feed(face_frame(6 / 30, 6, eye_aperture_left=0.05, eye_aperture_right=0.05))
    assert blink.problem == "moving"
    assert calibrator.accepted_frames == 5


def test_finalize_needs_enough_stable_frames_and_says_why():
    calibrator = Calibrator(required_frames=1000)
    feed_all(calibrator, [face_frame(i / 30, i, face=False) for i in range(30)])
    with pytest.raises(CalibrationError, match="can't see your face"):
        calibrator.finalize(min_frames=10)
    feed_all(calibrator, [face_frame(1 + i / 30, 30 + i) for i in range(12)])
    assert calibrator.finalize(min_frames=10).frames == 12


def test_reset_starts_over():
    calibrator = Calibrator(required_frames=3)
    feed_all(calibrator, [face_frame(i / 30, i, quality=GOOD_QUALITY) for i in range(3)])
    assert calibrator.baseline is not None
    calibrator.reset()
    assert calibrator.baseline is None and calibrator.accepted_frames == 0


def test_target_meter_reports_reach_per_side():
    from rehabcoach.coaching.calibration import baseline_from
    from rehabcoach.coaching.target import TargetMeter
    from rehabcoach.coaching.types import ResolvedTarget

    baseline = baseline_from([face_frame(i / 30, i) for i in range(10)])
    smile = ResolvedTarget("mouth", "mouth_corner_lift", ("left", "right"), "increase", achieved=0.05)
    meter = TargetMeter(smile, baseline)
    rest = REST["mouth_corner_lift"]
    assert meter.update(face_frame(0.5, mouth_corner_lift_left=rest + 0.01)) == pytest.approx({"left": 0.2, "right": 0.0})
    meter.update(face_frame(0.6, mouth_corner_lift_left=rest + 0.08, mouth_corner_lift_right=rest + 0.025))
    assert meter.current == pytest.approx({"left": 1.0, "right": 0.5})
    meter.update(face_frame(0.7, face=False))  # a lost face keeps the last reading
    assert meter.best == pytest.approx({"left": 1.0, "right": 0.5})


def test_noise_is_the_trackers_frame_to_frame_jitter_not_a_slow_drift_of_the_face():
    # A mouth corner drifting slowly upwards through the calibration window (the face was not quite at
    # rest) with a small alternating jitter on top: the noise floor of the guards' thresholds must be the
    # jitter, or a face that drifted while calibrating would hide every later movement under its drift.
    import numpy as np

    from rehabcoach.coaching.calibration import baseline_from

    rest = REST["mouth_corner_lift"]
    jitter = 0.002
    frames = [face_frame(i / 30, i, mouth_corner_lift_left=rest + 0.001 * i + (jitter if i % 2 else -jitter))
              for i in range(45)]  # 0.044 IOD of drift over 1.5 s
    noise = baseline_from(frames).noise["mouth_corner_lift"]["left"]
    # Successive differences alternate 0.005 and -0.003: their median size 0.004, a sigma of 0.004 * 1.48 / sqrt(2).
    assert noise == pytest.approx(1.4826 * 0.004 / np.sqrt(2), rel=0.05)
    spread = 1.4826 * float(np.median(np.abs(np.array([0.001 * i for i in range(45)]) - 0.022)))
    assert noise < spread / 3  # the drift's own spread (what the old rule measured) is far larger
    steady = baseline_from([face_frame(i / 30, i) for i in range(10)]).noise["mouth_corner_lift"]["left"]
    assert steady == 0.0  # a perfectly still synthetic face has no noise


@pytest.mark.parametrize("pose, told", [
    (HeadPose(25, 3, 0), "Your head is turned to your left: turn it back a little to look straight at the camera."),
    (HeadPose(-20, 0, 0), "Your head is turned to your right: turn it back a little to look straight at the camera."),
    (HeadPose(5, 22, 30), "Your chin is down: lift it a little to look straight at the camera."),  # tilt is allowed
    (HeadPose(0, -18, 0), "Your chin is up: lower it a little to look straight at the camera."),
])
def test_a_turned_head_is_told_which_way_to_face_the_camera(pose, told):
    status = Calibrator().feed(face_frame(0, pose=pose))
    assert status.problem == "head_turned" and status.message == told
