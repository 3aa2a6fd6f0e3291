"""Session records: a session row when practice starts, one transaction per completed rep, marks, the end.

Every write is idempotent (keyed by a UUID made by the recorder), so an operation that is retried
after a lost connection, possibly after it had in fact been committed, is never stored twice.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import datetime

from rehabcoach.coaching.types import Baseline, MovementEvent, RegionPeak, RepSummary
from rehabcoach.records.models import (
    END_REASONS,
    SESSION_STATUSES,
    RepRecord,
    SessionMark,
    SessionRecord,
    from_iso,
    to_iso,
)
from rehabcoach.records.store import StorageError, Store, Transaction
from rehabcoach.vision.catalogue import SIDES


@dataclass(frozen=True)
class SessionStart:
    uuid: str
    profile_id: int
    routine_id: str
    started_at: datetime
    app_version: str
    supervised: bool = False
    prescription_id: int | None = None
    baseline: Baseline | None = None


def begin_session(store: Store, start: SessionStart) -> None:
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO sessions (uuid, profile_id, routine_id, prescription_id, started_at, status, supervised, "
            "baseline, app_version) VALUES (?, ?, ?, ?, ?, 'in_progress', ?, ?, ?) ON CONFLICT (uuid) DO NOTHING",
            (start.uuid, start.profile_id, start.routine_id, start.prescription_id, to_iso(start.started_at),
             int(start.supervised), baseline_json(start.baseline), start.app_version),
        )


def set_baseline(store: Store, session_uuid: str, baseline: Baseline) -> None:
    with store.transaction() as tx:
        tx.execute("UPDATE sessions SET baseline = ? WHERE uuid = ?", (baseline_json(baseline), session_uuid))


def record_rep(store: Store, session_uuid: str, rep_uuid: str, summary: RepSummary, recorded_at: datetime,
               target_measure: str | None = None) -> bool:
    """Write one completed rep, its unwanted-movement events and its region peaks in one transaction.

    Returns False when the rep was already stored (a retry after a commit whose answer was lost).
    """
    with store.transaction() as tx:
        session_id = _session_id(tx, session_uuid)
        row = tx.one(
            "INSERT INTO reps (uuid, session_id, exercise_id, rep, started_s, ended_s, target_measure, target_left, "
            "target_right, face_missing_s, turned_away_s, thresholds, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (uuid) DO NOTHING RETURNING id",
            (rep_uuid, session_id, summary.exercise_id, int(summary.rep), float(summary.started_s),
             float(summary.ended_s), target_measure, _side_value(summary.target_reached, "left"),
             _side_value(summary.target_reached, "right"), float(summary.face_missing_s),
             float(summary.turned_away_s),
             json.dumps(summary.thresholds, sort_keys=True), to_iso(recorded_at)),
        )
        if row is None:
            return False
        rep_id = row["id"]
        for event in summary.events:
            tx.execute(
                "INSERT INTO movement_events (rep_id, region, side, measure, start_s, end_s, peak, threshold) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (rep_id, event.region, event.side, event.measure, float(event.start_s), float(event.end_s),
                 float(event.peak), float(event.threshold)),
            )
        for peak in summary.region_peaks:
            if not math.isfinite(peak.peak_deviation):
                continue  # a measure lost mid-rep has no size to store; the rep itself is still kept
            excess = peak.excess_over_other
            tx.execute(
                "INSERT INTO rep_region_peaks (rep_id, region, side, measure, peak_deviation, excess_over_other) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (rep_id, peak.region, peak.side, peak.measure, float(peak.peak_deviation),
                 float(excess) if excess is not None and math.isfinite(excess) else None),
            )
        return True


def add_mark(store: Store, session_uuid: str, mark_uuid: str, at_s: float, note: str, created_at: datetime) -> None:
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO session_marks (uuid, session_id, at_s, note, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (uuid) DO NOTHING",
            (mark_uuid, _session_id(tx, session_uuid), float(at_s), note.strip(), to_iso(created_at)),
        )


def end_session(store: Store, session_uuid: str, ended_at: datetime, status: str, reason: str | None = None) -> None:
    if status not in SESSION_STATUSES or status == "in_progress":
        raise ValueError(f"a session ends as completed or stopped, not {status!r}")
    if reason is not None and (reason not in END_REASONS or status != "stopped"):
        raise ValueError(f"a session stopped for a reason ({', '.join(END_REASONS)}), not {status!r}/{reason!r}")
    with store.transaction() as tx:
        _session_id(tx, session_uuid)
        tx.execute("UPDATE sessions SET ended_at = ?, status = ?, end_reason = ? WHERE uuid = ?",
                   (to_iso(ended_at), status, reason, session_uuid))


def sessions_in_progress(store: Store) -> list[tuple[str, datetime]]:
    """(uuid, started_at) of every session still marked in progress, any profile."""
    with store.transaction() as tx:
        rows = tx.all("SELECT uuid, started_at FROM sessions WHERE status = 'in_progress' ORDER BY id")
    return [(row["uuid"], from_iso(row["started_at"])) for row in rows]


def mark_interrupted(store: Store, session_uuid: str) -> bool:
    """Close a session its app never closed (killed, crashed, power cut) as stopped, 'interrupted'.

    It ends when its last rep was saved (or when it started, without reps).  True if it was in progress.
    """
    with store.transaction() as tx:
        row = tx.one(
            "UPDATE sessions SET status = 'stopped', end_reason = 'interrupted', ended_at = COALESCE("
            "(SELECT MAX(recorded_at) FROM reps WHERE reps.session_id = sessions.id), started_at) "
            "WHERE uuid = ? AND status = 'in_progress' RETURNING id", (session_uuid,))
    return row is not None


def load_sessions(store: Store, profile_id: int, since: datetime | None = None, until: datetime | None = None,
                  ) -> list[SessionRecord]:
    """The profile's sessions that started in [since, until), oldest first, with their reps and marks."""
    where = "profile_id = ?"
    params: list = [profile_id]
    if since is not None:
        where += " AND started_at >= ?"
        params.append(to_iso(since))
    if until is not None:
        where += " AND started_at < ?"
        params.append(to_iso(until))
    with store.transaction() as tx:
        session_rows = tx.all(f"SELECT * FROM sessions WHERE {where} ORDER BY started_at, id", params)
        ids = f"SELECT id FROM sessions WHERE {where}"
        rep_rows = tx.all(f"SELECT * FROM reps WHERE session_id IN ({ids}) ORDER BY session_id, id", params)
        event_rows = tx.all(
            f"SELECT * FROM movement_events WHERE rep_id IN (SELECT id FROM reps WHERE session_id IN ({ids})) "
            "ORDER BY rep_id, start_s, id", params,
        )
        peak_rows = tx.all(
            f"SELECT * FROM rep_region_peaks WHERE rep_id IN (SELECT id FROM reps WHERE session_id IN ({ids})) "
            "ORDER BY rep_id, measure, side", params,
        )
        mark_rows = tx.all(f"SELECT * FROM session_marks WHERE session_id IN ({ids}) ORDER BY session_id, at_s",
                           params)
    events: dict[int, list[MovementEvent]] = {}
    for e in event_rows:
        events.setdefault(e["rep_id"], []).append(MovementEvent(
            region=e["region"], side=e["side"], measure=e["measure"], start_s=e["start_s"], end_s=e["end_s"],
            peak=e["peak"], threshold=e["threshold"]))
    peaks: dict[int, list[RegionPeak]] = {}
    for p in peak_rows:
        peaks.setdefault(p["rep_id"], []).append(RegionPeak(
            region=p["region"], side=p["side"], measure=p["measure"], peak_deviation=p["peak_deviation"],
            excess_over_other=p["excess_over_other"]))
    reps: dict[int, list[RepRecord]] = {}
    for r in rep_rows:
        target = {side: r[f"target_{side}"] for side in SIDES if r[f"target_{side}"] is not None}
        reps.setdefault(r["session_id"], []).append(RepRecord(
            exercise_id=r["exercise_id"], rep=r["rep"], started_s=r["started_s"], ended_s=r["ended_s"],
            target_measure=r["target_measure"], target_reached=target, face_missing_s=r["face_missing_s"],
            turned_away_s=r["turned_away_s"],
            thresholds=json.loads(r["thresholds"]), events=tuple(events.get(r["id"], ())),
            recorded_at=from_iso(r["recorded_at"]), region_peaks=tuple(peaks.get(r["id"], ()))))
    marks: dict[int, list[SessionMark]] = {}
    for m in mark_rows:
        marks.setdefault(m["session_id"], []).append(
            SessionMark(at_s=m["at_s"], note=m["note"], created_at=from_iso(m["created_at"])))
    return [
        SessionRecord(
            uuid=s["uuid"], profile_id=s["profile_id"], routine_id=s["routine_id"],
            started_at=from_iso(s["started_at"]), ended_at=from_iso(s["ended_at"]) if s["ended_at"] else None,
            status=s["status"], supervised=bool(s["supervised"]), prescription_id=s["prescription_id"],
            baseline=json.loads(s["baseline"]) if s["baseline"] else None, app_version=s["app_version"],
            reps=tuple(reps.get(s["id"], ())), marks=tuple(marks.get(s["id"], ())), end_reason=s["end_reason"],
        )
        for s in session_rows
    ]


def baseline_json(baseline: Baseline | None) -> str | None:
    return None if baseline is None else json.dumps(asdict(baseline), sort_keys=True)


def _session_id(tx: Transaction, session_uuid: str) -> int:
    row = tx.one("SELECT id FROM sessions WHERE uuid = ?", (session_uuid,))
    if row is None:
        # Cannot happen through the recorder (the session row is written first); not the user's doing.
        raise StorageError(f"session {session_uuid} is not in the records", transient=False)
    return int(row["id"])


def _side_value(values: dict, side: str) -> float | None:
    value = values.get(side)
    return None if value is None else float(value)
