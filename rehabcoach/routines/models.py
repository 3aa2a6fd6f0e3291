"""Pydantic models of the routine format.  docs/routine-format.md is the human reference.

Exercises and routines are separate YAML files.  Every model forbids unknown keys so that a
misspelled key is reported (with a "did you mean" hint) instead of being silently ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from rehabcoach.vision.catalogue import MEASURE_NAMES, MEASURES, REGIONS

Id = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        min_length=2,
        max_length=64,
        description="Lower-case words joined by hyphens, e.g. gentle-smile.",
    ),
]
MeasureName = Literal[MEASURE_NAMES]  # type: ignore[valid-type]
RegionName = Literal[REGIONS]  # type: ignore[valid-type]
SidesChoice = Literal["left", "right", "both"]
Seconds = Annotated[float, Field(gt=0, le=600)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Step(_Strict):
    """One instruction of an exercise, shown large and spoken."""

    instruction: str = Field(min_length=1, max_length=600, description="Text shown on screen.")
    cue: str = Field(min_length=1, max_length=200, description="Short sentence spoken aloud.")
    seconds: Seconds | None = Field(None, description="How long the step lasts (countdown).")
    reps: int | None = Field(None, ge=1, le=100, description="Or: how many times to repeat it.")

    @model_validator(mode="after")
    def _duration_or_reps(self) -> "Step":
        if (self.seconds is None) == (self.reps is None):
            raise ValueError("give exactly one of 'seconds' or 'reps'")
        return self


class Target(_Strict):
    """What should move, and how much counts as achieved."""

    region: RegionName
    measure: MeasureName
    sides: SidesChoice = "both"
    direction: Literal["increase", "decrease"]
    achieved: float = Field(
        gt=0, le=2.0, description="Deviation from the resting baseline (measure's own scale) that counts as reached."
    )

    @model_validator(mode="after")
    def _region_matches(self) -> "Target":
        _check_region(self.region, self.measure)
        return self


class Guard(_Strict):
    """A region that must stay still during the movement phase."""

    region: RegionName
    measure: MeasureName
    sides: SidesChoice = "both"
    direction: Literal["increase", "decrease", "either"]
    threshold: float = Field(
        gt=0, le=2.0, description="Deviation from the resting baseline (measure's own scale) that counts as unwanted."
    )
    min_duration: float = Field(
        0.5, ge=0.1, le=10, description="Seconds the deviation must last before a warning."
    )

    @model_validator(mode="after")
    def _region_matches(self) -> "Guard":
        _check_region(self.region, self.measure)
        return self


class Movement(_Strict):
    """The movement-retraining part of a movement exercise."""

    reps: int = Field(ge=1, le=50)
    hold_seconds: float = Field(ge=1, le=60)
    rest_seconds: float = Field(ge=1, le=120)
    target: Target
    guards: list[Guard] = Field(default_factory=list, max_length=12)


class Exercise(_Strict):
    kind: Literal["exercise"]
    id: Id
    title: str = Field(min_length=2, max_length=80)
    category: Literal["massage", "relaxation", "movement"]
    description: str = Field(min_length=10, max_length=2000, description="Patient-facing: what and why.")
    illustration: str = Field(
        description="Path of the illustration, relative to the library folder (the one holding exercises/ and assets/)."
    )
    steps: list[Step] = Field(min_length=1, max_length=40)
    movement: Movement | None = None
    # Set by the loader: the library folder that ``illustration`` is relative to (not part of the file).
    _library_root: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _movement_only_for_movement(self) -> "Exercise":
        if self.category == "movement" and self.movement is None:
            raise ValueError("a movement exercise needs a 'movement' section (reps, hold, rest, target, guards)")
        if self.category != "movement" and self.movement is not None:
            raise ValueError(f"a {self.category} exercise has no 'movement' section")
        return self

    def duration_seconds(self) -> float:
        """Estimated duration, for listings."""
        total = sum(step.seconds if step.seconds is not None else step.reps * 4.0 for step in self.steps)
        if self.movement:
            m = self.movement
            total += m.reps * (m.hold_seconds + m.rest_seconds + 2.0)  # 2 s to get ready for each rep
        return total


class RoutineItem(_Strict):
    """One exercise in a routine, with optional per-item overrides."""

    exercise: Id
    reps: int | None = Field(None, ge=1, le=50)
    hold_seconds: float | None = Field(None, ge=1, le=60)
    rest_seconds: float | None = Field(None, ge=1, le=120)
    thresholds: dict[MeasureName, Annotated[float, Field(gt=0, le=2.0)]] = Field(
        default_factory=dict, description="Guard threshold per measure, overriding the exercise's."
    )


class Routine(_Strict):
    kind: Literal["routine"]
    id: Id
    title: str = Field(min_length=2, max_length=80)
    description: str = Field(min_length=10, max_length=2000)
    items: list[RoutineItem] = Field(min_length=1, max_length=60)


def _check_region(region: str, measure: str) -> None:
    expected = MEASURES[measure].region
    if region != expected:
        raise ValueError(f"measure '{measure}' belongs to region '{expected}', not '{region}'")


