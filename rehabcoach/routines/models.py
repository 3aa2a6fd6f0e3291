"""Pydantic models of the routine format.  docs/routine-format.md is the human reference.

Exercises and routines are separate YAML files.  Every model forbids unknown keys so that a
misspelled key is reported (with a "did you mean" hint) instead of being silently ignored.

Patient-facing text may name the patient's sides through placeholders (``{affected}``, ``{other}``),
filled in from the profile when the exercise is resolved (see ``side_words`` and resolve.py), so one
file serves patients with either side affected.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from rehabcoach.routines.suggestions import did_you_mean
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

# Placeholders for the patient's sides in patient-facing text, and what they become.  Without a known
# affected side the words still read naturally: "your {affected} cheek" -> "your affected cheek".
SIDE_PLACEHOLDERS: dict[str, tuple[str, str]] = {
    # placeholder: (word when the side is unknown, which side it names: "affected" or "other")
    "affected": ("affected", "affected"),
    "other": ("other", "other"),
    "Affected": ("Affected", "affected"),
    "Other": ("Other", "other"),
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def side_words(text: str, affected_side: str | None) -> str:
    """``text`` with its side placeholders filled in for a patient whose ``affected_side`` is given.

    ``{affected}`` becomes "left" or "right" ("affected" when the side is not known), ``{other}`` the
    opposite side ("other"); the capitalised forms start a sentence.
    """
    def fill(match: re.Match) -> str:
        name = match.group(1)
        unknown, which = SIDE_PLACEHOLDERS[name]
        if affected_side not in ("left", "right"):
            return unknown
        side = affected_side if which == "affected" else ("right" if affected_side == "left" else "left")
        return side.capitalize() if name[0].isupper() else side

    return _PLACEHOLDER.sub(fill, text)


def uses_side_words(text: str) -> bool:
    return bool(_PLACEHOLDER.search(text))


def _check_placeholders(text: str) -> str:
    for match in _PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name not in SIDE_PLACEHOLDERS:
            hint = did_you_mean(name.strip(), SIDE_PLACEHOLDERS)
            suggestion = f" (did you mean '{{{hint}}}'?)" if hint else ""
            raise ValueError(f"unknown placeholder '{{{name}}}'{suggestion}: the side placeholders are "
                             "{affected} and {other} (capitalised at the start of a sentence)")
    stray = _PLACEHOLDER.sub("", text)
    if "{" in stray or "}" in stray:
        raise ValueError("a '{' or '}' without its partner: braces are only for the side placeholders "
                         "{affected} and {other}")
    return text


# Patient-facing text: may name the sides through placeholders (checked here, filled in by resolve.py).
SideText = AfterValidator(_check_placeholders)


class _Strict(BaseModel):
    # strict: `true` is not the number 1 (`eye_aperture: true` would become a threshold of 1, the eye
    # closing fully before a warning) and `"5"` is text, not a number: both are mistakes to report.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


class Step(_Strict):
    """One instruction of an exercise, shown large and spoken."""

    instruction: Annotated[str, SideText] = Field(
        min_length=1, max_length=600, description="Text shown on screen; may use {affected} and {other}.")
    cue: Annotated[str, SideText] = Field(
        min_length=1, max_length=200, description="Short sentence spoken aloud; may use {affected} and {other}.")
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


Threshold = Annotated[float, Field(gt=0, le=2.0)]
MAX_LEVELS = 5


class Level(_Strict):
    """One step of a movement's progression.  Fields left out keep the movement section's values."""

    name: str = Field(min_length=2, max_length=60, description="Short name, e.g. 'Tiny and strict'.")
    about: Annotated[str, SideText] = Field(
        min_length=10, max_length=600, description="For the patient: what is different at this level.")
    reps: int | None = Field(None, ge=1, le=50)
    hold_seconds: float | None = Field(None, ge=1, le=60)
    rest_seconds: float | None = Field(None, ge=1, le=120)
    achieved: float | None = Field(None, gt=0, le=2.0, description="The target's 'achieved' at this level.")
    thresholds: dict[MeasureName, Threshold] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="Guard threshold per measure at this level.")
    steps: list[Step] | None = Field(None, min_length=1, max_length=40,
                                     description="Introduction steps replacing the exercise's at this level.")


class Movement(_Strict):
    """The movement-retraining part of a movement exercise."""

    reps: int = Field(ge=1, le=50)
    hold_seconds: float = Field(ge=1, le=60)
    rest_seconds: float = Field(ge=1, le=120)
    # None only when no measure follows the movement yet: the coach then shows no meter and only
    # watches the guards (docs/routine-format.md says when that is acceptable).
    target: Target | None = None
    guards: list[Guard] = Field(default_factory=list, max_length=12)
    levels: list[Level] = Field(default_factory=list, max_length=MAX_LEVELS,
                                description="Progression: level 1 is the first entry.")

    @model_validator(mode="after")
    def _levels_fit(self) -> "Movement":
        guarded = {guard.measure for guard in self.guards}
        for number, level in enumerate(self.levels, start=1):
            if level.achieved is not None and self.target is None:
                raise ValueError(f"level {number} sets 'achieved' but the movement has no 'target'")
            unguarded = sorted(set(level.thresholds) - guarded)
            if unguarded:
                raise ValueError(f"level {number} sets 'thresholds' for {', '.join(unguarded)}, which no guard "
                                 f"watches; the guards watch: {', '.join(sorted(guarded)) or 'nothing'}")
        return self


class Exercise(_Strict):
    kind: Literal["exercise"]
    id: Id
    title: str = Field(min_length=2, max_length=80)
    category: Literal["massage", "relaxation", "movement"]
    description: Annotated[str, SideText] = Field(
        min_length=10, max_length=2000, description="Patient-facing: what and why; may use {affected} and {other}.")
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
        total = 0.0
        for step in self.steps:  # each step has either seconds or reps (checked above)
            total += step.seconds if step.seconds is not None else (step.reps or 0) * 4.0
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
    thresholds: dict[MeasureName, Threshold] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="Guard threshold per measure, overriding the exercise's."
    )
    level: int | None = Field(None, ge=1, le=MAX_LEVELS, description="Progression level of the exercise.")


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


