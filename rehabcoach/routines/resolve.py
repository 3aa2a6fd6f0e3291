"""Override resolution, in one place: exercise < routine item < patient setting.

The coaching engine, the analyze command and the UI all work on a :class:`ResolvedExercise`, never
on the raw models, so they cannot disagree about which reps, hold time or threshold applies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rehabcoach.coaching.types import ResolvedGuard, ResolvedTarget
from rehabcoach.errors import UserError
from rehabcoach.resources import resource_path
from rehabcoach.routines.models import Exercise, RoutineItem, SidesChoice, Step
from rehabcoach.routines.suggestions import did_you_mean, hint_text
from rehabcoach.vision.catalogue import MEASURES, SIDES, Side

if TYPE_CHECKING:
    from rehabcoach.routines.loader import Library


@dataclass(frozen=True)
class ResolvedExercise:
    """An exercise as it will be done: every override applied, illustration as an absolute path.

    ``reps``, ``hold_seconds``, ``rest_seconds`` and ``target`` are None (and ``guards`` empty) for
    massage and relaxation exercises, which have no movement phase.
    """

    id: str
    title: str
    category: str
    description: str
    steps: tuple[Step, ...]
    reps: int | None
    hold_seconds: float | None
    rest_seconds: float | None
    target: ResolvedTarget | None
    guards: tuple[ResolvedGuard, ...]
    illustration: Path
    duration_seconds: float  # estimate with the overrides applied, for listings and progress bars

    def threshold_of(self, measure: str) -> float | None:
        """The threshold in force for a guarded measure (None when nothing guards it)."""
        return next((guard.threshold for guard in self.guards if guard.measure == measure), None)


def sides_of(choice: SidesChoice) -> tuple[Side, ...]:
    return SIDES if choice == "both" else (choice,)


def resolve_exercise(
    exercise: Exercise,
    item: RoutineItem | None = None,
    patient_thresholds: Mapping[str, float] | None = None,
) -> ResolvedExercise:
    """Apply the routine item's overrides, then the patient's own thresholds (measure -> threshold).

    Thresholds for measures the exercise does not guard are ignored: a patient's settings are
    shared by all exercises, and each exercise guards only some measures.
    """
    if item is not None and item.exercise != exercise.id:
        raise ValueError(f"routine item for '{item.exercise}' applied to exercise '{exercise.id}'")
    thresholds: dict[str, float] = dict(item.thresholds) if item is not None else {}
    for measure, value in (patient_thresholds or {}).items():
        thresholds[measure] = _checked_patient_threshold(measure, value)

    movement = exercise.movement
    reps = hold = rest = None
    target = None
    guards: tuple[ResolvedGuard, ...] = ()
    effective = exercise
    if movement is not None:
        reps = _first_set(item and item.reps, movement.reps)
        hold = _first_set(item and item.hold_seconds, movement.hold_seconds)
        rest = _first_set(item and item.rest_seconds, movement.rest_seconds)
        # Estimate the duration with the model's own formula, on a copy carrying the overrides.
        effective = exercise.model_copy(
            update={"movement": movement.model_copy(update={"reps": reps, "hold_seconds": hold, "rest_seconds": rest})}
        )
        t = movement.target
        target = ResolvedTarget(t.region, t.measure, sides_of(t.sides), t.direction, t.achieved)
        guards = tuple(
            ResolvedGuard(
                region=g.region,
                measure=g.measure,
                sides=sides_of(g.sides),
                direction=g.direction,
                threshold=thresholds.get(g.measure, g.threshold),
                min_duration=g.min_duration,
            )
            for g in movement.guards
        )
    return ResolvedExercise(
        id=exercise.id,
        title=exercise.title,
        category=exercise.category,
        description=exercise.description,
        steps=tuple(exercise.steps),
        reps=reps,
        hold_seconds=hold,
        rest_seconds=rest,
        target=target,
        guards=guards,
        illustration=_illustration_path(exercise),
        duration_seconds=effective.duration_seconds(),
    )


def resolve_routine(
    library: "Library",
    routine_id: str,
    patient_thresholds_by_exercise: Mapping[str, Mapping[str, float]] | None = None,
) -> list[ResolvedExercise]:
    """Every exercise of a routine, in order, resolved; patient thresholds are given per exercise id."""
    routine = library.routine(routine_id)
    by_exercise = patient_thresholds_by_exercise or {}
    return [
        resolve_exercise(library.exercise(item.exercise), item, by_exercise.get(item.exercise))
        for item in routine.items
    ]


def _first_set(override, default):
    return default if override is None else override


def _checked_patient_threshold(measure: str, value: float) -> float:
    if measure not in MEASURES:
        raise UserError(f"patient setting: unknown measure '{measure}'{hint_text(did_you_mean(measure, MEASURES))}")
    if not isinstance(value, (int, float)) or not math.isfinite(value) or not 0 < value <= 2.0:
        raise UserError(f"patient setting: the threshold for {measure} must be above 0 and at most 2, not {value!r}")
    return float(value)


def _illustration_path(exercise: Exercise) -> Path:
    root = exercise._library_root
    if root is None:  # built in code rather than loaded from a file: use the app's own library
        try:
            root = resource_path("library")
        except UserError:
            root = Path.cwd()
    return (root / exercise.illustration).absolute()
