"""Synthetic faces and measure traces for tests that need no camera and no model."""

from __future__ import annotations

import math

import numpy as np

from rehabcoach.coaching.calibration import baseline_from
from rehabcoach.vision.catalogue import MEASURES, SIDES
from rehabcoach.vision.landmarks import LOWER_LIP_CENTRE, NOSE_BRIDGE, NOSE_TIP, SIDE_LANDMARKS, UPPER_LIP_CENTRE
from rehabcoach.vision.measures import DEPTH_SCALE
from rehabcoach.vision.types import FaceFrame, FaceQuality, HeadPose

# Resting values of every measure (roughly those of a real adult face).
REST = {
    "eye_aperture": 0.33, "brow_height": 0.35, "mouth_corner_lift": -0.50, "mouth_corner_excursion": 0.40,
    "lip_width": 0.41, "cheek_raise": -0.43, "nose_wrinkle": -0.73,
}
GOOD_QUALITY = FaceQuality(face_width=0.4, center_offset=0.05, brightness=120.0)


def measures(**changes) -> dict[str, dict[str, float]]:
    """Resting measures, with changes given as name_side=value (e.g. eye_aperture_left=0.2)."""
    values = {name: {side: REST[name] for side in SIDES} for name in MEASURES}
    for key, value in changes.items():
        name, side = key.rsplit("_", 1)
        values[name][side] = value
    return values


def face_frame(t: float, index: int = 0, *, face: bool = True, pose: HeadPose | None = None,
               quality: FaceQuality | None = GOOD_QUALITY, **changes) -> FaceFrame:
    if not face:
        return FaceFrame(index=index, timestamp=t, face=False)
    return FaceFrame(index=index, timestamp=t, face=True, measures=measures(**changes),
                     pose=pose or HeadPose(0.0, 0.0, 0.0), quality=quality)


def resting_baseline(frames: int = 30, jitter: float = 0.002, seed: int = 1):
    rng = np.random.default_rng(seed)
    rest = []
    for i in range(frames):
        values = measures()
        for name in values:
            for side in SIDES:
                values[name][side] += float(rng.normal(0, jitter))
        rest.append(FaceFrame(index=i, timestamp=i / 30, face=True, measures=values, pose=HeadPose(0, 0, 0),
                              quality=GOOD_QUALITY))
    return baseline_from(rest)


def trace(seconds: float, fps: float = 30.0, start: float = 0.0, **functions):
    """Frames over time; each keyword is a measure_side and a function of time returning its value."""
    frames = []
    for i in range(int(round(seconds * fps))):
        t = start + i / fps
        frames.append(face_frame(t, i, **{k: f(t) for k, f in functions.items()}))
    return frames


# -- landmark-level synthetic face ---------------------------------------------------------------

def head_frame_face() -> np.ndarray:
    """478 points in a head frame (x to the image right = patient's left, y up, z towards camera), pixels.

    Only the landmarks the measures use are placed; the rest sit at the nose bridge.
    """
    points = np.zeros((478, 3))
    half_iod = 30.0

    def put(index, x, y, z=0.0):
        points[index] = (x, y, z)

    put(NOSE_BRIDGE, 0, 0, 5)
    put(NOSE_TIP, 0, -40, 15)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        lm = SIDE_LANDMARKS[side]
        cx = sign * half_iod
        put(lm.eye_outer, cx + sign * 14, -2, -8)
        put(lm.eye_inner, cx - sign * 14, -2, -4)
        for k, (upper, lower) in enumerate(zip(lm.upper_lid, lm.lower_lid)):
            dx = (k - 1) * 6 * sign
            put(upper, cx + dx, 3.0, -2)
            put(lower, cx + dx, -7.0, -2)
        for k, index in enumerate(lm.brow):
            put(index, cx + sign * (10 - 5 * k), 9.0, 0)
        put(lm.mouth_corner, sign * 25, -70, -10)
        for index in lm.cheek:
            put(index, sign * 35, -25, -5)
        for index in lm.nose_ala:
            put(index, sign * 12, -42, 2)
    put(UPPER_LIP_CENTRE, 0, -64, 2)
    put(LOWER_LIP_CENTRE, 0, -78, 2)
    return points


def rotation(yaw_deg: float = 0.0, pitch_deg: float = 0.0, roll_deg: float = 0.0) -> np.ndarray:
    y, p, r = (math.radians(v) for v in (yaw_deg, pitch_deg, roll_deg))
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return ry @ rx @ rz


def to_landmarks(points: np.ndarray, rot: np.ndarray, width: int = 640, height: int = 480,
                 centre=(320.0, 240.0), scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Rotate a head-frame face, place it in an image and return (normalised landmarks, 4x4 matrix)."""
    camera = (points * scale) @ rot.T  # R p for row vectors
    landmarks = np.empty_like(camera)
    landmarks[:, 0] = (camera[:, 0] + centre[0]) / width
    landmarks[:, 1] = (centre[1] - camera[:, 1]) / height
    landmarks[:, 2] = -camera[:, 2] / (width * DEPTH_SCALE)
    matrix = np.eye(4)
    matrix[:3, :3] = rot * 3.0  # MediaPipe's matrix may carry scale; it must not matter
    return landmarks, matrix
