"""Patient records: profiles, prescriptions and session results, kept in SQLite or PostgreSQL.

Qt-free.  ``backends.open_records(url)`` gives a :class:`~rehabcoach.records.store.Store`; the session engine's
events are written rep by rep by :class:`~rehabcoach.records.recorder.SessionRecorder`.
"""
