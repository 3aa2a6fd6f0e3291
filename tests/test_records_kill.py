"""A real session process killed with SIGKILL loses at most the rep in progress."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from records_support import postgres_server

from rehabcoach.records import profiles, sessions
from rehabcoach.records.backends import open_records

DRIVER = Path(__file__).resolve().parent / "records_session_driver.py"
REPS_BEFORE_KILL = 5


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_mid_session_keeps_every_completed_rep(tmp_path, backend):
    url = str(tmp_path / "records.db") if backend == "sqlite" else postgres_server().new_database()
    with open_records(url) as store:
        profiles.add_profile(store, "Anna", "left")
    env = dict(os.environ, REHABCOACH_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen([sys.executable, str(DRIVER), url, "Anna"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    watchdog = threading.Timer(120, process.kill)  # never hang the test run
    watchdog.start()
    reported = []
    try:
        while len(reported) < REPS_BEFORE_KILL:
            line = process.stdout.readline()
            assert line, f"the session process ended early: {process.stderr.read()}"
            reported.append(json.loads(line))
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert all(r["saved"] for r in reported)

    if backend == "sqlite":
        check = sqlite3.connect(url)
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        check.close()
    with open_records(url) as store:
        (session,) = sessions.load_sessions(store, profiles.get_profile(store, "Anna").id)
    assert session.status == "in_progress" and session.ended_at is None  # it never finished
    numbers = [r.rep for r in session.reps]
    # Every rep reported before the kill is there; any later one is complete too (one transaction each).
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= REPS_BEFORE_KILL
    for stored, sent in zip(session.reps, reported):
        assert (len(stored.events), stored.target_reached) == (sent["events"], {"left": sent["left"],
                                                                               "right": sent["right"]})
    for stored in session.reps:  # even reps narrowed the left eye in the driver, odd ones did not
        expected_sides = ["left"] if stored.rep % 2 == 0 else []
        assert [e.side for e in stored.events] == expected_sides
        assert all(e.region == "eye" and e.peak < -0.2 and e.duration_s > 0.3 for e in stored.events)
        assert stored.thresholds == {"eye_aperture": 0.2} and stored.target_measure == "mouth_corner_lift"


LIBRARY_EXERCISE = """\
kind: exercise
id: many-smiles
title: Many small smiles
category: movement
description: Small smiles, many times, for the kill test.
illustration: assets/smile.svg
steps:
  - instruction: Smile a little, many times.
    cue: Smile a little.
    seconds: 1
movement:
  reps: 40
  hold_seconds: 1
  rest_seconds: 1
  target: {region: mouth, measure: mouth_corner_lift, direction: increase, achieved: 0.03}
  guards:
    - {region: eye, measure: eye_aperture, direction: decrease, threshold: 0.25}
"""
LIBRARY_ROUTINE = """\
kind: routine
id: many-smiles-routine
title: Many smiles
description: One exercise with many repetitions.
items:
  - exercise: many-smiles
"""


@pytest.mark.media
@pytest.mark.slow
def test_kill_9_of_the_real_session_command_keeps_every_completed_rep(tmp_path):
    from shared_media import recording

    video = recording("liveportrait__driving_d10.mp4")
    library = tmp_path / "library"
    (library / "exercises").mkdir(parents=True)
    (library / "assets").mkdir()
    (library / "assets" / "smile.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (library / "exercises" / "many-smiles.yaml").write_text(LIBRARY_EXERCISE)
    (library / "exercises" / "many-smiles-routine.yaml").write_text(LIBRARY_ROUTINE)
    database = tmp_path / "records.db"
    with open_records(str(database)) as store:
        profiles.add_profile(store, "Anna", "left")
    env = dict(os.environ, REHABCOACH_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen(
        [sys.executable, "-m", "rehabcoach", "session", "--routine", "many-smiles-routine", "--source", str(video),
         "--library", str(library), "--speed", "0", "--profile", "Anna", "--database", str(database)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    watcher = sqlite3.connect(database, timeout=10)
    try:
        deadline = time.monotonic() + 240
        while watcher.execute("SELECT COUNT(*) FROM reps").fetchone()[0] < 3:
            assert process.poll() is None, f"the session ended early: {process.stderr.read()}"
            assert time.monotonic() < deadline, "no 3 reps within 4 minutes"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        watcher.close()
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    check = sqlite3.connect(database)
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()
    with open_records(str(database)) as store:
        (session,) = sessions.load_sessions(store, profiles.get_profile(store, "Anna").id)
    assert session.status == "in_progress" and session.baseline is not None
    numbers = [r.rep for r in session.reps]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 3
    for stored in session.reps:
        assert stored.exercise_id == "many-smiles" and stored.thresholds == {"eye_aperture": 0.25}
        assert 0 < stored.started_s < stored.ended_s and set(stored.target_reached) == {"left", "right"}
        assert all(e.start_s >= stored.started_s - 0.5 and e.side in ("left", "right") for e in stored.events)
