"""The per-side face measures the coach knows, in plain data (no numpy) so the routine format can use it.

Sides are always the patient's anatomical sides.  Every measure is normalised by the inter-ocular
distance (IOD) and taken after head rotation is removed, so values are comparable across frames.

``scale`` says how a deviation from the calibrated baseline is expressed:
- ``"relative"``: (value - baseline) / baseline, e.g. -0.25 = the eye is 25 % narrower than at rest;
- ``"iod"``: (value - baseline) in units of the inter-ocular distance, e.g. 0.04 = moved by 4 % of
  the distance between the eyes (about 2.5 mm on an adult face). Used for positions whose resting
  value says nothing about how far they may move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Side = Literal["left", "right"]
SIDES: tuple[Side, Side] = ("left", "right")
Region = Literal["eye", "brow", "mouth", "cheek", "nose"]
REGIONS: tuple[str, ...] = ("eye", "brow", "mouth", "cheek", "nose")


@dataclass(frozen=True)
class MeasureInfo:
    name: str
    region: str
    scale: Literal["relative", "iod"]
    description: str
    # Plain words for a warning: "Your left eye is narrowing" -> increase/decrease wording.
    increase_words: str
    decrease_words: str


MEASURES: dict[str, MeasureInfo] = {
    m.name: m
    for m in (
        MeasureInfo(
            "eye_aperture", "eye", "relative",
            "Opening of the eye: distance between the lids divided by the eye's width.",
            "widening", "narrowing",
        ),
        MeasureInfo(
            "brow_height", "brow", "relative",
            "Height of the eyebrow above the eye, in inter-ocular distances.",
            "lifting", "lowering",
        ),
        MeasureInfo(
            "mouth_corner_lift", "mouth", "iod",
            "Height of the mouth corner relative to the tip of the nose (up is positive).",
            "pulling up", "pulling down",
        ),
        MeasureInfo(
            "mouth_corner_excursion", "mouth", "iod",
            "Horizontal distance of the mouth corner from the midline of the lips (a corner pulling out).",
            "pulling outwards", "pulling inwards",
        ),
        MeasureInfo(
            "lip_width", "mouth", "relative",
            "Half the distance between the two mouth corners (the same value on both sides; pucker narrows it).",
            "widening", "narrowing",
        ),
        MeasureInfo(
            "cheek_raise", "cheek", "iod",
            "Height of the upper cheek relative to the nose bridge (up is positive).",
            "lifting", "dropping",
        ),
        MeasureInfo(
            "nose_wrinkle", "nose", "iod",
            "Height of the side of the nose (nasal ala) relative to the nose bridge (up is positive).",
            "wrinkling", "relaxing",
        ),
    )
}

MEASURE_NAMES: tuple[str, ...] = tuple(MEASURES)
