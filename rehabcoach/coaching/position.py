"""Where a session is in its routine, and where it goes next: one immutable value and pure functions.

The session engine (``session.py``) holds one :class:`Position`.  When an exercise begins, time passes,
a step or phase runs out, or the patient asks for the next or the previous step, the engine asks a
function here where to go (:func:`entry`, :func:`time_passed`, :func:`time_up`, :func:`skip`,
:func:`previous`, :func:`resume_at`) and applies the answer: the books (reps, exercises), the monitors,
the events and the speech.  Nothing here reads a clock, speaks or emits, so every rule of the routine's
order can be tested on its own, without an engine.

A movement exercise runs its instruction steps, then per rep ``get_ready -> move -> hold -> relax``,
then ``done``; massage and relaxation run their steps, each by countdown (``seconds``) or a fixed time
per rep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal, Protocol, Sequence, TypeVar, Union

from rehabcoach.coaching.events import MovementPhase, Screen

REP_PHASES: tuple[MovementPhase, ...] = ("get_ready", "move", "hold", "relax")
WATCHED_PHASES: tuple[MovementPhase, ...] = ("move", "hold")  # the only phases where guards run


class PlannedStep(Protocol):
    """What the order of a routine needs of a step (``routines.models.Step``)."""

    @property
    def seconds(self) -> float | None: ...
    @property
    def reps(self) -> int | None: ...


class PlannedExercise(Protocol):
    """What the order of a routine needs of an exercise (``routines.resolve.ResolvedExercise``)."""

    @property
    def category(self) -> str: ...
    @property
    def steps(self) -> Sequence[PlannedStep]: ...
    @property
    def reps(self) -> int | None: ...
    @property
    def hold_seconds(self) -> float | None: ...
    @property
    def rest_seconds(self) -> float | None: ...


class Timing(Protocol):
    """The lengths the routine itself does not give (``session.SessionSettings``)."""

    @property
    def get_ready_seconds(self) -> float: ...
    @property
    def move_seconds(self) -> float: ...
    @property
    def done_seconds(self) -> float: ...
    @property
    def seconds_per_rep(self) -> float: ...
    @property
    def countdown_from(self) -> int: ...


@dataclass(frozen=True)
class ReturnPoint:
    """Where to go back to after calibration or a camera change."""

    index: int
    step: int | None
    phase: MovementPhase | None
    rep: int


@dataclass(frozen=True)
class Position:
    """Where the session is.  ``step`` is set on an instruction step, ``phase`` in a movement exercise."""

    index: int = 0  # the exercise, 0-based
    screen: Screen = "step"
    step: int | None = 0
    phase: MovementPhase | None = None
    rep: int = 0  # 1-based once the reps have begun
    elapsed: float = 0.0  # seconds of the current step or phase that have counted
    duration: float | None = None  # the current step's or phase's full length (None: not timed)
    countdown_next: int | None = None  # the next number to say aloud in a hold
    massage_rep: int = 0  # 1-based rep of a step counted in reps (0: a step by seconds)
    return_to: ReturnPoint | None = None  # set while calibration or a missing camera interrupts

    def here(self) -> ReturnPoint:
        """Come back to this step, or to the start of this rep."""
        return ReturnPoint(self.index, self.step, self.phase, max(self.rep, 1))

    @property
    def watched(self) -> bool:
        """In a rep's move or hold: guards run, and leaving abandons the rep."""
        return self.screen == "movement" and self.phase in WATCHED_PHASES

    @property
    def needs_face(self) -> bool:
        return self.screen == "calibration" or (self.screen == "movement" and self.phase != "done")


# -- what comes next --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ToStep:
    """Begin an instruction step of the current exercise (again, when it is the same one)."""

    step: int
    phase: Literal["instruction"] | None  # "instruction" in a movement exercise, None in massage/relaxation


@dataclass(frozen=True)
class StartReps:
    """A movement exercise's reps begin (fresh monitors) at ``rep``, with "Get ready"."""

    rep: int = 1


@dataclass(frozen=True)
class ToPhase:
    """The next phase of the reps; on the way, the hold's rep counts or the exercise is completed."""

    phase: MovementPhase
    rep: int
    rep_completed: bool = False  # the hold ran its full time
    exercise_completed: bool = False  # the last rep's relax is over


@dataclass(frozen=True)
class ToExercise:
    """Enter exercise ``index`` (may be one past the last: the session is over)."""

    index: int
    leaving: Literal["completed", "skipped"] | None = None  # how the current exercise's books close, if they do


Move = Union[ToStep, StartReps, ToPhase, ToExercise]
Entry = Literal["start", "skip", "wait_for_camera", "calibrate"]


def is_movement(exercise: PlannedExercise) -> bool:
    return exercise.category == "movement"


def planned_reps(exercise: PlannedExercise) -> int:
    """The reps of a movement exercise; 0 for massage and relaxation (their steps count their own)."""
    if not is_movement(exercise):
        return 0
    return _given(exercise.reps, "reps")


def entry(exercise: PlannedExercise, *, camera: bool, calibrated: bool, movement_declined: bool) -> Entry:
    """How an exercise begins: a movement exercise needs the camera, then the resting face, first."""
    if not is_movement(exercise):
        return "start"
    if movement_declined:
        return "skip"  # the patient chose to go on with massage and relaxation only
    if not camera:
        return "wait_for_camera"
    return "start" if calibrated else "calibrate"


def time_up(exercise: PlannedExercise, position: Position) -> Move:
    """The current step or phase has run its time."""
    step, phase = position.step, position.phase
    if position.screen == "step" or phase == "instruction":
        if step is not None and step + 1 < len(exercise.steps):
            return ToStep(step + 1, _step_phase(exercise))
        if position.screen == "step":
            return ToExercise(position.index + 1, leaving="completed")
        return StartReps()
    if phase == "get_ready":
        return ToPhase("move", position.rep)
    if phase == "move":
        return ToPhase("hold", position.rep)
    if phase == "hold":
        return ToPhase("relax", position.rep, rep_completed=True)
    if phase == "relax":
        if position.rep < planned_reps(exercise):
            return ToPhase("get_ready", position.rep + 1)
        return ToPhase("done", position.rep, exercise_completed=True)
    if phase == "done":
        return ToExercise(position.index + 1)
    raise ValueError(f"nothing runs out on the {position.screen} screen (phase {phase})")


def skip(exercise: PlannedExercise, position: Position) -> Move:
    """Next step; after the last step (or during the reps, calibration, a missing camera) the next exercise."""
    step = position.step
    has_next_step = step is not None and step + 1 < len(exercise.steps)
    if position.screen == "step" and has_next_step and step is not None:
        return ToStep(step + 1, None)
    if position.screen == "movement" and position.phase == "instruction":
        return ToStep(step + 1, "instruction") if has_next_step and step is not None else StartReps()
    return ToExercise(position.index + 1, leaving="skipped")


def previous(exercise: PlannedExercise, position: Position) -> Move:
    """Previous step; from the first step (or the reps) back to the start of the previous exercise."""
    step = position.step
    if position.screen in ("step", "movement") and step is not None and step > 0:
        return ToStep(step - 1, _step_phase(exercise))
    if position.screen == "movement" and position.phase != "instruction":
        return ToExercise(position.index)  # like a player's "previous": first back to this exercise's start
    return ToExercise(max(0, position.index - 1))


def resume_at(exercise: PlannedExercise, position: Position, point: ReturnPoint) -> Move:
    """Back in an exercise after calibration or a camera change: at its instruction step, or at the start of
    the rep that was interrupted (half a hold is not a rep)."""
    if not is_movement(exercise) or point.phase in ("instruction", None):
        return ToStep(point.step or 0, _step_phase(exercise))
    if point.phase == "done":
        return ToPhase("done", position.rep)
    return StartReps(min(point.rep, planned_reps(exercise)))


# -- positions --------------------------------------------------------------------------------------
def step_seconds(step: PlannedStep, timing: Timing) -> float:
    """How long a step lasts: its countdown, or its reps at a fixed time each."""
    return step.seconds if step.seconds is not None else _given(step.reps, "step reps") * timing.seconds_per_rep


def phase_seconds(exercise: PlannedExercise, phase: MovementPhase, timing: Timing) -> float:
    """How long a phase of a rep (or the closing "done") lasts."""
    if phase == "get_ready":
        return timing.get_ready_seconds
    if phase == "move":
        return timing.move_seconds
    if phase == "hold":
        return _given(exercise.hold_seconds, "hold_seconds")
    if phase == "relax":
        return _given(exercise.rest_seconds, "rest_seconds")
    if phase == "done":
        return timing.done_seconds
    raise ValueError(f"not a rep phase: {phase}")


def at_step(exercise: PlannedExercise, position: Position, move: ToStep, timing: Timing) -> Position:
    """The start of an instruction step."""
    step = exercise.steps[move.step]
    return replace(position, step=move.step, phase=move.phase, elapsed=0.0, duration=step_seconds(step, timing),
                   massage_rep=1 if step.reps is not None else 0, countdown_next=None)


def at_phase(exercise: PlannedExercise, position: Position, phase: MovementPhase, rep: int, timing: Timing) -> Position:
    """The start of a movement phase of rep ``rep``."""
    duration = phase_seconds(exercise, phase, timing)
    countdown_next: int | None = None
    if phase == "hold":
        # Count aloud only numbers below the hold's length, so "Hold" is never talked over.
        first = min(timing.countdown_from, math.ceil(duration) - 1)
        countdown_next = first if first >= 1 else None
    return replace(position, phase=phase, rep=rep, step=None, elapsed=0.0, duration=duration,
                   countdown_next=countdown_next)


def time_passed(exercise: PlannedExercise, position: Position, seconds: float, timing: Timing) -> tuple[Position, int | None]:
    """``seconds`` more of the current step or phase (less than it has left): the new position, and the number
    to say aloud now, if any (the hold's countdown, or the rep of a massage step counted in reps)."""
    if position.duration is None:
        raise ValueError(f"no time runs on the {position.screen} screen")
    elapsed = position.elapsed + seconds
    moved = replace(position, elapsed=elapsed)
    if position.screen == "movement" and position.phase == "hold" and position.countdown_next is not None:
        number = max(math.ceil(position.duration - elapsed - 1e-9), 1)
        if number <= position.countdown_next:
            return replace(moved, countdown_next=number - 1 or None), number
    elif position.screen == "step" and position.step is not None:
        reps = exercise.steps[position.step].reps
        if reps is not None:
            rep = min(reps, int(elapsed // timing.seconds_per_rep) + 1)
            if rep != position.massage_rep:
                return replace(moved, massage_rep=rep), rep
    return moved, None


# -- what the screen shows --------------------------------------------------------------------------
def counted_rep(exercise: PlannedExercise, position: Position) -> tuple[int | None, int | None]:
    """(rep, reps) to show: a movement rep, or the rep of a massage step counted in reps; else (None, None)."""
    if position.screen == "movement" and position.phase in REP_PHASES:
        return position.rep, planned_reps(exercise)
    if position.screen == "step" and position.step is not None:
        reps = exercise.steps[position.step].reps
        if reps is not None:
            return position.massage_rep, reps
    return None, None


def progress(exercise: PlannedExercise, position: Position, total: int) -> float:
    """0..1 through a routine of ``total`` exercises (while it runs; the engine says 1 once it is over)."""
    part = position.elapsed / position.duration if position.duration else 0.0
    fraction = 0.0
    if position.screen == "step" and position.step is not None:
        fraction = (position.step + part) / len(exercise.steps)
    elif position.screen == "movement" and position.phase in REP_PHASES:
        phase_share = (REP_PHASES.index(position.phase) + part) / len(REP_PHASES)
        fraction = ((position.rep - 1) + phase_share) / planned_reps(exercise)
    elif position.screen == "movement" and position.phase == "done":
        fraction = 1.0
    return min(1.0, (position.index + fraction) / total)


def _step_phase(exercise: PlannedExercise) -> Literal["instruction"] | None:
    return "instruction" if is_movement(exercise) else None


T = TypeVar("T")


def _given(value: T | None, name: str) -> T:
    if value is None:  # the library's validation requires it; a hand-built exercise may forget it
        raise ValueError(f"a movement exercise needs {name}")
    return value
