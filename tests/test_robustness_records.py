"""Honest records (issue 13, item 6) and a damaged database reported, not a traceback (item 2)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from records_support import rep

from rehabcoach.cli.main import main
from rehabcoach.coaching.events import CalibrationDone, RepCompleted, SessionFinished, SessionStarted
from rehabcoach.coaching.summary import ExerciseSummary, SessionSummary
from rehabcoach.records import profiles, running, sessions
from rehabcoach.records.backends import open_records
from rehabcoach.records.models import utc_now
from rehabcoach.records.recorder import SessionRecorder
from rehabcoach.records.store import StorageError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path):
    with open_records(str(tmp_path / "records.db")) as opened:
        profiles.add_profile(opened, "Anna", "left")
        yield opened


def recorder_for(store, tmp_path, **options) -> SessionRecorder:
    return SessionRecorder(store, profiles.get_profile(store, "Anna"), "daily-practice",
                           unsaved_dir=options.pop("unsaved_dir", tmp_path / "data" / "unsaved"), **options)


def the_sessions(store):
    return sessions.load_sessions(store, profiles.get_profile(store, "Anna").id)


def summary(*, completed=True, movement=True) -> SessionSummary:
    exercises = (ExerciseSummary("gentle-smile", "Gentle smile", "movement" if movement else "massage", "skipped",
                                 0, 3 if movement else 0, {"left": None, "right": None}, (),
                                 "no usable face for calibration"),)
    return SessionSummary(0.0, 60.0, completed, "left", exercises)


def test_a_session_that_never_saw_a_face_is_not_a_session_done(store, tmp_path):
    recorder = recorder_for(store, tmp_path)
    recorder.handle(SessionStarted(at=0.0, exercise_ids=("gentle-smile",)))
    recorder.handle(SessionFinished(summary()))
    (record,) = the_sessions(store)
    assert (record.status, record.end_reason) == ("stopped", "no_face")


def test_a_session_with_a_face_is_completed_as_before(store, tmp_path):
    from rehabcoach.coaching.types import Baseline
    from rehabcoach.vision.types import HeadPose

    recorder = recorder_for(store, tmp_path)
    recorder.handle(SessionStarted(at=0.0, exercise_ids=("gentle-smile",)))
    baseline = Baseline(measures={}, noise={}, pose=HeadPose(0.0, 0.0, 0.0), frames=10)
    recorder.handle(CalibrationDone(baseline=baseline, at=1.0))
    recorder.handle(RepCompleted(rep()))
    recorder.handle(SessionFinished(summary()))
    (record,) = the_sessions(store)
    assert (record.status, record.end_reason) == ("completed", None)


def test_a_massage_only_session_needs_no_face(store, tmp_path):
    recorder = recorder_for(store, tmp_path)
    recorder.start()
    recorder.handle(SessionFinished(summary(movement=False)))
    assert the_sessions(store)[0].status == "completed"


KILLED_SESSION = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from rehabcoach.records import profiles
    from rehabcoach.records.recorder import SessionRecorder
    from rehabcoach.records.backends import open_records
    store = open_records(sys.argv[1])
    recorder = SessionRecorder(store, profiles.get_profile(store, "Anna"), "daily-practice",
                               unsaved_dir=Path(sys.argv[2]))
    recorder.start()
    sys.stdout.write(recorder.session_uuid + "\\n")
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_a_session_killed_with_sigkill_is_marked_interrupted_at_the_next_start(store, tmp_path):
    unsaved = tmp_path / "data" / "unsaved"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    killed = subprocess.run([sys.executable, "-c", KILLED_SESSION, str(store.path), str(unsaved)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    killed_uuid = killed.stdout.strip()
    assert [(s.uuid, s.status) for s in the_sessions(store)] == [(killed_uuid, "in_progress")]
    assert (unsaved.parent / "running" / f"{killed_uuid}.lock").exists()

    live = recorder_for(store, tmp_path)  # a session running in this process: its lock is held
    live.start()
    later = recorder_for(store, tmp_path)
    later.start()
    by_uuid = {s.uuid: s for s in the_sessions(store)}
    assert (by_uuid[killed_uuid].status, by_uuid[killed_uuid].end_reason) == ("stopped", "interrupted")
    assert by_uuid[killed_uuid].ended_at == by_uuid[killed_uuid].started_at  # no rep: it ends when it began
    assert by_uuid[live.session_uuid].status == "in_progress"  # still running: left alone
    assert not (unsaved.parent / "running" / f"{killed_uuid}.lock").exists()


def test_a_session_without_a_lock_file_is_only_closed_when_a_day_old(store, tmp_path):
    recorder = recorder_for(store, tmp_path)
    recorder.start()
    recorder._running.release()  # as if started on another workstation (no lock file here)
    folder = tmp_path / "data" / "running"
    assert running.close_interrupted(store, folder, utc_now()) == []
    assert running.close_interrupted(store, folder, utc_now() + timedelta(hours=25)) == [recorder.session_uuid]
    assert the_sessions(store)[0].end_reason == "interrupted"


def test_an_interrupted_session_ends_with_its_last_saved_rep(store, tmp_path):
    recorder = recorder_for(store, tmp_path)
    recorder.start()
    recorder.rep_completed(rep())
    recorder._running.release()
    running.close_interrupted(store, tmp_path / "data" / "running", utc_now() + timedelta(days=2))
    (record,) = the_sessions(store)
    assert record.ended_at == record.reps[-1].recorded_at and record.status == "stopped"


def test_reps_saved_nowhere_are_counted_as_lost(store, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    recorder = recorder_for(store, tmp_path, unsaved_dir=blocker / "unsaved")  # the local copy cannot be made
    recorder.start()

    def full_disk(*_args, **_kwargs):
        raise StorageError("the disk holding the records is full")

    monkeypatch.setattr(sessions, "record_rep", full_disk)
    monkeypatch.setattr(sessions, "end_session", full_disk)
    recorder.rep_completed(rep(number=1))
    recorder.rep_completed(rep(number=2))
    status = recorder.finish()
    assert not status.ok and status.lost == 2 and "2 repetition(s) will be lost" in status.message


def test_a_database_with_text_that_is_not_utf8_is_reported_as_damaged(tmp_path, capsys):
    database = tmp_path / "records.db"
    with open_records(str(database)) as opened:
        profiles.add_profile(opened, "Anna", "left")
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA writable_schema = ON")
    connection.execute("UPDATE sqlite_master SET sql = CAST(sql AS BLOB) || X'FF' WHERE name = 'profiles'")
    connection.commit()
    connection.close()
    for command in (["profile", "list"], ["export", "--profile", "Anna", "--json", str(tmp_path / "e.json")],
                    ["session", "--profile", "Anna", "--routine", "daily-practice", "--source", "0"]):
        code = main([*command, "--database", str(database)])
        err = capsys.readouterr().err
        assert code == 1 and f"{database} is damaged or is not a RehabCoach database (text in it is not UTF-8)" in err
        assert "Traceback" not in err


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_term_and_hup_stop_a_session_like_ctrl_c(tmp_path, signal_name):
    import cv2

    frames = tmp_path / "frames"
    frames.mkdir()
    for index in range(10):  # no face: the session waits in calibration until the signal
        cv2.imwrite(str(frames / f"{index:03d}.png"), np.full((120, 160, 3), 128, np.uint8))
    database = str(tmp_path / "records.db")
    with open_records(database) as opened:
        profiles.add_profile(opened, "Anna", "left")
    env = dict(os.environ, PYTHONPATH=str(REPO), REHABCOACH_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen(
        [sys.executable, "-m", "rehabcoach", "session", "--routine", "five-movement-check", "--source", str(frames),
         "--speed", "1", "--face-timeout", "600", "--profile", "Anna", "--database", database],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    for line in process.stdout:  # wait until the session runs
        if "calibration:" in line:
            break
    process.send_signal(getattr(signal, signal_name))
    out, err = process.communicate(timeout=120)
    assert process.returncode == 128 + getattr(signal, signal_name), err
    assert "Summary (stopped early)" in out and "records (Anna): Saved: 0 repetitions." in out
    with open_records(database) as opened:
        (record,) = sessions.load_sessions(opened, profiles.get_profile(opened, "Anna").id)
    assert record.status == "stopped" and record.ended_at is not None
