"""Patient profiles: several people can practise on one computer, each with their own settings.

A profile holds the display name, the affected side, free notes and per-exercise guard thresholds
(set by a therapist, a prescription or during a supervised session).  Names are matched without
regard to case or repeated spaces, so "anna  b" finds "Anna B".
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from types import EllipsisType

from rehabcoach.errors import UserError
from rehabcoach.records.models import AFFECTED_SIDES, Profile, from_iso, to_iso, utc_now
from rehabcoach.records.store import Store, Transaction
from rehabcoach.routines.suggestions import did_you_mean, hint_text
from rehabcoach.vision.catalogue import MEASURES

EXERCISE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
THRESHOLD_RANGE = (0.0, 2.0)  # same limits as a guard threshold in the routine format
THRESHOLD_SOURCES = ("therapist", "prescription", "session")
LEVEL_SOURCES = ("patient", "therapist")
MAX_NAME = 60


def name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def clean_name(name: str) -> str:
    cleaned = " ".join(unicodedata.normalize("NFC", name).split())
    if not cleaned:
        raise UserError("a profile needs a name")
    if len(cleaned) > MAX_NAME:
        raise UserError(f"profile name is too long ({len(cleaned)} characters, at most {MAX_NAME})")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise UserError("a profile name cannot contain control characters")
    return cleaned


def check_side(side: str | None) -> str | None:
    if side in (None, "", "none"):
        return None
    if side not in AFFECTED_SIDES:
        raise UserError(f"affected side must be left, right or none, not {side!r}")
    return side


def check_threshold(exercise_id: str, measure: str, value: float) -> None:
    if not EXERCISE_ID.match(exercise_id):
        raise UserError(f"{exercise_id!r} is not an exercise id (lower-case words joined by hyphens)")
    if measure not in MEASURES:
        raise UserError(f"unknown measure {measure!r}{hint_text(did_you_mean(measure, MEASURES))}; "
                        f"measures: {', '.join(MEASURES)}")
    low, high = THRESHOLD_RANGE
    if not (low < value <= high):
        raise UserError(f"threshold for {measure} must be above {low} and at most {high}, not {value}")


def add_profile(store: Store, name: str, affected_side: str | None = None, notes: str = "",
                now: datetime | None = None) -> Profile:
    name = clean_name(name)
    side = check_side(affected_side)
    with store.transaction() as tx:
        if tx.one("SELECT id FROM profiles WHERE name_key = ?", (name_key(name),)):
            raise UserError(f"a profile named '{name}' already exists")
        tx.execute(
            "INSERT INTO profiles (name, name_key, affected_side, notes, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, name_key(name), side, notes.strip(), to_iso(now or utc_now())),
        )
        return profile_named(tx, name)


def list_profiles(store: Store) -> list[Profile]:
    with store.transaction() as tx:
        rows = tx.all("SELECT * FROM profiles ORDER BY name_key")
        return [_profile(tx, row) for row in rows]


def get_profile(store: Store, name: str) -> Profile:
    with store.transaction() as tx:
        return profile_named(tx, name)


def update_profile(store: Store, name: str, *, new_name: str | None = None,
                   affected_side: str | None | EllipsisType = ..., notes: str | None = None) -> Profile:
    with store.transaction() as tx:
        profile = profile_named(tx, name)
        if new_name is not None:
            cleaned = clean_name(new_name)
            clash = tx.one("SELECT id FROM profiles WHERE name_key = ? AND id <> ?", (name_key(cleaned), profile.id))
            if clash:
                raise UserError(f"a profile named '{cleaned}' already exists")
            tx.execute("UPDATE profiles SET name = ?, name_key = ? WHERE id = ?",
                       (cleaned, name_key(cleaned), profile.id))
        if affected_side is not ...:
            tx.execute("UPDATE profiles SET affected_side = ? WHERE id = ?", (check_side(affected_side), profile.id))
        if notes is not None:
            tx.execute("UPDATE profiles SET notes = ? WHERE id = ?", (notes.strip(), profile.id))
        return profile_by_id(tx, profile.id)


def remove_profile(store: Store, name: str) -> Profile:
    """Delete a profile and everything recorded for it."""
    with store.transaction() as tx:
        profile = profile_named(tx, name)
        tx.execute("DELETE FROM profiles WHERE id = ?", (profile.id,))
        return profile


def set_threshold(store: Store, profile_name: str, exercise_id: str, measure: str, value: float,
                  source: str = "therapist", now: datetime | None = None) -> Profile:
    check_threshold(exercise_id, measure, value)
    with store.transaction() as tx:
        profile = profile_named(tx, profile_name)
        write_threshold(tx, profile.id, exercise_id, measure, value, source, now)
        return profile_by_id(tx, profile.id)


def write_threshold(tx: Transaction, profile_id: int, exercise_id: str, measure: str, value: float,
                    source: str, now: datetime | None = None) -> None:
    """Insert or replace one threshold inside an open transaction (prescription import uses it too)."""
    assert source in THRESHOLD_SOURCES
    tx.execute("DELETE FROM profile_thresholds WHERE profile_id = ? AND exercise_id = ? AND measure = ?",
               (profile_id, exercise_id, measure))
    tx.execute(
        "INSERT INTO profile_thresholds (profile_id, exercise_id, measure, threshold, source, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (profile_id, exercise_id, measure, float(value), source, to_iso(now or utc_now())),
    )


def clear_thresholds(store: Store, profile_name: str, exercise_id: str, measure: str | None = None) -> int:
    """Remove a patient's override(s) so the exercise's own thresholds apply again; returns how many."""
    with store.transaction() as tx:
        profile = profile_named(tx, profile_name)
        query = "DELETE FROM profile_thresholds WHERE profile_id = ? AND exercise_id = ?"
        params: tuple = (profile.id, exercise_id)
        if measure is not None:
            query += " AND measure = ?"
            params += (measure,)
        return tx.execute(query, params).rowcount


def set_level(store: Store, profile_name: str, exercise_id: str, level: int, source: str = "patient",
              now: datetime | None = None) -> Profile:
    """The progression level this patient practises ``exercise_id`` at (1-5; the library checks it exists)."""
    if not EXERCISE_ID.match(exercise_id):
        raise UserError(f"{exercise_id!r} is not an exercise id (lower-case words joined by hyphens)")
    if not isinstance(level, int) or not 1 <= level <= 5:
        raise UserError(f"a level is a whole number from 1 to 5, not {level!r}")
    assert source in LEVEL_SOURCES
    with store.transaction() as tx:
        profile = profile_named(tx, profile_name)
        tx.execute("DELETE FROM profile_levels WHERE profile_id = ? AND exercise_id = ?", (profile.id, exercise_id))
        tx.execute("INSERT INTO profile_levels (profile_id, exercise_id, level, source, set_at) VALUES (?, ?, ?, ?, ?)",
                   (profile.id, exercise_id, level, source, to_iso(now or utc_now())))
        return profile_by_id(tx, profile.id)


def profile_named(tx: Transaction, name: str) -> Profile:
    row = tx.one("SELECT * FROM profiles WHERE name_key = ?", (name_key(name),))
    if row is None:
        names = [r["name"] for r in tx.all("SELECT name FROM profiles ORDER BY name_key")]
        if not names:
            raise UserError(f"no profile named '{name}': there are no profiles yet (rehabcoach profile add NAME)")
        raise UserError(f"no profile named '{name}'{hint_text(did_you_mean(name, names, cutoff=0.5))}; "
                        f"profiles: {', '.join(names)}")
    return _profile(tx, row)


def profile_by_id(tx: Transaction, profile_id: int) -> Profile:
    return _profile(tx, tx.one("SELECT * FROM profiles WHERE id = ?", (profile_id,)))


def _profile(tx: Transaction, row) -> Profile:
    thresholds: dict[str, dict[str, float]] = {}
    for t in tx.all("SELECT exercise_id, measure, threshold FROM profile_thresholds WHERE profile_id = ? "
                    "ORDER BY exercise_id, measure", (row["id"],)):
        thresholds.setdefault(t["exercise_id"], {})[t["measure"]] = float(t["threshold"])
    levels = {t["exercise_id"]: (int(t["level"]), from_iso(t["set_at"]))
              for t in tx.all("SELECT exercise_id, level, set_at FROM profile_levels WHERE profile_id = ?", (row["id"],))}
    return Profile(
        id=int(row["id"]), name=row["name"], affected_side=row["affected_side"], notes=row["notes"],
        created_at=from_iso(row["created_at"]), thresholds=thresholds, levels=levels,
    )
