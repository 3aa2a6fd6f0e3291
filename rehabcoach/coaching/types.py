"""Plain data produced by the coaching engine: baselines, guard settings, warnings, rep summaries.

Everything here is JSON-friendly through ``dataclasses.asdict`` so that the CLI, the UI and the
records store share one vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rehabcoach.vision.catalogue import MEASURES, Side
from rehabcoach.vision.types import HeadPose


@dataclass(frozen=True)
class Baseline:
    """The person's own resting face, measured during calibration."""

    measures: dict[str, dict[Side, float]]  # median of each per-side measure over the stable frames
    noise: dict[str, dict[Side, float]]  # robust spread (MAD-based sigma) of each measure at rest
    pose: HeadPose
    frames: int
    # Median of each blendshape at rest (MediaPipe names); empty for baselines made before they were kept.
    blendshapes: dict[str, float] = field(default_factory=dict)

    def deviation(self, measure: str, side: Side, value: float) -> float:
        """Deviation of ``value`` from rest on the measure's own scale (see catalogue)."""
        base = self.measures[measure][side]
        if MEASURES[measure].scale == "relative":
            return (value - base) / base if base > 1e-6 else 0.0
        return value - base


@dataclass(frozen=True)
class ResolvedGuard:
    """A guard with every override applied (exercise < routine item < patient setting)."""

    region: str
    measure: str
    sides: tuple[Side, ...]
    direction: Literal["increase", "decrease", "either"]
    threshold: float
    min_duration: float


@dataclass(frozen=True)
class ResolvedTarget:
    region: str
    measure: str
    sides: tuple[Side, ...]
    direction: Literal["increase", "decrease"]
    achieved: float


@dataclass(frozen=True)
class ActiveWarning:
    """An unwanted movement in progress: what the UI outlines and speaks about right now."""

    region: str
    side: Side
    measure: str
    since: float  # timestamp the deviation started (before debounce)
    deviation: float
    message: str  # plain words: "Your left eye is narrowing"


@dataclass(frozen=True)
class MovementEvent:
    """One finished (or closed) unwanted movement."""

    region: str
    side: Side
    measure: str
    start_s: float
    end_s: float
    peak: float  # largest deviation seen, on the measure's own scale, signed
    threshold: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class RegionPeak:
    """How far one guarded measure moved on one side during one repetition: the therapist's "how much".

    ``peak_deviation`` is the largest deviation from the resting face in the unwanted direction, on the
    measure's own scale (a share of the resting value for relative measures such as eye opening, IOD units
    otherwise). ``excess_over_other`` is the largest amount by which this side's deviation exceeded the other
    side's at the same moment (None when the other side was not measured).
    """

    region: str
    side: Side
    measure: str
    peak_deviation: float
    excess_over_other: float | None


@dataclass
class RepSummary:
    """What one completed repetition of a movement exercise achieved."""

    exercise_id: str
    rep: int  # 1-based
    started_s: float
    ended_s: float
    target_reached: dict[Side, float]  # best fraction of the target reached during the hold, 0..1
    events: list[MovementEvent] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)  # measure -> threshold used
    face_missing_s: float = 0.0
    # Seconds of the move and hold with the head turned past the guards' pose limit: not judged, so a rep
    # without warnings is not a clean rep when this is large.
    turned_away_s: float = 0.0
    # Per guarded measure and side, how far it moved during the rep (filled by the engine; empty for
    # reps recorded before these numbers existed).
    region_peaks: tuple[RegionPeak, ...] = ()
