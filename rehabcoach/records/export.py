"""Export of a profile's session data: one JSON document, or CSV tables (one file per table).

Everything is written atomically with user-only permissions (``rehabcoach.files``): an export that
fails leaves no half-written file.  Text cells that a spreadsheet would run as a formula are quoted.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

from rehabcoach import __version__
from rehabcoach.files import write_all_private_atomic, write_private_atomic
from rehabcoach.records.location import ensure_private_dir
from rehabcoach.records.models import Profile, SessionRecord, day_range, to_iso, utc_now
from rehabcoach.records.movement_check import LABEL, movement_check_trend
from rehabcoach.records.prescription_store import prescription_history
from rehabcoach.records.sessions import load_sessions
from rehabcoach.records.store import Store

EXPORT_FORMAT = "rehabcoach-export-1"
# Days a range may start or end on: far beyond any record, yet inside what the computer's clock and
# time zones can convert (0001-01-01 and 9999-12-31 overflow when turned into local times).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9998, 12, 31)
NOTE = ("RehabCoach supports therapy; it does not diagnose. Movement-check grades and movement sizes "
        "(region_peaks) are estimates from the camera, not a clinical Sunnybrook rating.")


def export_data(store: Store, profile: Profile, first: date | None = None, last: date | None = None,
                now: datetime | None = None) -> dict:
    """All of a profile's records (sessions started between ``first`` and ``last``, inclusive)."""
    since, until = day_range(first or EARLIEST_DAY, last or LATEST_DAY)
    sessions = load_sessions(store, profile.id, since, until)
    return {
        "format": EXPORT_FORMAT,
        "app_version": __version__,
        "exported_at": to_iso(now or utc_now()),
        "note": NOTE,
        "range": {"from": first.isoformat() if first else None, "to": last.isoformat() if last else None},
        "profile": {"name": profile.name, "affected_side": profile.affected_side, "notes": profile.notes,
                    "created_at": to_iso(profile.created_at), "thresholds": profile.thresholds,
                    "levels": {exercise: {"level": level, "set_at": to_iso(set_at)}
                               for exercise, (level, set_at) in sorted(profile.levels.items())}},
        "prescriptions": [
            {"title": p.title, "prescribed_by": p.prescribed_by, "starts_on": p.starts_on.isoformat(),
             "ends_on": p.ends_on.isoformat() if p.ends_on else None, "active": p.active,
             "imported_at": to_iso(p.imported_at), "source_name": p.source_name, "document": p.document}
            for p in prescription_history(store, profile)
        ],
        "sessions": [_session_json(s) for s in sessions],
        "movement_check": [
            {"session": r.session_uuid, "started_at": to_iso(r.started_at), "label": LABEL, "total": r.total,
             "movements": {name: asdict(m) for name, m in r.movements.items()}}
            for r in movement_check_trend(sessions)
        ],
    }


def write_json(data: dict, path: Path) -> Path:
    return write_private_atomic(path, json_text(data))


CSV_TABLES = {
    "sessions": ["session", "profile", "routine", "started_at", "ended_at", "status", "end_reason", "supervised",
                 "reps", "warnings", "app_version"],
    "reps": ["session", "exercise", "rep", "started_s", "ended_s", "target_measure", "target_left",
             "target_right", "unwanted_left_s", "unwanted_right_s", "warnings", "face_missing_s", "turned_away_s",
             "thresholds", "recorded_at"],
    "events": ["session", "exercise", "rep", "region", "side", "measure", "start_s", "end_s", "duration_s", "peak",
               "threshold"],
    # Per rep, guarded measure and side: how far it moved (see coaching.types.RegionPeak).
    "region_peaks": ["session", "exercise", "rep", "region", "side", "measure", "peak_deviation",
                     "excess_over_other"],
    "marks": ["session", "at_s", "note", "created_at"],
    "movement_check": ["session", "started_at", "movement", "estimate", "left", "right", "reps",
                       "largest_excess_mm", "label"],
}


def csv_rows(data: dict) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {name: [] for name in CSV_TABLES}
    for s in data["sessions"]:
        tables["sessions"].append({
            "session": s["uuid"], "profile": data["profile"]["name"], "routine": s["routine"],
            "started_at": s["started_at"], "ended_at": s["ended_at"], "status": s["status"],
            "end_reason": s.get("end_reason"),  # absent in data exported before schema 2
            "supervised": int(s["supervised"]), "reps": len(s["reps"]),
            "warnings": sum(len(r["events"]) for r in s["reps"]), "app_version": s["app_version"]})
        for r in s["reps"]:
            tables["reps"].append({
                "session": s["uuid"], "exercise": r["exercise"], "rep": r["rep"], "started_s": r["started_s"],
                "ended_s": r["ended_s"], "target_measure": r["target_measure"],
                "target_left": r["target_reached"].get("left"), "target_right": r["target_reached"].get("right"),
                "unwanted_left_s": r["unwanted_seconds"]["left"], "unwanted_right_s": r["unwanted_seconds"]["right"],
                "warnings": len(r["events"]), "face_missing_s": r["face_missing_s"],
                "turned_away_s": r.get("turned_away_s", 0.0),  # absent in data exported before schema 5
                "thresholds": json.dumps(r["thresholds"], sort_keys=True), "recorded_at": r["recorded_at"]})
            for e in r["events"]:
                tables["events"].append({"session": s["uuid"], "exercise": r["exercise"], "rep": r["rep"], **e})
            for p in r.get("region_peaks", ()):
                tables["region_peaks"].append({"session": s["uuid"], "exercise": r["exercise"], "rep": r["rep"], **p})
        for m in s["marks"]:
            tables["marks"].append({"session": s["uuid"], **m})
    for check in data["movement_check"]:
        for name, m in check["movements"].items():
            tables["movement_check"].append({
                "session": check["session"], "started_at": check["started_at"], "movement": name,
                "estimate": m["estimate"], "left": m["by_side"].get("left"), "right": m["by_side"].get("right"),
                "reps": m["reps"], "largest_excess_mm": m["largest_excess_mm"], "label": check["label"]})
    return tables


def write_csv(data: dict, folder: Path) -> list[Path]:
    """One CSV file per table in ``folder`` (created, private, when missing): all of them, or none."""
    ensure_private_dir(folder)
    return write_all_private_atomic(csv_files(data, folder))


def csv_files(data: dict, folder: Path) -> list[tuple[Path, str]]:
    """The CSV tables as (path in ``folder``, text), for writing together with other outputs."""
    files = []
    for name, rows in csv_rows(data).items():
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_TABLES[name], lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _safe_cell(value) for key, value in row.items()})
        files.append((folder / f"{name}.csv", buffer.getvalue()))
    return files


def json_text(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _session_json(s: SessionRecord) -> dict:
    return {
        "uuid": s.uuid, "routine": s.routine_id, "started_at": to_iso(s.started_at),
        "ended_at": to_iso(s.ended_at) if s.ended_at else None, "status": s.status,
        "end_reason": s.end_reason, "supervised": s.supervised,
        "app_version": s.app_version, "baseline": s.baseline,
        "reps": [{
            "exercise": r.exercise_id, "rep": r.rep, "started_s": r.started_s, "ended_s": r.ended_s,
            "target_measure": r.target_measure, "target_reached": r.target_reached,
            "unwanted_seconds": {side: round(r.unwanted_seconds(side), 3) for side in ("left", "right")},
            "face_missing_s": r.face_missing_s, "turned_away_s": r.turned_away_s, "thresholds": r.thresholds,
            "recorded_at": to_iso(r.recorded_at),
            "events": [{"region": e.region, "side": e.side, "measure": e.measure, "start_s": e.start_s,
                        "end_s": e.end_s, "duration_s": round(e.duration_s, 3), "peak": e.peak,
                        "threshold": e.threshold} for e in r.events],
            "region_peaks": [asdict(p) for p in r.region_peaks],
        } for r in s.reps],
        "marks": [{"at_s": m.at_s, "note": m.note, "created_at": to_iso(m.created_at)} for m in s.marks],
    }


def _safe_cell(value):
    # A note like "=HYPERLINK(...)" must stay text when the file is opened in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
