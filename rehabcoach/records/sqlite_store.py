"""SQLite backend: a private file on a local disk, WAL journal, foreign keys, PRAGMA user_version."""

from __future__ import annotations

import os
import sqlite3
import sys
from typing import Any

from rehabcoach.records.location import (
    DatabaseLocation,
    check_local_filesystem,
    data_dir,
    ensure_private_dir,
)
from rehabcoach.records.schema import SQLITE, latest_version, pending_migrations
from rehabcoach.records.store import CorruptDatabaseError, StorageError, Store, Transaction, newer_schema_error


class SqliteStore(Store):
    dialect = SQLITE

    def __init__(self, location: DatabaseLocation, *, busy_timeout: float = 5.0):
        super().__init__(location)
        assert location.path is not None
        self.path = location.path
        self.busy_timeout = busy_timeout

    def _connect(self) -> Any:
        check_local_filesystem(self.path)
        folder = self.path.parent
        if folder.resolve() == data_dir().resolve():
            ensure_private_dir(folder)
        elif not folder.exists():
            ensure_private_dir(folder)  # a folder we create is private; an existing one is the user's choice
        self._create_private_file()
        connection = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
        )
        connection.row_factory = sqlite3.Row
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StorageError(f"cannot switch {self.path} to write-ahead logging (journal mode {mode})")
            # FULL: a committed rep survives power loss, not only a crash of the app.
            connection.execute("PRAGMA synchronous = FULL")
        except BaseException:
            connection.close()
            raise
        return connection

    def _create_private_file(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            if sys.platform != "win32" and (self.path.stat().st_mode & 0o077):
                os.chmod(self.path, 0o600)
        except OSError as exc:
            raise StorageError(f"cannot open the records file {self.path}: {exc.strerror or exc}") from exc

    def _begin(self, connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, so a busy database waits (busy timeout) instead of
        # failing halfway through a transaction.
        connection.execute("BEGIN IMMEDIATE")

    def _read_version(self, tx: Transaction) -> int:
        return int(tx.scalar("PRAGMA user_version"))

    def _migrate(self, connection: Any) -> None:
        current = int(connection.execute("PRAGMA user_version").fetchone()[0])
        if current > latest_version():
            raise newer_schema_error(current, str(self.path))
        if current == latest_version():
            return
        connection.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the lock.
            current = int(connection.execute("PRAGMA user_version").fetchone()[0])
            for version, statements in pending_migrations(current):
                for statement in statements:
                    connection.execute(SQLITE.ddl(statement))
                connection.execute(f"PRAGMA user_version = {int(version)}")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def _translate(self, exc: Exception) -> StorageError | None:
        if isinstance(exc, UnicodeDecodeError):
            # sqlite3 decodes SQLite's messages and text as UTF-8; a damaged schema or row that is not
            # UTF-8 fails there, before any sqlite3 error exists.
            return self._damaged("text in it is not UTF-8")
        if not isinstance(exc, sqlite3.Error) or isinstance(exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError)):
            return None
        text = str(exc).lower()
        where = str(self.path)
        if "locked" in text or "busy" in text:
            return StorageError(
                f"the records file {where} is locked by another program (another RehabCoach window?). "
                "Close it; saving resumes by itself."
            )
        if "full" in text:
            return StorageError(f"the disk holding {where} is full. Free some space; saving resumes by itself.")
        if "not a database" in text or "malformed" in text or "corrupt" in text or "could not decode" in text:
            return self._damaged(str(exc))
        if "readonly" in text or "read-only" in text:
            return StorageError(f"the records file {where} cannot be written (read-only).", transient=True)
        if "unable to open" in text or "i/o" in text:
            return StorageError(f"the records file {where} cannot be reached ({exc}).", reconnect=True)
        if isinstance(exc, sqlite3.OperationalError):
            return StorageError(f"the records file {where} cannot be used right now ({exc}).")
        return None

    def _damaged(self, why: str) -> CorruptDatabaseError:
        return CorruptDatabaseError(
            f"{self.path} is damaged or is not a RehabCoach database ({why}). Nothing was changed. Keep the file "
            "(it may be recoverable), move it aside, and RehabCoach will start a new one; or choose another "
            "file with --database."
        )
