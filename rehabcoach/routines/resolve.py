"""Override resolution, in one place: exercise < level < routine item < patient setting.

The coaching engine, the analyze command and the UI all work on a :class:`ResolvedExercise`, never
on the raw models, so they cannot disagree about which reps, hold time or threshold applies.

Resolution also writes the text for the patient's affected side: ``{affected}`` and ``{other}`` in
the description and steps become "left" and "right" (or "affected" and "other" when the side is not
known; :meth:`ResolvedExercise.for_side` rewrites them once it is).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rehabcoach.coaching.types import ResolvedGuard, ResolvedTarget
from rehabcoach.errors import UserError
from rehabcoach.resources import resource_path
from rehabcoach.routines.models import Exercise, Level, RoutineItem, SidesChoice, Step, side_words, uses_side_words
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
    level: int | None = None  # progression level in force (None: the exercise has no levels)
    level_names: tuple[str, ...] = ()  # every level's name, level 1 first
    affected_side: str | None = None  # the side the text was written for (None: not known)
    # The description and steps as written, with their side placeholders, for for_side().
    _written: tuple[str, tuple[Step, ...]] | None = field(default=None, repr=False, compare=False)

    def threshold_of(self, measure: str) -> float | None:
        """The threshold in force for a guarded measure (None when nothing guards it)."""
        return next((guard.threshold for guard in self.guards if guard.measure == measure), None)

    @property
    def names_sides(self) -> bool:
        """True when the text names the patient's affected side (worth asking for it when unknown)."""
        if self._written is None:
            return False
        description, steps = self._written
        return uses_side_words(description) or any(uses_side_words(s.instruction + s.cue) for s in steps)

    def for_side(self, affected_side: str | None) -> "ResolvedExercise":
        """The same exercise with its text written for ``affected_side`` (the patient's own side)."""
        if self._written is None or affected_side == self.affected_side:
            return self
        description, steps = _worded(*self._written, affected_side)
        return replace(self, description=description, steps=steps, affected_side=affected_side)


def sides_of(choice: SidesChoice) -> tuple[Side, ...]:
    return SIDES if choice == "both" else (choice,)


def resolve_exercise(
    exercise: Exercise,
    item: RoutineItem | None = None,
    patient_thresholds: Mapping[str, float] | None = None,
    *,
    affected_side: str | None = None,
    level: int | None = None,
) -> ResolvedExercise:
    """Apply the level, the routine item's overrides, then the patient's own thresholds (measure -> threshold).

    Thresholds for measures the exercise does not guard are ignored: a patient's settings are
    shared by all exercises, and each exercise guards only some measures.  ``level`` (the patient's
    or a prescription's choice) wins over the routine item's; without either, an exercise with
    levels runs at level 1.  ``affected_side`` ("left", "right" or None) fills in the side words.
    """
    if item is not None and item.exercise != exercise.id:
        raise ValueError(f"routine item for '{item.exercise}' applied to exercise '{exercise.id}'")
    movement = exercise.movement
    chosen = _checked_level(exercise, level if level is not None else (item.level if item is not None else None))
    at_level: Level | None = movement.levels[chosen - 1] if movement is not None and chosen else None
    thresholds: dict[str, float] = dict(at_level.thresholds) if at_level is not None else {}
    thresholds.update(item.thresholds if item is not None else {})
    for measure, value in (patient_thresholds or {}).items():
        thresholds[measure] = _checked_patient_threshold(measure, value)

    reps = hold = rest = None
    target = None
    guards: tuple[ResolvedGuard, ...] = ()
    steps = tuple(at_level.steps) if at_level is not None and at_level.steps else tuple(exercise.steps)
    effective = exercise.model_copy(update={"steps": list(steps)})
    if movement is not None:
        reps = _first_set(item and item.reps, _first_set(at_level and at_level.reps, movement.reps))
        hold = _first_set(item and item.hold_seconds, _first_set(at_level and at_level.hold_seconds,
                                                                   movement.hold_seconds))
        rest = _first_set(item and item.rest_seconds, _first_set(at_level and at_level.rest_seconds,
                                                                   movement.rest_seconds))
        # Estimate the duration with the model's own formula, on a copy carrying the overrides.
        effective = effective.model_copy(
            update={"movement": movement.model_copy(update={"reps": reps, "hold_seconds": hold, "rest_seconds": rest})}
        )
        t = movement.target
        if t is not None:
            achieved = _first_set(at_level and at_level.achieved, t.achieved)
            target = ResolvedTarget(t.region, t.measure, sides_of(t.sides), t.direction, achieved)
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
    side = affected_side if affected_side in ("left", "right") else None
    description, worded_steps = _worded(exercise.description, steps, side)
    return ResolvedExercise(
        id=exercise.id,
        title=exercise.title,
        category=exercise.category,
        description=description,
        steps=worded_steps,
        reps=reps,
        hold_seconds=hold,
        rest_seconds=rest,
        target=target,
        guards=guards,
        illustration=_illustration_path(exercise),
        duration_seconds=effective.duration_seconds(),
        level=chosen,
        level_names=tuple(level.name for level in movement.levels) if movement is not None else (),
        affected_side=side,
        _written=(exercise.description, steps),
    )


def resolve_routine(
    library: "Library",
    routine_id: str,
    patient_thresholds_by_exercise: Mapping[str, Mapping[str, float]] | None = None,
    *,
    affected_side: str | None = None,
) -> list[ResolvedExercise]:
    """Every exercise of a routine, in order, resolved; patient thresholds are given per exercise id."""
    routine = library.routine(routine_id)
    by_exercise = patient_thresholds_by_exercise or {}
    return [
        resolve_exercise(library.exercise(item.exercise), item, by_exercise.get(item.exercise),
                         affected_side=affected_side)
        for item in routine.items
    ]


def _worded(description: str, steps: tuple[Step, ...], side: str | None) -> tuple[str, tuple[Step, ...]]:
    worded = tuple(
        step.model_copy(update={"instruction": side_words(step.instruction, side), "cue": side_words(step.cue, side)})
        if uses_side_words(step.instruction + step.cue) else step
        for step in steps
    )
    return side_words(description, side), worded


def _checked_level(exercise: Exercise, level: int | None) -> int | None:
    """The level to use (1 when the exercise has levels and none is chosen; None without levels)."""
    count = len(exercise.movement.levels) if exercise.movement is not None else 0
    if count == 0:
        if level is not None:
            raise UserError(f"'{exercise.id}' has no levels, so level {level} cannot be chosen")
        return None
    if level is None:
        return 1
    if not isinstance(level, int) or not 1 <= level <= count:
        raise UserError(f"'{exercise.id}' has levels 1 to {count}, not {level!r}")
    return level


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
