"""The records store on real SQLite files and a real PostgreSQL server: schema, profiles, sessions."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from records_support import event, postgres_server, rep

from rehabcoach.errors import UserError
from rehabcoach.records import profiles, sessions
from rehabcoach.records.backends import open_records
from rehabcoach.records.location import check_local_filesystem, database_url, filesystem_type, parse_url, redact
from rehabcoach.records.schema import LATEST_VERSION
from rehabcoach.records.store import CorruptDatabaseError, StorageError

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'records.db'}"
    else:
        url = postgres_server().new_database()
    with open_records(url) as opened:
        yield opened


def test_schema_is_created_at_the_latest_version(store):
    assert store.schema_version() == LATEST_VERSION


def test_profiles_are_kept_and_found_regardless_of_case(store):
    profiles.add_profile(store, "Anna  Berg", "left", notes="Bell's palsy 2023")
    profiles.add_profile(store, "Tom", None)
    assert [p.name for p in profiles.list_profiles(store)] == ["Anna Berg", "Tom"]
    anna = profiles.get_profile(store, "anna berg")
    assert anna.affected_side == "left" and anna.notes == "Bell's palsy 2023"
    with pytest.raises(UserError, match="already exists"):
        profiles.add_profile(store, "ANNA BERG")
    with pytest.raises(UserError, match="did you mean 'Anna Berg'"):
        profiles.get_profile(store, "Ana Berg")


def test_profile_update_thresholds_and_removal(store):
    profiles.add_profile(store, "Anna")
    profiles.set_threshold(store, "Anna", "gentle-smile", "eye_aperture", 0.25)
    profiles.set_threshold(store, "Anna", "gentle-smile", "eye_aperture", 0.3)  # replaces, not duplicates
    profiles.set_threshold(store, "Anna", "lip-pucker", "eye_aperture", 0.15)
    updated = profiles.update_profile(store, "anna", new_name="Anna B", affected_side="right", notes="new")
    assert updated.thresholds == {"gentle-smile": {"eye_aperture": 0.3}, "lip-pucker": {"eye_aperture": 0.15}}
    assert (updated.name, updated.affected_side, updated.notes) == ("Anna B", "right", "new")
    assert profiles.clear_thresholds(store, "Anna B", "lip-pucker") == 1
    with pytest.raises(UserError, match="did you mean 'eye_aperture'"):
        profiles.set_threshold(store, "Anna B", "gentle-smile", "eye-apperture", 0.2)
    with pytest.raises(UserError, match="at most 2.0"):
        profiles.set_threshold(store, "Anna B", "gentle-smile", "eye_aperture", 5)
    profiles.remove_profile(store, "Anna B")
    assert profiles.list_profiles(store) == []


def test_a_session_with_reps_events_and_marks_reads_back_intact(store):
    anna = profiles.add_profile(store, "Anna", "left")
    start = sessions.SessionStart(uuid="s-1", profile_id=anna.id, routine_id="smile-training", started_at=T0,
                                  app_version="test", supervised=True)
    sessions.begin_session(store, start)
    sessions.begin_session(store, start)  # a retried write changes nothing
    first = rep(number=1, events=[event(), event(side="right", start=3.0, end=4.5, peak=-0.4)])
    assert sessions.record_rep(store, "s-1", "r-1", first, T0 + timedelta(seconds=10), "mouth_corner_lift")
    assert not sessions.record_rep(store, "s-1", "r-1", first, T0 + timedelta(seconds=10))  # retried: no double
    sessions.record_rep(store, "s-1", "r-2", rep(number=2), T0 + timedelta(seconds=20))
    sessions.add_mark(store, "s-1", "m-1", 12.5, "left eye closes on smile", T0)
    sessions.end_session(store, "s-1", T0 + timedelta(minutes=5), "completed")

    (record,) = sessions.load_sessions(store, anna.id)
    assert (record.status, record.supervised, record.routine_id) == ("completed", True, "smile-training")
    assert record.started_at == T0 and record.ended_at == T0 + timedelta(minutes=5)
    assert [r.rep for r in record.reps] == [1, 2]
    stored = record.reps[0]
    assert stored.target_measure == "mouth_corner_lift"
    assert stored.target_reached == {"left": 0.9, "right": 0.6}
    assert stored.thresholds == {"eye_aperture": 0.2, "mouth_corner_lift": 0.03}
    assert list(stored.events) == first.events
    assert stored.unwanted_seconds("right") == pytest.approx(1.5)
    assert record.warnings == 2
    assert [(m.at_s, m.note) for m in record.marks] == [(12.5, "left eye closes on smile")]


def test_sessions_are_selected_by_date_and_removed_with_their_profile(store):
    anna = profiles.add_profile(store, "Anna")
    for day in range(3):
        sessions.begin_session(store, sessions.SessionStart(f"s-{day}", anna.id, "r", T0 + timedelta(days=day), "t"))
        sessions.record_rep(store, f"s-{day}", f"r-{day}", rep(events=[event()]), T0)
    middle = sessions.load_sessions(store, anna.id, T0 + timedelta(hours=1), T0 + timedelta(days=2))
    assert [s.uuid for s in middle] == ["s-1"]
    profiles.remove_profile(store, "Anna")
    with store.transaction() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM movement_events") == 0


def test_sqlite_file_and_folder_are_private(tmp_path, monkeypatch):
    monkeypatch.setenv("REHABCOACH_DATA_DIR", str(tmp_path / "data"))
    with open_records() as store:
        profiles.add_profile(store, "Anna")
        path = store.path
    assert path == tmp_path / "data" / "records.db"
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    for name in os.listdir(path.parent):
        assert stat.S_IMODE(os.stat(path.parent / name).st_mode) == 0o600, name
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION


def test_a_file_that_is_not_a_database_is_reported_and_left_alone(tmp_path):
    path = tmp_path / "records.db"
    garbage = b"this is not sqlite at all" * 200
    path.write_bytes(garbage)
    with pytest.raises(CorruptDatabaseError, match="is damaged or is not a RehabCoach database"):
        open_records(str(path))
    assert path.read_bytes() == garbage


def test_a_newer_schema_is_refused_without_changes(tmp_path):
    path = tmp_path / "records.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    con.close()
    with pytest.raises(UserError, match="newer RehabCoach"):
        open_records(str(path))


def test_a_locked_database_is_a_clear_storage_error(tmp_path):
    path = tmp_path / "records.db"
    open_records(str(path)).close()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        store = open_records(str(path), connect=False, busy_timeout=0.2)
        with pytest.raises(StorageError, match="locked by another program") as caught:
            profiles.add_profile(store, "Anna")
        assert caught.value.transient
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    profiles.add_profile(store, "Anna")  # the store recovers once the lock is gone
    assert [p.name for p in profiles.list_profiles(store)] == ["Anna"]


def test_sqlite_on_a_network_share_is_refused(tmp_path):
    mounts = (f"/dev/vda / ext4 rw 0 0\nserver:/export {tmp_path} nfs4 rw 0 0\n"
              "//nas/share /mnt/nas cifs rw 0 0\n")
    assert filesystem_type(tmp_path / "x" / "records.db", mounts) == "nfs4"
    with pytest.raises(UserError, match="network share .*PostgreSQL"):
        check_local_filesystem(tmp_path / "records.db", mounts)
    check_local_filesystem(tmp_path.parent / "elsewhere.db", mounts)  # on ext4: fine
    gvfs = f"gvfsd-fuse {tmp_path} fuse.gvfsd-fuse rw,nosuid,nodev 0 0\n"  # an SMB share opened in GNOME
    with pytest.raises(UserError, match=r"network share \(fuse.gvfsd-fuse\)"):
        check_local_filesystem(tmp_path / "records.db", gvfs)


def test_database_urls(tmp_path, monkeypatch):
    monkeypatch.delenv("REHABCOACH_DATABASE", raising=False)
    monkeypatch.setenv("REHABCOACH_DATA_DIR", str(tmp_path))
    assert database_url() == f"sqlite://{tmp_path}/records.db"
    assert parse_url(database_url()).path == tmp_path / "records.db"
    assert parse_url(f"sqlite:///{tmp_path}/x.db").path == parse_url(f"sqlite:////{tmp_path}/x.db").path
    monkeypatch.setenv("REHABCOACH_DATABASE", "postgresql://clinic@db/rehab")
    assert database_url() == "postgresql://clinic@db/rehab"
    assert database_url("other.db") == "other.db"
    assert parse_url("other.db").path == Path.cwd() / "other.db"
    assert redact("postgresql://clinic:s3cret@db/rehab") == "postgresql://clinic:***@db/rehab"
    with pytest.raises(UserError, match="unsupported kind 'mysql'"):
        parse_url("mysql://x@y/z")
    with pytest.raises(UserError, match="names no database"):
        parse_url("postgresql://clinic@db")


def test_postgres_server_unreachable_is_a_clear_message(tmp_path):
    url = f"postgresql://nobody@/rehab?host={tmp_path}&port=1"
    with pytest.raises(StorageError, match="cannot reach the database server"):
        open_records(url, busy_timeout=1)


def test_a_new_migration_upgrades_an_existing_database_and_keeps_its_records(store, monkeypatch):
    from rehabcoach.records import schema

    profiles.add_profile(store, "Anna", "left")
    store.close()
    following = schema.latest_version() + 1
    monkeypatch.setitem(schema.MIGRATIONS, following, [
        "ALTER TABLE profiles ADD COLUMN pronouns TEXT NOT NULL DEFAULT ''",
        "CREATE TABLE migration_probe (id {id}, note TEXT NOT NULL)",
    ])
    assert store.schema_version() == following  # the next connection migrates
    assert profiles.get_profile(store, "Anna").affected_side == "left"
    with store.transaction() as tx:
        assert tx.scalar("SELECT pronouns FROM profiles WHERE name = ?", ("Anna",)) == ""
        tx.execute("INSERT INTO migration_probe (note) VALUES (?)", ("ok",))
    monkeypatch.delitem(schema.MIGRATIONS, following)  # an older RehabCoach meets the upgraded database
    store.close()
    with pytest.raises(UserError, match=f"newer RehabCoach .schema version {following}"):
        store.schema_version()


def test_workstations_starting_together_migrate_a_new_server_database_once():
    import threading

    url = postgres_server().new_database()
    versions, errors = [], []

    def workstation():
        try:
            with open_records(url) as opened:
                versions.append(opened.schema_version())
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=workstation) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and versions == [LATEST_VERSION] * 4
    with open_records(url) as opened, opened.transaction() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM schema_migrations") == LATEST_VERSION


def test_records_and_reports_stay_free_of_qt():
    import subprocess
    import sys

    code = ("import sys\n"
            "import rehabcoach.records.recorder, rehabcoach.records.export, rehabcoach.records.prescription_store\n"
            "import rehabcoach.records.movement_check, rehabcoach.reports, rehabcoach.reports.charts\n"
            "import rehabcoach.reports.document, rehabcoach.cli.records_commands\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'matplotlib', 'cv2'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"  # Qt only in rehabcoach/ui, matplotlib only when a chart is drawn
