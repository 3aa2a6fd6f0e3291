"""Which sessions are still running on this computer, so a session the app never closed is found.

While a session runs, its recorder holds an exclusive lock on a small private file named after the
session (``running/<uuid>.lock`` in the data folder).  The operating system drops the lock when the
process ends, however it ends (kill -9, a crash, a power cut).  When the next session starts, every
session still "in progress" in the records whose file is no longer locked is closed as stopped,
'interrupted' (instead of staying in progress for ever).  A session with no file here (started on
another workstation of a clinic's shared server, or by an older RehabCoach) is only closed once it
is older than ``STALE_AFTER``: no practice session lasts that long.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from rehabcoach.errors import UserError
from rehabcoach.records import sessions
from rehabcoach.records.location import data_dir, ensure_private_dir
from rehabcoach.records.models import utc_now
from rehabcoach.records.store import Store

try:
    import fcntl
except ImportError:  # Windows: only the age rule applies
    fcntl = None  # type: ignore[assignment]

RUNNING_FOLDER = "running"
STALE_AFTER = timedelta(hours=24)


def running_folder() -> Path:
    return data_dir() / RUNNING_FOLDER


class RunningMark:
    """The lock a running session holds (see the module doc); best effort: never stops a session."""

    def __init__(self, folder: Path, session_uuid: str):
        self.path = folder / f"{session_uuid}.lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        if fcntl is None:
            return False
        try:
            ensure_private_dir(self.path.parent)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except (OSError, UserError):
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)
        os.close(self._fd)  # closing drops the lock
        self._fd = None


def is_running(folder: Path, session_uuid: str) -> bool | None:
    """True while the session's lock is held, False once its process is gone, None without a lock file."""
    path = folder / f"{session_uuid}.lock"
    if fcntl is None or not path.exists():
        return None
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    finally:
        os.close(fd)
    return False


def close_interrupted(store: Store, folder: Path | None = None, now: datetime | None = None) -> list[str]:
    """Mark every in-progress session whose app is gone as interrupted; the uuids closed."""
    folder = folder or running_folder()
    now = now or utc_now()
    closed = []
    for session_uuid, started_at in sessions.sessions_in_progress(store):
        running = is_running(folder, session_uuid)
        if running or (running is None and now - started_at < STALE_AFTER):
            continue
        if sessions.mark_interrupted(store, session_uuid):
            closed.append(session_uuid)
        (folder / f"{session_uuid}.lock").unlink(missing_ok=True)
    return closed
