"""Plain data passed from the vision pipeline to the coaching engine and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from rehabcoach.vision.catalogue import Side


@dataclass(frozen=True)
class Frame:
    """One image from a frame source, un-mirrored, BGR uint8 (OpenCV order)."""

    index: int
    timestamp: float  # seconds since the source started (video time for files, clock time for cameras)
    image: np.ndarray


PoseAxis = Literal["yaw", "pitch", "roll"]


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees, from the face transformation matrix, in the patient's own terms: yaw > 0 =
    turned to their left, pitch > 0 = chin down, roll > 0 = tilted towards their right shoulder (checked on
    recordings in ../shared/media: tests/test_head_pose_media.py)."""

    yaw: float
    pitch: float
    roll: float

    def distance(self, other: "HeadPose") -> float:
        return max(abs(self.yaw - other.yaw), abs(self.pitch - other.pitch), abs(self.roll - other.roll))

    def largest_change(self, reference: "HeadPose") -> tuple[PoseAxis, float]:
        """The axis on which this pose is furthest from ``reference``, and the signed change (this - reference)."""
        changes: dict[PoseAxis, float] = {"yaw": self.yaw - reference.yaw, "pitch": self.pitch - reference.pitch,
                                          "roll": self.roll - reference.roll}
        axis = max(changes, key=lambda name: abs(changes[name]))
        return axis, changes[axis]


@dataclass(frozen=True)
class FaceQuality:
    """What calibration needs to give specific help: is the face big enough, centred, lit?"""

    face_width: float  # fraction of the image width taken by the face (0..1)
    center_offset: float  # distance of the face centre from the image centre, fraction of image size
    brightness: float  # mean grey level of the face box, 0..255


@dataclass(frozen=True)
class FaceFrame:
    """Everything the coach knows about one frame.

    ``measures[name][side]`` are per-side measures (see ``catalogue.MEASURES``); sides are the
    patient's anatomical sides.  ``landmarks`` are MediaPipe's 478 points in normalised coordinates
    of the un-mirrored image (x, y in 0..1) for drawing overlays; the UI mirrors them for display.
    """

    index: int
    timestamp: float
    face: bool
    measures: dict[str, dict[Side, float]] = field(default_factory=dict)
    blendshapes: dict[str, float] = field(default_factory=dict)
    pose: HeadPose | None = None
    quality: FaceQuality | None = None
    landmarks: np.ndarray | None = None  # shape (478, 3), normalised image coordinates
    image_size: tuple[int, int] = (0, 0)  # (width, height)

    def value(self, measure: str, side: Side) -> float | None:
        sides = self.measures.get(measure)
        return None if sides is None else sides.get(side)
