"""Open the records store a URL names: SQLite (the default, a file in the user's data folder) or PostgreSQL.

Apart from ``store.py`` so that the backends, which build on ``store.Store``, are imported by this module
only: no import cycle.  Each backend is imported only when its URL is used (psycopg is not loaded for SQLite).
"""

from __future__ import annotations

from rehabcoach.records.location import database_url, parse_url
from rehabcoach.records.store import Store


def open_records(url: str | None = None, *, connect: bool = True, busy_timeout: float = 5.0) -> Store:
    """The patient records store named by ``url`` (or the configured/default one). ``connect=False`` defers connecting
    to the first use, so a session can start while the server is unreachable."""
    location = parse_url(database_url(url))
    if location.kind == "sqlite":
        from rehabcoach.records.sqlite_store import SqliteStore

        store: Store = SqliteStore(location, busy_timeout=busy_timeout)
    else:
        from rehabcoach.records.postgres_store import PostgresStore

        store = PostgresStore(location, connect_timeout=max(1, int(busy_timeout)))
    if connect:
        store.check()
    return store
