"""The records store: one connection, short transactions, storage faults as clear messages.

``backends.open_records(url)`` picks the backend from the URL (see ``location``).  Domain operations live in
their own modules (``profiles``, ``sessions``, ``prescription_store``) and all go through
``store.transaction()``, which

- runs the block in one transaction (committed at the end, rolled back on any error);
- turns database faults into :class:`StorageError` (locked, disk full, server gone: the caller may
  keep data in memory and retry) or :class:`CorruptDatabaseError` (the file cannot be read);
- reconnects on the next call after a lost connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rehabcoach.errors import UserError
from rehabcoach.records.location import DatabaseLocation
from rehabcoach.records.schema import Dialect, latest_version


class StorageError(UserError):
    """The records cannot be written or read right now; ``transient`` faults may clear by themselves.

    ``reconnect`` means the connection itself is gone (server down): the next call opens a new one.
    """

    def __init__(self, message: str, *, transient: bool = True, reconnect: bool = False):
        super().__init__(message)
        self.transient = transient
        self.reconnect = reconnect


class CorruptDatabaseError(StorageError):
    def __init__(self, message: str):
        super().__init__(message, transient=False)


class Transaction:
    """What a block inside ``store.transaction()`` uses: portable ``?`` queries, rows by column name."""

    def __init__(self, connection: Any, dialect: Dialect):
        self._connection = connection
        self.dialect = dialect

    def execute(self, query: str, params: Sequence[Any] = ()) -> Any:
        return self._connection.execute(self.dialect.sql(query), tuple(params))

    def one(self, query: str, params: Sequence[Any] = ()) -> Any | None:
        return self.execute(query, params).fetchone()

    def all(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.execute(query, params).fetchall())

    def scalar(self, query: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(query, params).fetchone()
        return None if row is None else row[0] if not isinstance(row, dict) else next(iter(row.values()))


class Store:
    """Base class; the backends fill in connecting, migrating and recognising their faults."""

    dialect: Dialect

    def __init__(self, location: DatabaseLocation):
        self.location = location
        self._connection: Any = None
        self._lock = threading.RLock()  # the recorder may write from the engine's thread

    # -- backend hooks -------------------------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    def _begin(self, connection: Any) -> None:
        raise NotImplementedError

    def _migrate(self, connection: Any) -> None:
        raise NotImplementedError

    def _translate(self, exc: Exception) -> StorageError | None:
        """The StorageError for a database fault, or None when ``exc`` is not one."""
        raise NotImplementedError

    # -- public -------------------------------------------------------------------------------
    @property
    def display(self) -> str:
        return self.location.display

    def check(self) -> "Store":
        """Connect and bring the schema up to date now (commands call this to fail early)."""
        with self.transaction():
            pass
        return self

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            try:
                connection = self._ensure_connected()
                self._begin(connection)
                yield Transaction(connection, self.dialect)
                connection.commit()
            except BaseException as exc:
                self._rollback_quietly()
                if isinstance(exc, StorageError):
                    raise
                translated = self._translate(exc) if isinstance(exc, Exception) else None
                if translated is None:
                    raise
                if translated.reconnect:
                    self._drop_connection()  # a fresh connection on the next call
                raise translated from exc

    def schema_version(self) -> int:
        with self.transaction() as tx:
            return self._read_version(tx)

    def close(self) -> None:
        with self._lock:
            self._drop_connection()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------------
    def _read_version(self, tx: Transaction) -> int:
        raise NotImplementedError

    def _ensure_connected(self) -> Any:
        if self._connection is None:
            connection = self._connect()
            try:
                self._migrate(connection)
            except BaseException:
                try:
                    connection.close()
                except Exception:
                    pass
                raise
            self._connection = connection
        return self._connection

    def _rollback_quietly(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.rollback()
        except Exception:
            self._drop_connection()

    def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:
                pass


def newer_schema_error(found: int, where: str) -> UserError:
    return UserError(
        f"the records database {where} was written by a newer RehabCoach (schema version {found}; this one "
        f"knows up to {latest_version()}). Update RehabCoach on this computer; nothing was changed."
    )
