"""A real session process killed with SIGKILL loses at most the rep in progress."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from records_support import postgres_server

from rehabcoach.records import profiles, sessions
from rehabcoach.records.store import open_store

DRIVER = Path(__file__).resolve().parent / "records_session_driver.py"
REPS_BEFORE_KILL = 5


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_mid_session_keeps_every_completed_rep(tmp_path, backend):
    url = str(tmp_path / "records.db") if backend == "sqlite" else postgres_server().new_database()
    with open_store(url) as store:
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
    with open_store(url) as store:
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
