"""Plain records read from and written to the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from rehabcoach.coaching.types import MovementEvent, RegionPeak
from rehabcoach.vision.catalogue import Side

AFFECTED_SIDES = ("left", "right")
SESSION_STATUSES = ("in_progress", "completed", "stopped")
# Why a stopped session stopped, when it was not the patient's choice (see schema version 2).
END_REASONS = ("interrupted", "no_face")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def to_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("record times must be timezone-aware")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of ``first``, start of the day after ``last``) in the computer's local time."""
    if last < first:
        raise ValueError("the range ends before it starts")
    start = datetime(first.year, first.month, first.day).astimezone()
    end = (datetime(last.year, last.month, last.day) + timedelta(days=1)).astimezone()
    return start, end


def local_day(moment: datetime) -> date:
    return moment.astimezone().date()


@dataclass(frozen=True)
class Profile:
    id: int
    name: str
    affected_side: Side | None
    notes: str
    created_at: datetime
    # exercise id -> measure -> threshold, overriding the exercise's and the routine's guards
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    # exercise id -> (progression level the patient practises at, when it was set)
    levels: dict[str, tuple[int, datetime]] = field(default_factory=dict)


@dataclass(frozen=True)
class RepRecord:
    """One completed repetition as stored."""

    exercise_id: str
    rep: int
    started_s: float
    ended_s: float
    target_measure: str | None
    target_reached: dict[Side, float]
    face_missing_s: float
    thresholds: dict[str, float]
    events: tuple[MovementEvent, ...]
    recorded_at: datetime
    # Per guarded measure and side, how far it moved (empty for reps stored before schema version 4).
    region_peaks: tuple[RegionPeak, ...] = ()
    # Move and hold with the head turned too far for the guards to judge (0 for reps stored before schema 5).
    turned_away_s: float = 0.0

    def unwanted_seconds(self, side: Side | None = None) -> float:
        return sum(e.duration_s for e in self.events if side is None or e.side == side)


@dataclass(frozen=True)
class SessionMark:
    at_s: float
    note: str
    created_at: datetime


@dataclass(frozen=True)
class SessionRecord:
    uuid: str
    profile_id: int
    routine_id: str
    started_at: datetime
    ended_at: datetime | None
    status: str
    supervised: bool
    prescription_id: int | None
    baseline: dict | None
    app_version: str
    reps: tuple[RepRecord, ...] = ()
    marks: tuple[SessionMark, ...] = ()
    end_reason: str | None = None  # END_REASONS, or None

    @property
    def warnings(self) -> int:
        return sum(len(r.events) for r in self.reps)


@dataclass(frozen=True)
class PrescriptionRecord:
    id: int
    profile_id: int
    title: str
    prescribed_by: str
    starts_on: date
    ends_on: date | None
    notes: str
    document: dict  # the validated prescription, as JSON data
    source_name: str
    source_sha256: str
    imported_at: datetime
    active: bool
    files: tuple[str, ...] = ()
