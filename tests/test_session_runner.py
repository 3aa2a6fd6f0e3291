"""The headless runner and `rehabcoach session`: fake sources for the loop logic, real recordings end to end."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_session_engine import face_frame, massage, smile

from rehabcoach.clock import ManualClock
from rehabcoach.coaching.events import CalibrationDone, RepCompleted
from rehabcoach.coaching.session import SessionEngine, SessionSettings
from rehabcoach.runner import HeadlessRunner
from rehabcoach.vision.sources import FrameSource, SourceLost
from rehabcoach.vision.types import Frame

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO / ".." / "shared" / "media"
VIDEO = MEDIA / "liveportrait__driving_d10.mp4"
needs_media = pytest.mark.skipif(not VIDEO.is_file(), reason=f"recordings not found in {MEDIA}")


class ListSource(FrameSource):
    """``count`` tiny frames at ``fps``; then it ends, or raises SourceLost like an unplugged camera."""

    def __init__(self, count: int, fps: float = 30.0, *, lost: bool = False, recorded: bool = False):
        self.count, self.fps, self.lost, self.name = count, fps, lost, "fake"
        self.frame_count = count if recorded else None  # None: a camera, read continuously
        self.image = np.zeros((4, 4, 3), np.uint8)

    def __iter__(self):
        for index in range(self.count):
            yield Frame(index, index / self.fps, self.image)
        if self.lost:
            raise SourceLost("camera 0 stopped delivering images")


class SyntheticPipeline:
    """Stands in for FacePipeline: a resting face that smiles whenever asked to (by frame time)."""

    def __init__(self, face=True):
        self.timestamps: list[float] = []
        self.face = face

    def process(self, frame: Frame):
        self.timestamps.append(frame.timestamp)
        return face_frame(frame.timestamp, face=self.face)


def make_runner(exercises, source, pipeline=None, **kwargs):
    clock = ManualClock()
    engine = SessionEngine(exercises, clock, SessionSettings())
    events = []
    engine.subscribe(events.append)
    notices = []
    runner = HeadlessRunner(engine, clock, source, pipeline or SyntheticPipeline(), notice=notices.append,
                            **{"speed": 0, **kwargs})
    return runner, events, notices


def test_engine_time_follows_the_source_and_the_model_runs_only_when_needed():
    pipeline = SyntheticPipeline()
    runner, events, _ = make_runner([massage(), smile(reps=1, hold=2, rest=1)], ListSource(30 * 60), pipeline)
    result = runner.run()
    assert result.summary.completed and not result.source_ended
    # 17 s massage + 24 frames of calibration + 4 s instruction + (2 + 1.5 + 2 + 1) s + 3 s done
    assert result.session_seconds == pytest.approx(17 + 0.8 + 4 + 6.5 + 3, abs=0.1)
    assert result.frames == pytest.approx(result.session_seconds * 30, abs=2)
    # The model saw calibration (24 frames) and get_ready + move + hold (5.5 s), nothing during massage.
    assert result.face_frames == len(pipeline.timestamps) == pytest.approx(24 + 5.5 * 30, abs=3)
    assert min(pipeline.timestamps) >= 17.0
    assert len([e for e in events if isinstance(e, RepCompleted)]) == 1


def test_a_recording_is_only_read_while_a_face_is_needed():
    pipeline = SyntheticPipeline()
    source = ListSource(30 * 10, recorded=True)
    runner, _, _ = make_runner([massage(), smile(reps=1, hold=2, rest=1)], source, pipeline)
    result = runner.run()
    assert result.summary.completed and not result.source_ended
    assert result.session_seconds == pytest.approx(17 + 0.8 + 4 + 6.5 + 3, abs=0.1)
    assert result.face_frames == pytest.approx(24 + 5.5 * 30, abs=3)
    assert 0 <= result.frames - result.face_frames <= 2  # the one read as calibration or a hold ends
    # Frames reach the model stamped with session time (increasing), not the recording's own time.
    assert pipeline.timestamps[0] == pytest.approx(17.0, abs=0.05)
    assert pipeline.timestamps == sorted(pipeline.timestamps)


def test_speed_paces_the_wall_clock_without_changing_the_session():
    wall = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        wall[0] += seconds

    runner, _, _ = make_runner([massage()], ListSource(30 * 30), speed=2.0, sleep=sleep, wall_clock=lambda: wall[0])
    result = runner.run()
    assert result.session_seconds == pytest.approx(17, abs=0.05)
    assert sum(slept) == pytest.approx(17 / 2, abs=0.05)


def test_source_ending_early_skips_movement_and_finishes_massage_on_the_clock():
    runner, _, notices = make_runner([massage("first"), smile(reps=1), massage("last")], ListSource(30 * 10))
    result = runner.run()
    assert result.source_ended and result.summary.completed
    statuses = [(e.exercise_id, e.status, e.skipped_reason) for e in result.summary.exercises]
    assert statuses == [("first", "completed", None), ("gentle-smile", "skipped", "no camera"),
                        ("last", "completed", None)]
    assert result.session_seconds == pytest.approx(34, abs=0.1)
    assert notices == ["the recording ended before the routine: movement exercises are skipped"]


def test_camera_lost_mid_session_is_reported_and_the_session_goes_on():
    runner, _, notices = make_runner([smile(reps=1), massage()], ListSource(30 * 8, lost=True))
    result = runner.run()
    assert result.source_ended and result.summary.completed
    assert [e.status for e in result.summary.exercises] == ["skipped", "completed"]
    assert "camera 0 stopped delivering images" in notices[0]


def test_calibration_gives_up_after_the_timeout_and_skips_that_exercise():
    runner, events, notices = make_runner([smile(reps=1), massage()], ListSource(30 * 40),
                                          SyntheticPipeline(face=False), face_timeout=5)
    result = runner.run()
    assert not any(isinstance(e, CalibrationDone) for e in events)
    assert [e.status for e in result.summary.exercises] == ["skipped", "completed"]
    assert "calibration did not succeed in 5 s" in notices[0] and "Sit in front of the camera" in notices[0]


# -- end to end on a real recording ---------------------------------------------------------------

MASSAGE_YAML = """\
kind: exercise
id: quick-rest
title: Quick rest
category: relaxation
description: A few seconds of rest with a soft face.
illustration: assets/exercises/gentle-smile.svg
steps:
  - instruction: Let your face rest.
    cue: Let your face rest.
    seconds: 3
"""
MOVEMENT_YAML = """\
kind: exercise
id: short-smile
title: Short smile
category: movement
description: A small smile with calm eyes, twice.
illustration: assets/exercises/gentle-smile.svg
steps:
  - instruction: Smile gently with closed lips.
    cue: Smile gently.
    seconds: 2
movement:
  reps: 2
  hold_seconds: 2
  rest_seconds: 1
  target: {region: mouth, measure: mouth_corner_lift, direction: increase, achieved: 0.05}
  guards:
    - {region: eye, measure: eye_aperture, direction: decrease, threshold: 0.25}
"""
ROUTINE_YAML = """\
kind: routine
id: tiny
title: Tiny routine
description: A rest and a short smile, for tests.
items:
  - exercise: quick-rest
  - exercise: short-smile
"""


@pytest.fixture
def tiny_library(tmp_path) -> Path:
    root = tmp_path / "library"
    for folder in ("exercises/relaxation", "exercises/movement", "exercises/routines", "assets/exercises"):
        (root / folder).mkdir(parents=True)
    (root / "exercises/relaxation/quick-rest.yaml").write_text(MASSAGE_YAML)
    (root / "exercises/movement/short-smile.yaml").write_text(MOVEMENT_YAML)
    (root / "exercises/routines/tiny.yaml").write_text(ROUTINE_YAML)
    shutil.copy(REPO / "assets/exercises/gentle-smile.svg", root / "assets/exercises/gentle-smile.svg")
    return root


def rehabcoach(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "rehabcoach", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


@needs_media
@pytest.mark.media
@pytest.mark.slow
def test_session_command_runs_a_routine_on_a_recording(tiny_library, tmp_path):
    out = tmp_path / "session.json"
    run = rehabcoach("session", "--routine", "tiny", "--source", VIDEO, "--library", tiny_library,
                     "--speed", "0", "--affected-side", "left", "--json", out)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("[") and 'routine tiny "Tiny routine"' in lines[0]
    assert any("calibration done" in line for line in lines)
    assert sum("hold: Hold (2 s)" in line for line in lines) == 2
    assert any("rep 2 done: target reached" in line for line in lines)
    assert "Summary:" in run.stdout and "it does not diagnose" in run.stdout
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    report = json.loads(out.read_text())
    assert report["routine"] == "tiny" and report["summary"]["completed"]
    assert [r["rep"] for r in report["reps"]] == [1, 2]
    smile_summary = report["summary"]["exercises"][1]
    assert smile_summary["reps_done"] == 2 and smile_summary["status"] == "completed"
    # 3 s rest, calibration, 2 s instruction, 2 x (2 + 1.5 + 2 + 1) s, 3 s done
    assert 21 < report["summary"]["duration_s"] < 27
    assert 0 < report["face_frames"] < report["frames"]


@needs_media
@pytest.mark.media
def test_session_command_mistakes_are_one_clear_line(tiny_library, tmp_path):
    cases = [
        (["--routine", "tiny", "--source", tmp_path / "missing.mp4"], "video not found"),
        (["--routine", "tinny", "--source", VIDEO], "no routine with the id 'tinny'"),
        (["--routine", "tiny", "--source", VIDEO, "--speed", "-1"], "--speed -1"),
        (["--routine", "tiny", "--source", VIDEO, "--json", tmp_path / "nope" / "x.json"], "does not exist"),
    ]
    for args, expected in cases:
        run = rehabcoach("session", "--library", tiny_library, *args, timeout=120)
        assert run.returncode == 1, (args, run.stderr)
        assert run.stderr.startswith("rehabcoach: error:") and expected in run.stderr, run.stderr
        assert "Traceback" not in run.stderr
    assert not (tmp_path / "nope").exists()


class VanishingFacePipeline(SyntheticPipeline):
    """A face until ``gone_at`` seconds, then none: the hold would wait for ever."""

    def __init__(self, gone_at: float):
        super().__init__()
        self.gone_at = gone_at

    def process(self, frame: Frame):
        self.timestamps.append(frame.timestamp)
        return face_frame(frame.timestamp, face=frame.timestamp < self.gone_at)


def test_a_hold_waiting_for_a_face_that_never_returns_gives_up_and_goes_on():
    # Calibration (0.8 s) + instruction (4 s) + get_ready (2 s) + move (1.5 s): the face goes during the hold.
    runner, events, notices = make_runner([smile(reps=2), massage()], ListSource(30 * 120),
                                          VanishingFacePipeline(gone_at=9.0), face_timeout=10)
    result = runner.run()
    assert notices == ["no face for 10 s: skipping gentle-smile"]
    assert [(e.status, e.reps_done) for e in result.summary.exercises] == [("skipped", 0), ("completed", 0)]
    assert result.summary.completed


@needs_media
@pytest.mark.media
def test_ctrl_c_stops_the_session_and_still_prints_the_summary(tiny_library, tmp_path):
    import signal
    import time

    out = tmp_path / "session.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "rehabcoach", "session", "--routine", "tiny", "--source", str(VIDEO),
         "--library", str(tiny_library), "--speed", "1", "--json", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        first = process.stdout.readline()  # the routine line: the session is running
        assert "routine tiny" in first
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "session stopped" in stdout and "Summary (stopped early)" in stdout
    assert "Traceback" not in stderr
    report = json.loads(out.read_text())
    assert report["summary"]["completed"] is False
    assert report["summary"]["exercises"][0]["status"] == "stopped"
