"""Helpers for the records tests: a throw-away PostgreSQL server and hand-built rep summaries.

The server is started once per test process (initdb into a temporary folder, ``pg_ctl start`` on a
Unix socket in that folder, no TCP port) and stopped when the process exits.  PostgreSQL refuses to
run as root, so as root it runs as the ``postgres`` system user.  Without PostgreSQL binaries the
tests that need it are skipped with a clear reason; CI installs them (scripts/setup.sh test).
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from rehabcoach.coaching.types import MovementEvent, RepSummary

WATCHDOG = """
import os, shutil, subprocess, sys, time
owner, data, folder, pg_ctl = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
while os.path.isdir(data):
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        subprocess.run(pg_ctl + ["-D", data, "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
        break
    except PermissionError:
        pass
    time.sleep(1)
"""


def postgres_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    for folder in reversed(candidates):
        if Path(folder, "initdb").is_file() and Path(folder, "pg_ctl").is_file():
            return Path(folder)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and Path(found).with_name("initdb").exists() else None


class PostgresServer:
    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="rehabcoach-pg-"))
        self.data = self.folder / "data"
        self.port = 5432  # only a socket file name: no TCP listening
        self.user = "rehabcoach"
        self._run_as: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no 'postgres' user to run a test PostgreSQL server")
            shutil.chown(self.folder, "postgres")
            self._run_as = ["runuser", "-u", "postgres", "--"]
        self.running = False
        self._watchdog: subprocess.Popen | None = None

    def _pg(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(self._run_as + [str(self.bin_dir / tool), *args], capture_output=True, text=True,
                              check=check, timeout=120)

    def start(self) -> None:
        if not self.data.exists():
            self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "-E", "UTF8", "--no-sync")
        options = f"-k {self.folder} -c listen_addresses='' -p {self.port} -c fsync=off -c full_page_writes=off"
        result = self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w",
                          "-t", "60", "start", check=False)
        if result.returncode != 0:
            log = (self.folder / "log").read_text() if (self.folder / "log").exists() else ""
            raise RuntimeError(f"test PostgreSQL did not start: {result.stderr}\n{log[-2000:]}")
        self.running = True
        if self._watchdog is None or self._watchdog.poll() is not None:
            # atexit does not run when the test process is killed (a timeout, kill -9): this small
            # process stops the server and removes its folder as soon as the test process is gone.
            self._watchdog = subprocess.Popen(
                [sys.executable, "-c", WATCHDOG, str(os.getpid()), str(self.data), str(self.folder),
                 *self._run_as, str(self.bin_dir / "pg_ctl")],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )

    def stop(self) -> None:
        if self.running:
            self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
            self.running = False

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@/{dbname}?host={self.folder}&port={self.port}"

    def new_database(self) -> str:
        import psycopg

        name = "test_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
        if self._watchdog is not None:
            self._watchdog.wait(timeout=10)  # it sees the folder gone and ends within a second


_server: PostgresServer | None = None


def postgres_server() -> PostgresServer:
    """The process-wide test server (started on first use), or a pytest skip."""
    global _server
    if _server is None:
        bin_dir = postgres_bin()
        if bin_dir is None:
            pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql; scripts/setup.sh test "
                        "installs them)")
        server = PostgresServer(bin_dir)
        atexit.register(server.remove)
        server.start()
        _server = server
    if not _server.running:
        _server.start()
    return _server


def event(region="eye", side="left", measure="eye_aperture", start=1.0, end=1.8, peak=-0.31, threshold=0.2):
    return MovementEvent(region=region, side=side, measure=measure, start_s=start, end_s=end, peak=peak,
                         threshold=threshold)


def rep(exercise_id="gentle-smile", number=1, events=(), left=0.9, right=0.6, started=0.0):
    return RepSummary(
        exercise_id=exercise_id, rep=number, started_s=started, ended_s=started + 7.5,
        target_reached={"left": left, "right": right}, events=list(events),
        thresholds={"eye_aperture": 0.2, "mouth_corner_lift": 0.03}, face_missing_s=0.25,
    )


def store_url(backend: str, tmp_path: Path) -> str:
    """A fresh, empty database of the given kind ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'records.db'}"
    return postgres_server().new_database()


CHECK_EXERCISES = [  # (exercise, target measure, guarded measure, threshold) of the five-movement check
    ("brow-raise", "brow_height", "eye_aperture", 0.25),
    ("gentle-eye-closure", "eye_aperture", "mouth_corner_lift", 0.04),
    ("open-mouth-smile", "mouth_corner_excursion", "eye_aperture", 0.3),
    ("snarl", "nose_wrinkle", "eye_aperture", 0.3),
    ("lip-pucker", "lip_width", "eye_aperture", 0.2),
]
BASELINE_JSON = {"measures": {"eye_aperture": {"left": 0.33, "right": 0.34}}, "noise": {}, "frames": 24,
                 "pose": {"yaw": 0.0, "pitch": 0.0, "roll": 0.0}}


def populate_history(store, profile_name="Anna Berg", first_day=None, days=14):
    """A fortnight of practice: daily-practice on most days (one stopped early), a movement check
    every 7 days whose left-eye narrowing during the smile shrinks week by week, and a marked note.

    Returns the profile.  Days are local calendar days starting at ``first_day`` (2026-11-02).
    """
    from datetime import date, datetime, timedelta

    from rehabcoach.records import profiles, sessions

    first_day = first_day or date(2026, 11, 2)
    profile = profiles.get_profile(store, profile_name)
    for day in range(days):
        if day % 5 == 4:
            continue  # missed days
        moment = datetime(first_day.year, first_day.month, first_day.day, 18, 0) + timedelta(days=day)
        started = moment.astimezone()
        uid = f"practice-{day}"
        sessions.begin_session(store, sessions.SessionStart(uid, profile.id, "daily-practice", started, "test"))
        for number in (1, 2, 3):
            narrowing = [event(start=2.0, end=2.0 + 0.4 + 0.1 * (days - day) / days * number, peak=-0.28)] \
                if number != 2 else []
            summary = rep("gentle-smile", number, narrowing, left=0.5 + day * 0.03, right=0.9, started=number * 10)
            sessions.record_rep(store, uid, f"{uid}-{number}", summary, started + timedelta(seconds=number * 10),
                                "mouth_corner_lift")
        if day == 3:
            sessions.add_mark(store, uid, f"{uid}-mark", 12.0, "Left eye closes on the smile: slower", started)
        status = "stopped" if day == 6 else "completed"
        sessions.end_session(store, uid, started + timedelta(minutes=12), status)
        if day % 7 == 0:
            check = f"check-{day}"
            week = day // 7
            check_start = started + timedelta(minutes=30)
            sessions.begin_session(store, sessions.SessionStart(check, profile.id, "five-movement-check", check_start,
                                                                "test"))
            for index, (exercise, target, guarded, threshold) in enumerate(CHECK_EXERCISES):
                for number in (1, 2, 3):
                    events = []
                    if exercise == "open-mouth-smile":  # oral-ocular synkinesis, improving week by week
                        peak = -(threshold + 0.3 - 0.1 * week)  # excess 0.3 then 0.2 of the aperture
                        events = [event("eye", "left", "eye_aperture", 1.0, 3.0, peak, threshold)]
                    if exercise == "gentle-eye-closure" and number != 2:
                        events = [event("mouth", "left", "mouth_corner_lift", 1.0, 1.6, threshold + 0.01,
                                        threshold)]
                    summary = RepSummary(exercise, number, 0.0, 8.0, {"left": 0.8, "right": 0.9}, events,
                                         {guarded: threshold}, 0.0)
                    sessions.record_rep(store, check, f"{check}-{index}-{number}", summary, check_start, target)
            sessions.end_session(store, check, check_start + timedelta(minutes=8), "completed")
    with store.transaction() as tx:  # the checks kept a baseline: the eye opening converts to mm through it
        import json

        tx.execute("UPDATE sessions SET baseline = ? WHERE routine_id = 'five-movement-check'",
                   (json.dumps(BASELINE_JSON),))
    return profile


PRESCRIPTION = """\
kind: prescription
title: Home programme, November
patient: Anna Berg
prescribed_by: J. Smith, physiotherapist
starts_on: 2026-11-01
ends_on: 2026-11-30
notes: Small, slow movements. Keep the left eye soft when smiling.
routines:
  - routine: daily-practice
    times: 1
    per: day
  - routine: five-movement-check
    times: 1
    per: week
exercises:
  gentle-smile:
    thresholds:
      eye_aperture: 0.18
"""


def write_prescription(folder: Path, text: str = PRESCRIPTION) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "prescription.yaml"
    path.write_text(text, encoding="utf-8")
    return path
