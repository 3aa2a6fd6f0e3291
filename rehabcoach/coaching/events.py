"""Events the session engine announces to its listeners (the window, the voice, the records store).

Listeners only listen: they never need to poll the engine to know what happened.  Everything that
should be spoken arrives as :class:`SpeakRequest` (and only so), so the voice has one input.
Events are delivered after the engine's state is consistent, in the order they happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal, Union

from rehabcoach.coaching.summary import ExerciseSummary, SessionSummary
from rehabcoach.coaching.types import ActiveWarning, Baseline, MovementEvent, RepSummary

Screen = Literal["calibration", "step", "movement", "summary", "camera_missing"]
MovementPhase = Literal["instruction", "get_ready", "move", "hold", "relax", "done"]
SpeechPriority = Literal["phase", "warning", "countdown", "info"]


@dataclass(frozen=True)
class SessionStarted:
    at: float
    exercise_ids: tuple[str, ...]


@dataclass(frozen=True)
class ScreenChanged:
    screen: Screen
    exercise_index: int


@dataclass(frozen=True)
class ExerciseStarted:
    index: int  # 0-based position in the routine
    exercise_id: str
    title: str
    category: str
    at: float


@dataclass(frozen=True)
class StepChanged:
    """A new instruction step (massage/relaxation step, or the instruction of a movement exercise)."""

    exercise_id: str
    step_index: int  # 0-based
    instruction: str
    cue: str
    seconds: float


@dataclass(frozen=True)
class PhaseChanged:
    """A movement phase began; ``cue`` is what was asked to be spoken (via SpeakRequest)."""

    exercise_id: str
    phase: MovementPhase
    rep: int | None  # 1-based, None for instruction/done
    seconds: float
    cue: str
    at: float


@dataclass(frozen=True)
class SpeakRequest:
    text: str
    priority: SpeechPriority
    interrupt: bool  # drop stale queued speech (a new phase makes an old cue wrong)


@dataclass(frozen=True)
class CalibrationDone:
    baseline: Baseline
    at: float


@dataclass(frozen=True)
class WarningStarted:
    exercise_id: str
    rep: int
    warning: ActiveWarning


@dataclass(frozen=True)
class WarningEnded:
    exercise_id: str
    rep: int
    event: MovementEvent


@dataclass(frozen=True)
class RepCompleted:
    summary: RepSummary


@dataclass(frozen=True)
class ExerciseCompleted:
    summary: ExerciseSummary


@dataclass(frozen=True)
class ExerciseSkipped:
    exercise_id: str
    reason: str


@dataclass(frozen=True)
class SessionFinished:
    summary: SessionSummary


SessionEvent = Union[
    SessionStarted, ScreenChanged, ExerciseStarted, StepChanged, PhaseChanged, SpeakRequest, CalibrationDone,
    WarningStarted, WarningEnded, RepCompleted, ExerciseCompleted, ExerciseSkipped, SessionFinished,
]
Listener = Callable[[SessionEvent], None]
