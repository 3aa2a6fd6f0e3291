"""What a progress report says, gathered from the records (Qt-free): per exercise and side, per session."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime

from rehabcoach.records.adherence import RoutineAdherence, adherence
from rehabcoach.records.models import PrescriptionRecord, Profile, SessionRecord, day_range, local_day, utc_now
from rehabcoach.records.movement_check import CheckResult, movement_check_trend
from rehabcoach.records.prescription_store import prescription_history
from rehabcoach.records.sessions import load_sessions
from rehabcoach.records.store import Store
from rehabcoach.vision.catalogue import SIDES


@dataclass(frozen=True)
class ExercisePoint:
    """One exercise in one session: means over its reps, per side."""

    session_uuid: str
    day: date
    exercise_id: str
    reps: int
    unwanted_s_per_rep: dict[str, float]
    target: dict[str, float | None]  # mean fraction of the target reached (0..1)
    warnings: int


@dataclass
class ReportContent:
    profile: Profile
    first: date
    last: date
    generated_at: datetime
    sessions: list[SessionRecord]
    prescription: PrescriptionRecord | None  # the one in force at the end of the range (else the latest)
    adherence: list[RoutineAdherence]
    exercise_points: dict[str, list[ExercisePoint]] = field(default_factory=dict)  # exercise id -> by session
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def movement_exercises(self) -> list[str]:
        """Exercises with reps: those that showed unwanted movement first, then the most practised."""
        def key(exercise_id: str):
            points = self.exercise_points[exercise_id]
            return (not any(p.warnings for p in points), -sum(p.reps for p in points), exercise_id)
        return sorted(self.exercise_points, key=key)


def gather(store: Store, profile: Profile, first: date, last: date, now: datetime | None = None) -> ReportContent:
    since, until = day_range(first, last)
    sessions = load_sessions(store, profile.id, since, until)
    prescription = _prescription_for(prescription_history(store, profile), last)
    content = ReportContent(
        profile=profile, first=first, last=last, generated_at=now or utc_now(), sessions=sessions,
        prescription=prescription,
        adherence=adherence(prescription, sessions, first, last) if prescription else [],
        checks=movement_check_trend(sessions),
    )
    for session in sessions:
        by_exercise: dict[str, list] = {}
        for rep in session.reps:
            by_exercise.setdefault(rep.exercise_id, []).append(rep)
        for exercise_id, reps in by_exercise.items():
            content.exercise_points.setdefault(exercise_id, []).append(ExercisePoint(
                session_uuid=session.uuid, day=local_day(session.started_at), exercise_id=exercise_id,
                reps=len(reps),
                unwanted_s_per_rep={side: statistics.fmean(r.unwanted_seconds(side) for r in reps) for side in SIDES},
                target={side: _mean([r.target_reached[side] for r in reps if side in r.target_reached])
                        for side in SIDES},
                warnings=sum(len(r.events) for r in reps),
            ))
    return content


def _prescription_for(history: list[PrescriptionRecord], day: date) -> PrescriptionRecord | None:
    """The latest imported prescription that had started by ``day`` (else the latest one at all)."""
    started = [p for p in history if p.starts_on <= day]
    chosen = started or history
    return chosen[-1] if chosen else None


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None
