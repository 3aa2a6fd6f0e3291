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
import tempfile
import uuid
from pathlib import Path

import pytest

from rehabcoach.coaching.types import MovementEvent, RepSummary


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
