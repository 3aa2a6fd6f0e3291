"""PostgreSQL backend: several clinic workstations share one server (psycopg 3).

The schema is the same as SQLite's; its version is kept in a ``schema_migrations`` table, and
workstations that start at the same moment take an advisory lock so only one of them migrates.
"""

from __future__ import annotations

from typing import Any

from rehabcoach.records.location import DatabaseLocation
from rehabcoach.records.schema import POSTGRES, latest_version, pending_migrations
from rehabcoach.records.store import StorageError, Store, Transaction, newer_schema_error

MIGRATION_LOCK_KEY = 0x52454841  # arbitrary constant shared by all RehabCoach installations


class PostgresStore(Store):
    dialect = POSTGRES

    def __init__(self, location: DatabaseLocation, *, connect_timeout: int = 5):
        super().__init__(location)
        self.connect_timeout = connect_timeout

    def _connect(self) -> Any:
        import psycopg
        from psycopg.rows import dict_row

        return psycopg.connect(
            self.location.url, autocommit=False, row_factory=dict_row, connect_timeout=self.connect_timeout,
            application_name="rehabcoach",
        )

    def _begin(self, connection: Any) -> None:
        pass  # psycopg opens a transaction with the first statement

    def _read_version(self, tx: Transaction) -> int:
        return int(tx.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))

    def _migrate(self, connection: Any) -> None:
        tx = Transaction(connection, POSTGRES)
        try:
            # The lock comes first: CREATE TABLE IF NOT EXISTS itself is not safe when run concurrently.
            tx.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK_KEY,))
            tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            current = self._read_version(tx)
            if current > latest_version():
                raise newer_schema_error(current, self.display)
            for version, statements in pending_migrations(current):
                for statement in statements:
                    connection.execute(POSTGRES.ddl(statement))
                tx.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, CAST(NOW() AS TEXT))", (version,)
                )
            connection.commit()
        except BaseException:
            try:
                connection.rollback()
            except Exception:
                pass
            raise

    def _translate(self, exc: Exception) -> StorageError | None:
        import psycopg
        from psycopg import errors

        if isinstance(exc, errors.InsufficientPrivilege):
            return StorageError(
                f"the database account in {self.display} may not do this ({_first_line(exc)}). "
                "Ask the clinic's administrator.", transient=False,
            )
        if not isinstance(exc, psycopg.Error) or isinstance(exc, (psycopg.IntegrityError, psycopg.ProgrammingError)):
            return None
        if isinstance(exc, errors.DiskFull):
            return StorageError(f"the database server {self.display} has run out of disk space.")
        if isinstance(exc, errors.InvalidPassword) or "password authentication failed" in str(exc):
            return StorageError(f"the database server {self.display} refused the login.", transient=False)
        if isinstance(exc, errors.InvalidCatalogName):
            return StorageError(f"the database in {self.display} does not exist: ask the clinic's administrator to "
                                "create it.", transient=False)
        if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
            return StorageError(f"cannot reach the database server {self.display} ({_first_line(exc)}).",
                                reconnect=True)
        return StorageError(f"the database server {self.display} reported a problem ({_first_line(exc)}).",
                            reconnect=connection_lost(exc))


def connection_lost(exc: Exception) -> bool:
    # Class 08 (connection exception) and 57P (operator intervention: server shutting down).
    state = getattr(exc, "sqlstate", None) or ""
    return state.startswith(("08", "57P"))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
