"""SessionRecorder: one transaction per rep, and nothing lost when storage fails mid-session."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from records_support import event, postgres_server, rep

from rehabcoach.clock import ManualClock
from rehabcoach.coaching.events import CalibrationDone, RepCompleted, SessionFinished, SessionStarted
from rehabcoach.coaching.summary import SessionSummary
from rehabcoach.coaching.types import Baseline
from rehabcoach.records import profiles, sessions
from rehabcoach.records.backends import open_records
from rehabcoach.records.recorder import SessionRecorder, replay_unsaved
from rehabcoach.vision.types import HeadPose

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
BASELINE = Baseline(measures={"eye_aperture": {"left": 0.31, "right": 0.3}},
                    noise={"eye_aperture": {"left": 0.01, "right": 0.012}}, pose=HeadPose(1.0, -2.0, 0.5), frames=24)


class WallClock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        self.now += timedelta(seconds=1)
        return self.now


def make_recorder(store, tmp_path, **options):
    profile = profiles.add_profile(store, "Anna", "left") if not profiles.list_profiles(store) else \
        profiles.get_profile(store, "Anna")
    statuses = []
    recorder = SessionRecorder(store, profile, "smile-training", wall_clock=WallClock(), clock=options.pop(
        "clock", ManualClock()), on_status=statuses.append, unsaved_dir=tmp_path / "unsaved", **options)
    return recorder, statuses


def stored_reps(store, profile_id=None):
    profile_id = profile_id or profiles.get_profile(store, "Anna").id
    return [(r.exercise_id, r.rep, len(r.events)) for s in sessions.load_sessions(store, profile_id) for r in s.reps]


def test_each_rep_is_committed_as_it_completes(tmp_path):
    path = tmp_path / "records.db"
    store = open_records(str(path))
    recorder, statuses = make_recorder(store, tmp_path)
    recorder.start(BASELINE)
    recorder.rep_completed(rep(number=1, events=[event()]), target_measure="mouth_corner_lift")
    # Another connection (another process) sees the rep at once: it is committed, not buffered.
    other = sqlite3.connect(path)
    assert other.execute("SELECT rep, target_measure FROM reps").fetchall() == [(1, "mouth_corner_lift")]
    assert other.execute("SELECT COUNT(*) FROM movement_events").fetchone()[0] == 1
    assert other.execute("SELECT status FROM sessions").fetchone()[0] == "in_progress"
    recorder.rep_completed(rep(number=2))
    recorder.mark(4.0, "good control")
    status = recorder.finish("stopped")
    assert status.ok and status.saved_reps == 2 and status.message == "Saved: 2 repetitions."
    (record,) = sessions.load_sessions(store, recorder.profile.id)
    assert record.status == "stopped" and record.baseline["measures"] == BASELINE.measures
    assert [m.note for m in record.marks] == ["good control"]


def test_engine_events_are_recorded(tmp_path):
    store = open_records(str(tmp_path / "records.db"))

    class Exercise:  # what the recorder reads from a ResolvedExercise
        id = "gentle-smile"

        class target:
            measure = "mouth_corner_lift"

    recorder, _ = make_recorder(store, tmp_path, exercises=[Exercise])
    # The window's clock is monotonic (any origin): stored times count from the session's start.
    recorder.handle(SessionStarted(at=500.0, exercise_ids=("gentle-smile",)))
    recorder.handle(CalibrationDone(baseline=BASELINE, at=502.0))
    recorder.handle(RepCompleted(summary=rep(number=1, started=510.0, events=[
        event(start=512.0, end=513.5), event(side="right", start=514.0, end=514.5)])))
    recorder.mark(516.0, "eye closes")
    recorder.handle(SessionFinished(summary=SessionSummary(500.0, 530.0, True, "left", ())))
    (record,) = sessions.load_sessions(store, recorder.profile.id)
    assert record.status == "completed" and record.baseline is not None
    assert [(r.rep, r.target_measure, len(r.events)) for r in record.reps] == [(1, "mouth_corner_lift", 2)]
    stored = record.reps[0]
    assert (stored.started_s, stored.ended_s) == (10.0, 17.5)
    assert [(e.start_s, e.end_s) for e in stored.events] == [(12.0, 13.5), (14.0, 14.5)]
    assert [(m.at_s, m.note) for m in record.marks] == [(16.0, "eye closes")]


def test_full_disk_keeps_reps_in_memory_and_saves_them_when_space_returns(tmp_path):
    store = open_records(str(tmp_path / "records.db"))
    recorder, statuses = make_recorder(store, tmp_path)
    recorder.start()
    recorder.rep_completed(rep(number=1))
    # SQLite reports a full disk (SQLITE_FULL) when the file may not grow: cap it at its current size.
    pages = store._connection.execute("PRAGMA page_count").fetchone()[0]
    store._connection.execute(f"PRAGMA max_page_count = {pages}")
    many_events = [event(start=i, end=i + 0.5) for i in range(400)]
    for number in (2, 3):
        status = recorder.rep_completed(rep(number=number, events=many_events))
    assert not status.ok and status.pending == 2 and status.saved_reps == 1
    assert "disk" in status.message and "full" in status.message
    assert "2 repetitions are kept in memory" in status.message
    assert stored_reps(store) == [("gentle-smile", 1, 0)]  # what was saved before is untouched
    store._connection.execute("PRAGMA max_page_count = 1073741823")  # space is back
    assert recorder.retry(force=True).ok
    assert stored_reps(store) == [("gentle-smile", 1, 0), ("gentle-smile", 2, 400), ("gentle-smile", 3, 400)]
    assert statuses[-1].message == "Saved: 3 repetitions."


def test_locked_database_waits_for_the_retry_interval(tmp_path):
    path = tmp_path / "records.db"
    clock = ManualClock()
    store = open_records(str(path), busy_timeout=0.1)
    recorder, _ = make_recorder(store, tmp_path, clock=clock, retry_interval=5.0)
    recorder.start()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    status = recorder.rep_completed(rep(number=1))
    assert not status.ok and "locked by another program" in status.message
    blocker.execute("ROLLBACK")
    clock.advance(1.0)
    assert not recorder.retry().ok  # too soon: no attempt yet
    clock.advance(4.0)
    assert recorder.retry().ok
    assert stored_reps(store) == [("gentle-smile", 1, 0)]


def test_postgres_server_going_away_mid_session(tmp_path):
    server = postgres_server()
    store = open_records(server.new_database(), busy_timeout=1)
    recorder, statuses = make_recorder(store, tmp_path)
    recorder.start()
    recorder.rep_completed(rep(number=1, events=[event()]))
    server.stop()
    try:
        for number in (2, 3):
            status = recorder.rep_completed(rep(number=number, events=[event(), event(side="right")]))
        assert not status.ok and status.pending == 2
        assert "cannot reach the database server" in status.message and "keep practising" in status.message
    finally:
        server.start()
    recorder.mark(9.0, "back")
    assert recorder.status.ok  # the next write after the server returns flushes the queue first
    recorder.finish()
    assert stored_reps(store) == [("gentle-smile", 1, 1), ("gentle-smile", 2, 2), ("gentle-smile", 3, 2)]
    (record,) = sessions.load_sessions(store, recorder.profile.id)
    assert record.status == "completed" and [m.note for m in record.marks] == ["back"]


def test_unsaved_session_is_spooled_privately_and_replayed_by_the_next_session(tmp_path):
    server = postgres_server()
    url = server.new_database()
    store = open_records(url, busy_timeout=1)
    recorder, _ = make_recorder(store, tmp_path)
    server.stop()
    try:
        recorder.start(BASELINE)
        recorder.rep_completed(rep(number=1, events=[event()]))
        status = recorder.finish()
    finally:
        server.start()
    (spooled,) = (tmp_path / "unsaved").glob("*.json")
    assert oct(spooled.stat().st_mode & 0o777) == "0o600"
    assert not status.ok and str(spooled) in status.message and "will be saved next time" in status.message
    assert stored_reps(store) == []
    # The next session replays it before its own writes.
    second, _ = make_recorder(store, tmp_path)
    second.start()
    assert not list((tmp_path / "unsaved").glob("*.json"))
    assert stored_reps(store) == [("gentle-smile", 1, 1)]
    assert replay_unsaved(store, tmp_path / "unsaved") == 0


def test_background_recorder_never_blocks_the_caller_and_writes_in_order(tmp_path):
    import threading
    import time

    from rehabcoach.records.recorder import BackgroundRecorder

    store = open_records(str(tmp_path / "records.db"))
    recorder, statuses = make_recorder(store, tmp_path)
    background = BackgroundRecorder(recorder, poll_seconds=0.05)
    release = threading.Event()
    original = store.transaction

    def slow_transaction():  # a database that takes its time (a distant server)
        release.wait(10)
        return original()

    store.transaction = slow_transaction
    started = time.monotonic()
    background.handle(SessionStarted(at=0.0, exercise_ids=("gentle-smile",)))
    for number in (1, 2, 3):
        background.handle(RepCompleted(summary=rep(number=number, events=[event()] * number)))
    assert time.monotonic() - started < 0.5  # the window's thread went on at once
    release.set()
    status = background.close()  # the session never finished: it is closed as stopped
    assert status.ok and status.saved_reps == 3 and background.error is None
    store.transaction = original
    assert stored_reps(store) == [("gentle-smile", 1, 1), ("gentle-smile", 2, 2), ("gentle-smile", 3, 3)]
    (record,) = sessions.load_sessions(store, recorder.profile.id)
    assert record.status == "stopped"


def test_a_database_from_a_newer_version_mid_session_keeps_reps_in_memory(tmp_path):
    path = tmp_path / "records.db"
    store = open_records(str(path))
    recorder, _ = make_recorder(store, tmp_path)
    recorder.start()
    store.close()  # the next write reconnects ... to a file another computer upgraded meanwhile
    upgrade = sqlite3.connect(path)
    upgrade.execute("PRAGMA user_version = 99")
    upgrade.close()
    status = recorder.rep_completed(rep(number=1))
    assert not status.ok and "newer RehabCoach" in status.message and status.pending == 1
