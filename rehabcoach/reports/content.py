"""What a progress report says, gathered from the records (Qt-free): per exercise and side, per session."""

from __future__ import annotations

import functools
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime

from rehabcoach.coaching.types import RegionPeak
from rehabcoach.errors import UserError
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


@dataclass(frozen=True)
class PeakRow:
    """How far one guarded measure moved per rep, for one exercise over the period: the size of the
    unwanted movement (an estimate from the camera, on the measure's own scale; see RegionPeak)."""

    exercise_id: str
    region: str
    measure: str
    reps: int  # reps with this measure's peak recorded
    sessions: int
    first: dict[str, float | None]  # per side, median peak deviation over the reps of the first session
    last: dict[str, float | None]  # the same for the last session of the period
    largest_excess: float | None  # largest excess of one side over the other in any rep of the period
    largest_excess_side: str | None


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
    peaks: list[PeakRow] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # exercise id -> title, for the library's exercises

    def exercise_title(self, exercise_id: str) -> str:
        # An exercise from a prescription's bundle may not be in the library: its id, in words.
        return self.titles.get(exercise_id) or exercise_id.replace("-", " ").capitalize()

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
        peaks=peak_rows(sessions),
        titles=library_titles(),
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


def peak_rows(sessions: list[SessionRecord]) -> list[PeakRow]:
    """One row per exercise and guarded measure that has region peaks in ``sessions`` (oldest first)."""
    by_key: dict[tuple[str, str, str], list[tuple[int, int, RegionPeak]]] = {}
    for index, session in enumerate(sessions):
        for rep in session.reps:
            for peak in rep.region_peaks:
                by_key.setdefault((rep.exercise_id, peak.region, peak.measure), []).append((index, id(rep), peak))
    rows = []
    for (exercise_id, region, measure), found in by_key.items():
        first_index, last_index = found[0][0], found[-1][0]
        excesses = [(p.excess_over_other, p.side) for _, _, p in found if p.excess_over_other is not None]
        largest = max(excesses, default=(None, None))
        rows.append(PeakRow(
            exercise_id=exercise_id, region=region, measure=measure, reps=len({rep for _, rep, _ in found}),
            sessions=len({i for i, _, _ in found}),
            first=_side_medians(p for i, _, p in found if i == first_index),
            last=_side_medians(p for i, _, p in found if i == last_index),
            largest_excess=largest[0], largest_excess_side=largest[1]))
    return sorted(rows, key=lambda r: (r.exercise_id, r.region, r.measure))


def _side_medians(peaks) -> dict[str, float | None]:
    values: dict[str, list[float]] = {side: [] for side in SIDES}
    for peak in peaks:
        values[peak.side].append(peak.peak_deviation)
    return {side: statistics.median(v) if v else None for side, v in values.items()}


@functools.lru_cache(maxsize=1)
def library_titles() -> dict[str, str]:
    """Titles of the installed library's exercises (read once: loading the library takes about a second)."""
    from rehabcoach.routines.loader import load_library

    try:
        return {exercise_id: e.title for exercise_id, e in load_library().exercises.items()}
    except UserError:
        return {}  # a broken library must not stop a report: the ids are shown instead


def _prescription_for(history: list[PrescriptionRecord], day: date) -> PrescriptionRecord | None:
    """The latest imported prescription that had started by ``day`` (else the latest one at all)."""
    started = [p for p in history if p.starts_on <= day]
    chosen = started or history
    return chosen[-1] if chosen else None


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None
