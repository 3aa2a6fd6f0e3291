"""Prescriptions in the store: import (all checks first, then one transaction), the active one, and
the session plan a profile's settings give (prescribed overrides + the patient's own thresholds).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from rehabcoach.errors import UserError
from rehabcoach.files import write_private_atomic
from rehabcoach.records import profiles
from rehabcoach.records.location import data_dir, ensure_private_dir
from rehabcoach.records.models import PrescriptionRecord, Profile, from_iso, to_iso, utc_now
from rehabcoach.records.prescriptions import Prescription, check_prescription
from rehabcoach.records.store import StorageError, Store, Transaction
from rehabcoach.routines.loader import Library
from rehabcoach.routines.models import RoutineItem
from rehabcoach.routines.resolve import ResolvedExercise, resolve_exercise

BUNDLES_FOLDER = "bundles"


@dataclass(frozen=True)
class ImportResult:
    prescription: PrescriptionRecord
    profile: Profile
    thresholds_set: int
    files: int


def import_prescription(store: Store, profile_name: str, path: Path | str, *, library_root: Path | None = None,
                        now: datetime | None = None) -> ImportResult:
    """Check ``path`` completely, then make it the profile's active prescription in one transaction."""
    checked = check_prescription(path, library_root)
    model = checked.model
    now = now or utc_now()
    with store.transaction() as tx:
        profile = profiles.profile_named(tx, profile_name)
        if model.patient and profiles.name_key(model.patient) != profiles.name_key(profile.name):
            raise UserError(f"{checked.path} is written for '{model.patient}', not for the profile "
                            f"'{profile.name}'; nothing was imported")
        tx.execute("UPDATE prescriptions SET active = 0 WHERE profile_id = ?", (profile.id,))
        row = tx.one(
            "INSERT INTO prescriptions (profile_id, title, prescribed_by, starts_on, ends_on, notes, document, "
            "source_name, source_sha256, imported_at, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
            (profile.id, model.title, model.prescribed_by, model.starts_on.isoformat(),
             model.ends_on.isoformat() if model.ends_on else None, model.notes,
             json.dumps(model.model_dump(mode="json"), sort_keys=True), checked.path.name,
             hashlib.sha256(checked.text.encode("utf-8")).hexdigest(), to_iso(now)),
        )
        if row is None:
            raise StorageError("the prescription was not stored (the database returned no id); nothing was imported",
                               transient=False)
        prescription_id = int(row["id"])
        for relative, content in sorted(checked.files.items()):
            tx.execute("INSERT INTO prescription_files (prescription_id, path, content) VALUES (?, ?, ?)",
                       (prescription_id, relative, content))
        # The previous prescription's thresholds give way to this one's; a therapist's own settings
        # stay unless this prescription sets the same threshold.
        tx.execute("DELETE FROM profile_thresholds WHERE profile_id = ? AND source = 'prescription'", (profile.id,))
        count = 0
        for exercise_id, override in model.exercises.items():
            for measure, value in override.thresholds.items():
                profiles.write_threshold(tx, profile.id, exercise_id, measure, value, "prescription", now)
                count += 1
        record = _record(tx, tx.one("SELECT * FROM prescriptions WHERE id = ?", (prescription_id,)))
        profile = profiles.profile_by_id(tx, profile.id)
    return ImportResult(record, profile, count, len(checked.files))


def active_prescription(store: Store, profile: Profile) -> PrescriptionRecord | None:
    with store.transaction() as tx:
        row = tx.one("SELECT * FROM prescriptions WHERE profile_id = ? AND active = 1 ORDER BY id DESC",
                     (profile.id,))
        return None if row is None else _record(tx, row)


def prescription_history(store: Store, profile: Profile) -> list[PrescriptionRecord]:
    with store.transaction() as tx:
        rows = tx.all("SELECT * FROM prescriptions WHERE profile_id = ? ORDER BY imported_at, id", (profile.id,))
        return [_record(tx, row) for row in rows]


def bundle_folder(store: Store, record: PrescriptionRecord, base: Path | None = None) -> Path | None:
    """Write the prescription's bundled files to a private local folder (for the loader); None if none."""
    if not record.files:
        return None
    folder = ensure_private_dir((base or data_dir() / BUNDLES_FOLDER) / f"{record.source_sha256[:16]}-{record.id}")
    with store.transaction() as tx:
        rows = tx.all("SELECT path, content FROM prescription_files WHERE prescription_id = ?", (record.id,))
    for row in rows:
        target = folder.joinpath(*row["path"].split("/"))
        if not target.resolve().is_relative_to(folder.resolve()):  # checked on import; never trust stored paths
            raise UserError(f"prescription {record.id} holds a file path outside its bundle: {row['path']}")
        ensure_private_dir(target.parent)
        write_private_atomic(target, bytes(row["content"]))
    return folder


def add_bundle(library: Library, store: Store, record: PrescriptionRecord | None,
               bundles_base: Path | None = None) -> None:
    """Add a prescription's bundled exercises and routines (kept in the store) to ``library``."""
    if record is None:
        return
    folder = bundle_folder(store, record, bundles_base)
    if folder is not None:
        yaml_files = [p for p in folder.rglob("*") if p.suffix.lower() in (".yaml", ".yml")]
        library.add(*yaml_files)


def session_plan(library: Library, routine_id: str, profile: Profile,
                 prescription: PrescriptionRecord | None = None) -> list[ResolvedExercise]:
    """The routine as this patient does it: exercise < routine item < prescription < patient threshold."""
    routine = library.routine(routine_id)
    return [_resolve_for(library, item, profile, prescription) for item in routine.items]


def exercise_plan(library: Library, exercise_id: str, profile: Profile,
                  prescription: PrescriptionRecord | None = None) -> ResolvedExercise:
    """One exercise on its own (started from the library) as this patient does it."""
    library.exercise(exercise_id)  # an unknown id: a UserError with a hint
    return _resolve_for(library, RoutineItem(exercise=exercise_id), profile, prescription)


def prescribed_override(prescription: PrescriptionRecord | None, exercise_id: str):
    """The prescription's settings for one exercise (an ExerciseOverride), or None."""
    overrides = Prescription.model_validate(prescription.document).exercises if prescription else {}
    return overrides.get(exercise_id)


def _resolve_for(library: Library, item: RoutineItem, profile: Profile,
                 prescription: PrescriptionRecord | None) -> ResolvedExercise:
    override = prescribed_override(prescription, item.exercise)
    level = _level_for(item.exercise, override, profile, prescription)
    if override is not None:
        given = {name: getattr(override, name) for name in ("reps", "hold_seconds", "rest_seconds")
                 if getattr(override, name) is not None}
        thresholds = {**item.thresholds, **override.thresholds}
        item = RoutineItem.model_validate({**item.model_dump(), **given, "thresholds": thresholds})
    exercise = library.exercise(item.exercise)
    overrides = item if exercise.movement is not None else None  # massage and relaxation take no overrides
    if level is not None and (exercise.movement is None or level > len(exercise.movement.levels)):
        level = None  # a level kept for an exercise that no longer has it: the routine's choice applies
    return resolve_exercise(exercise, overrides, profile.thresholds.get(exercise.id),
                            affected_side=profile.affected_side, level=level)


def _level_for(exercise_id: str, override, profile: Profile, prescription: PrescriptionRecord | None) -> int | None:
    """The level chosen for this patient: a locked prescription level; else the newer of the patient's own
    choice and the prescription's level; None leaves it to the routine item (resolve.py)."""
    prescribed = override.level if override is not None else None
    if prescribed and override.lock_level:
        return prescribed
    own = profile.levels.get(exercise_id)
    if own is not None and (prescribed is None or prescription is None or own[1] >= prescription.imported_at):
        return own[0]
    return prescribed


def _record(tx: Transaction, row) -> PrescriptionRecord:
    files = tuple(r["path"] for r in tx.all("SELECT path FROM prescription_files WHERE prescription_id = ? "
                                            "ORDER BY path", (row["id"],)))
    return PrescriptionRecord(
        id=int(row["id"]), profile_id=int(row["profile_id"]), title=row["title"], prescribed_by=row["prescribed_by"],
        starts_on=date.fromisoformat(row["starts_on"]),
        ends_on=date.fromisoformat(row["ends_on"]) if row["ends_on"] else None, notes=row["notes"],
        document=json.loads(row["document"]), source_name=row["source_name"], source_sha256=row["source_sha256"],
        imported_at=from_iso(row["imported_at"]), active=bool(row["active"]), files=files,
    )
