"""What a session achieved, per exercise: reps, target reached, unwanted movements per side and region.

Built by the session engine from the rep summaries and movement events it emits, so the screen, the
headless runner and the records store all report the same numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from rehabcoach.coaching.types import MovementEvent, RegionPeak, RepSummary
from rehabcoach.vision.catalogue import MEASURES, SIDES, Side

ExerciseStatus = Literal["not_started", "in_progress", "completed", "skipped", "stopped"]


@dataclass(frozen=True)
class WarningTally:
    region: str
    side: Side
    count: int
    total_seconds: float


@dataclass(frozen=True)
class ExerciseSummary:
    exercise_id: str
    title: str
    category: str
    status: ExerciseStatus
    reps_done: int
    reps_planned: int  # 0 for massage and relaxation
    # Mean over completed reps of the best fraction of the target reached (0..1); None without reps.
    target_reached: dict[Side, float | None]
    warnings: tuple[WarningTally, ...]
    skipped_reason: str | None = None
    # How much, not only how often: per guarded measure and side, the mean over completed reps of each
    # rep's peak deviation from the resting face and of its excess over the other side.
    region_peaks: tuple[RegionPeak, ...] = ()
    # Of the completed reps' move and hold (watched_s), the seconds with the head turned too far from the
    # calibrated pose for the guards to judge.
    turned_away_s: float = 0.0
    watched_s: float = 0.0


@dataclass(frozen=True)
class SessionSummary:
    started_s: float
    ended_s: float
    completed: bool  # False when the patient stopped early
    affected_side: Side | None
    exercises: tuple[ExerciseSummary, ...]
    note: str = ""  # "supports therapy, does not diagnose"

    @property
    def duration_s(self) -> float:
        return self.ended_s - self.started_s

    def to_json(self) -> dict:
        data = asdict(self)
        data["duration_s"] = round(self.duration_s, 3)
        return data


@dataclass
class ExerciseTally:
    """Mutable accumulator for one exercise while the session runs."""

    exercise_id: str
    title: str
    category: str
    reps_planned: int
    status: ExerciseStatus = "not_started"
    skipped_reason: str | None = None
    reps: list[RepSummary] = field(default_factory=list)
    events: list[MovementEvent] = field(default_factory=list)  # every finished warning, in or out of a full rep

    def summary(self) -> ExerciseSummary:
        reached: dict[Side, float | None] = {}
        for side in SIDES:
            values = [rep.target_reached[side] for rep in self.reps if side in rep.target_reached]
            reached[side] = sum(values) / len(values) if values else None
        return ExerciseSummary(
            exercise_id=self.exercise_id,
            title=self.title,
            category=self.category,
            status=self.status,
            reps_done=len(self.reps),
            reps_planned=self.reps_planned,
            target_reached=reached,
            warnings=tally_warnings(self.events),
            skipped_reason=self.skipped_reason,
            region_peaks=mean_region_peaks(self.reps),
            turned_away_s=round(sum(rep.turned_away_s for rep in self.reps), 3),
            watched_s=round(sum(rep.ended_s - rep.started_s for rep in self.reps), 3),
        )


# From this share of the watched time spent turned past the guards' pose limit, a summary says so: "no unwanted
# movement" may then only mean that none could be judged.  One rule for the session summary and `analyze`.
TURNED_AWAY_NOTE_SHARE = 0.2


def mostly_not_judged(turned_away_s: float, watched_s: float) -> bool:
    """A fifth or more (TURNED_AWAY_NOTE_SHARE) of the watched time was not judged because the head was turned."""
    return watched_s > 0 and turned_away_s >= TURNED_AWAY_NOTE_SHARE * watched_s


def not_judged_line(exercise: ExerciseSummary) -> str | None:
    """Plain words when the head was turned for much of an exercise's reps, else None."""
    if not mostly_not_judged(exercise.turned_away_s, exercise.watched_s):
        return None
    return (f"For {exercise.turned_away_s:.0f} s of {exercise.watched_s:.0f} s your head was turned too far for the "
            "coach to see unwanted movements. Face the camera while you practise.")


def tally_warnings(events: list[MovementEvent]) -> tuple[WarningTally, ...]:
    """Count and total duration of unwanted movements per (region, side), sorted for stable output."""
    counts: dict[tuple[str, Side], list[float]] = {}
    for event in events:
        counts.setdefault((event.region, event.side), []).append(event.duration_s)
    return tuple(
        WarningTally(region=region, side=side, count=len(durations), total_seconds=round(sum(durations), 3))
        for (region, side), durations in sorted(counts.items())
    )


def mean_region_peaks(reps: list[RepSummary]) -> tuple[RegionPeak, ...]:
    """Each guarded measure and side's peaks, averaged over the reps that measured them."""
    grouped: dict[tuple[str, Side, str], list[RegionPeak]] = {}
    for rep in reps:
        for peak in rep.region_peaks:
            grouped.setdefault((peak.region, peak.side, peak.measure), []).append(peak)
    means = []
    for (region, side, measure), peaks in sorted(grouped.items()):
        excesses = [p.excess_over_other for p in peaks if p.excess_over_other is not None]
        means.append(RegionPeak(
            region=region, side=side, measure=measure,
            peak_deviation=round(sum(p.peak_deviation for p in peaks) / len(peaks), 4),
            excess_over_other=round(sum(excesses) / len(excesses), 4) if excesses else None,
        ))
    return tuple(means)


def format_deviation(measure: str, value: float) -> str:
    """A deviation on the measure's own scale, in words a therapist reads: % of rest or % of eye distance."""
    if MEASURES[measure].scale == "relative":
        return f"{value:+.0%} of rest"
    return f"{value:+.0%} of the eye distance"


def describe_peaks(peaks: tuple[RegionPeak, ...]) -> str:
    """One line of "how much" per side, e.g. "left eye_aperture 18% of rest (9% more than the right)":
    the size of the unwanted movement, whichever way the guard watches."""
    parts = []
    for peak in peaks:
        text = f"{peak.side} {peak.measure} {format_deviation(peak.measure, peak.peak_deviation).lstrip('+')}"
        if peak.excess_over_other is not None and peak.excess_over_other > 0.005:
            other = "right" if peak.side == "left" else "left"
            text += f" ({peak.excess_over_other:.0%} more than the {other})"
        parts.append(text)
    return "; ".join(parts)


_REGION_WORDS = {"eye": "Eye", "brow": "Eyebrow", "mouth": "Mouth corner", "cheek": "Cheek", "nose": "Nose"}


def size_lines(peaks: tuple[RegionPeak, ...]) -> list[str]:
    """Plain words for the summary screen, one line per region: how far each side moved at most in a
    repetition (on average over the reps), e.g. "Eye: left 18 %, right 9 % of its resting opening"."""
    largest: dict[str, dict[str, RegionPeak]] = {}
    for peak in peaks:
        sides = largest.setdefault(peak.region, {})
        if peak.side not in sides or peak.peak_deviation > sides[peak.side].peak_deviation:
            sides[peak.side] = peak
    lines = []
    for region, sides in largest.items():
        relative = any(MEASURES[p.measure].scale == "relative" for p in sides.values())
        unit = "of its resting opening" if region == "eye" else (
            "of its resting size" if relative else "of the distance between your eyes")
        values = ", ".join(f"{side} {sides[side].peak_deviation:.0%}" for side in SIDES if side in sides)
        lines.append(f"{_REGION_WORDS.get(region, region.capitalize())}: {values} {unit}")
    return lines
