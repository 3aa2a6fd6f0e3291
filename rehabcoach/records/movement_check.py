"""Movement check: a synkinesis *estimate* on the Sunnybrook 0-3 scale for each of the five standard
movements, from the unwanted movements measured during the ``five-movement-check`` routine.

This is an estimate to follow change over time, not a diagnosis and not a clinical Sunnybrook grade.

How it is derived, per rep and side:
- the guards' thresholds are what counts as normal for this person and exercise (healthy faces also
  narrow the eyes a little when smiling), so only the part of an unwanted movement *beyond* its
  threshold counts;
- that excess is converted to millimetres: positions measured in inter-ocular distances (IOD, about
  63 mm on adults) directly; the eye opening through the resting fissure height (the baseline eye
  aperture times a typical eye width of 29 mm, or 10 mm when no baseline was kept);
- one Sunnybrook synkinesis point is about 0.77 mm of fissure change during a smile and 1.0 mm during
  a pucker (PMID 24165606); 1.0 mm is used for the other movements, which have no published figure;
  brow height and lip width are lengths in IOD units, converted through their baseline (without one,
  such a movement counts as mild);
- every region counts: the check's exercises watch every region a healthy face keeps still during
  the movement (as Sunnybrook grades unwanted movement anywhere in the face), and the largest excess
  of any of them sets the grade;
- a rep with a sustained unwanted movement scores at least 1 (mild), at most 3 (severe); a rep
  without one scores 0.  When two or more regions move unwanted in the same rep, the grade is one
  point higher (Sunnybrook's higher grades describe synkinesis of several muscles, up to "mass
  movement"; the one-point step is this project's own rule, not a published conversion);
- the movement's estimate is the median over its reps (the lower one of two), per side; the worse
  side is reported, with every region that moved unwanted in any of its reps.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rehabcoach.records.models import RepRecord, SessionRecord
from rehabcoach.vision.catalogue import MEASURES, SIDES

CHECK_ROUTINE = "five-movement-check"
LABEL = "estimate, not a diagnosis"
GRADE_WORDS = ("none", "mild", "moderate", "severe")
IOD_MM = 63.0  # adult inter-ocular distance
EYE_WIDTH_MM = 29.0  # typical adult palpebral fissure length
DEFAULT_FISSURE_MM = 10.0  # typical resting palpebral fissure height, when no baseline was kept

# The five Sunnybrook movements, in the scale's order, and the exercise targets that perform them.
MOVEMENTS = ("brow raise", "gentle eye closure", "open-mouth smile", "snarl", "lip pucker")
MOVEMENT_BY_TARGET = {
    "brow_height": "brow raise",
    "eye_aperture": "gentle eye closure",
    "mouth_corner_excursion": "open-mouth smile",
    "mouth_corner_lift": "open-mouth smile",
    "nose_wrinkle": "snarl",
    "lip_width": "lip pucker",
}
# For reps recorded without their target measure: the library's check exercises.
MOVEMENT_BY_EXERCISE = {
    "check-brow-raise": "brow raise",
    "check-eye-closure": "gentle eye closure",
    "check-open-mouth-smile": "open-mouth smile",
    "check-snarl": "snarl",
    "check-lip-pucker": "lip pucker",
    # The practice exercises the check ran before it had its own (sessions recorded then).
    "brow-raise": "brow raise",
    "gentle-eye-closure": "gentle eye closure",
    "open-mouth-smile": "open-mouth smile",
    "snarl": "snarl",
    "lip-pucker": "lip pucker",
}
MM_PER_POINT = {"open-mouth smile": 0.77, "lip pucker": 1.0}
DEFAULT_MM_PER_POINT = 1.0


@dataclass(frozen=True)
class MovementEstimate:
    movement: str
    estimate: int  # 0..3, worse side
    by_side: dict[str, int]
    reps: int
    largest_excess_mm: float  # largest unwanted movement beyond its threshold, in mm
    regions: tuple[str, ...] = ()  # every region that moved unwanted in any rep, on either side

    @property
    def words(self) -> str:
        return GRADE_WORDS[self.estimate]


@dataclass(frozen=True)
class CheckResult:
    session_uuid: str
    started_at: datetime
    movements: dict[str, MovementEstimate]  # only the movements that were done

    @property
    def total(self) -> int | None:
        """Sum over the five movements (0-15), or None when the check was not complete."""
        if set(self.movements) != set(MOVEMENTS):
            return None
        return sum(m.estimate for m in self.movements.values())


def movement_of(rep: RepRecord) -> str | None:
    if rep.target_measure in MOVEMENT_BY_TARGET:
        return MOVEMENT_BY_TARGET[rep.target_measure]
    return MOVEMENT_BY_EXERCISE.get(rep.exercise_id)


def excess_mm(measure: str, peak: float, threshold: float, baseline_value: float | None) -> float | None:
    """How far, in millimetres, an unwanted movement went beyond its threshold (None: cannot tell)."""
    excess = max(0.0, abs(peak) - threshold)
    info = MEASURES.get(measure)
    if info is None or info.scale == "iod":
        return excess * IOD_MM
    if measure == "eye_aperture":
        fissure = baseline_value * EYE_WIDTH_MM if baseline_value else DEFAULT_FISSURE_MM
        return excess * fissure
    # Other relative measures are lengths in IOD units (brow height, lip half-width): need the baseline.
    return excess * baseline_value * IOD_MM if baseline_value else None


def rep_grade(rep: RepRecord, side: str, movement: str, baseline: dict | None) -> tuple[int, float]:
    events = [e for e in rep.events if e.side == side]
    if not events:
        return 0, 0.0
    per_point = MM_PER_POINT.get(movement, DEFAULT_MM_PER_POINT)
    sizes = [excess_mm(e.measure, e.peak, e.threshold, _baseline_value(baseline, e.measure, side)) for e in events]
    largest = max((mm for mm in sizes if mm is not None), default=0.0)
    grade = max(1, round(largest / per_point))
    if len({e.region for e in events}) >= 2:  # several regions at once: more than a slight synkinesis
        grade += 1
    return min(3, grade), largest


def estimate_session(session: SessionRecord) -> CheckResult:
    by_movement: dict[str, list[RepRecord]] = {}
    for rep in session.reps:
        movement = movement_of(rep)
        if movement is not None:
            by_movement.setdefault(movement, []).append(rep)
    results: dict[str, MovementEstimate] = {}
    for movement in MOVEMENTS:
        reps = by_movement.get(movement)
        if not reps:
            continue
        by_side: dict[str, int] = {}
        largest = 0.0
        for side in SIDES:
            grades = [rep_grade(rep, side, movement, session.baseline) for rep in reps]
            by_side[side] = statistics.median_low(g for g, _ in grades)
            largest = max([largest] + [mm for _, mm in grades])
        regions = tuple(sorted({e.region for rep in reps for e in rep.events}))
        results[movement] = MovementEstimate(movement, max(by_side.values()), by_side, len(reps), round(largest, 2),
                                             regions)
    return CheckResult(session.uuid, session.started_at, results)


def movement_check_trend(sessions: Iterable[SessionRecord]) -> list[CheckResult]:
    """One estimate per movement-check session that has reps, oldest first."""
    return [estimate_session(s) for s in sorted(sessions, key=lambda s: s.started_at)
            if s.routine_id == CHECK_ROUTINE and s.reps]


def _baseline_value(baseline: dict | None, measure: str, side: str) -> float | None:
    try:
        value = baseline["measures"][measure][side]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    return float(value) if value else None
