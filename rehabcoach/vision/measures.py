"""Per-side face measures from one frame's landmarks, with head rotation removed.

Landmarks arrive in MediaPipe's normalised image coordinates (x right, y down, z depth scaled like x).
They are turned into a metric-like camera frame (x right, y up, z towards the camera), de-rotated with
the rotation part of the face transformation matrix, and expressed in inter-ocular distances (IOD)
with the nose bridge as origin.  The result is comparable across frames whatever the head's turn,
tilt and distance from the camera, which is what a baseline comparison needs.
"""

from __future__ import annotations

import math

import numpy as np

from rehabcoach.vision.catalogue import SIDES, Side
from rehabcoach.vision.landmarks import LOWER_LIP_CENTRE, NOSE_BRIDGE, NOSE_TIP, SIDE_LANDMARKS, UPPER_LIP_CENTRE
from rehabcoach.vision.types import HeadPose


def rotation_from_matrix(matrix: np.ndarray) -> np.ndarray:
    """The pure rotation inside MediaPipe's 4x4 face transformation matrix (scale removed)."""
    rot = np.asarray(matrix, dtype=np.float64)[:3, :3]
    # Orthonormalise: the matrix may carry scale and a little numerical shear.
    u, _, vt = np.linalg.svd(rot)
    r = u @ vt
    if np.linalg.det(r) < 0:
        u[:, -1] *= -1
        r = u @ vt
    return r


def head_pose(rotation: np.ndarray) -> HeadPose:
    """Yaw (turn), pitch (nod) and roll (tilt) in degrees from a rotation matrix."""
    r = rotation
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, r[0, 2]))))
    pitch = math.degrees(math.atan2(-r[1, 2], r[2, 2]))
    roll = math.degrees(math.atan2(-r[0, 1], r[0, 0]))
    return HeadPose(yaw=yaw, pitch=pitch, roll=roll)


# MediaPipe's landmark depth is flatter than the face: on the recordings in ../shared/media, de-rotating
# with z scaled by 1.5 removed the dependence of left/right differences on head turn (eye opening and
# mouth-corner position, neutral frames, yaw -14..17 degrees); with z as given, about a third remained.
DEPTH_SCALE = 1.5


def face_coordinates(landmarks: np.ndarray, width: int, height: int, rotation: np.ndarray | None) -> np.ndarray:
    """Landmarks in the head's own frame: origin at the nose bridge, x to the image right, y up, unit = IOD."""
    points = np.empty((landmarks.shape[0], 3), dtype=np.float64)
    points[:, 0] = landmarks[:, 0] * width
    points[:, 1] = -landmarks[:, 1] * height
    points[:, 2] = -landmarks[:, 2] * width * DEPTH_SCALE
    points -= points[NOSE_BRIDGE]
    if rotation is not None:
        points = points @ rotation  # row vectors: p @ R == (R^T p^T)^T, i.e. undo the head's rotation
    right, left = SIDE_LANDMARKS["right"], SIDE_LANDMARKS["left"]
    right_centre = (points[right.eye_outer] + points[right.eye_inner]) / 2
    left_centre = (points[left.eye_outer] + points[left.eye_inner]) / 2
    iod = float(np.linalg.norm(left_centre - right_centre))
    if iod < 1e-6:
        raise ValueError("degenerate landmarks: the eyes coincide")
    return points / iod


def compute_measures(face: np.ndarray) -> dict[str, dict[Side, float]]:
    """Per-side measures (see catalogue.MEASURES) from head-frame landmarks (``face_coordinates``)."""
    xy = face[:, :2]
    lip_mid_x = (xy[UPPER_LIP_CENTRE, 0] + xy[LOWER_LIP_CENTRE, 0]) / 2
    bridge = xy[NOSE_BRIDGE]
    half_mouth_width = float(np.linalg.norm(
        xy[SIDE_LANDMARKS["left"].mouth_corner] - xy[SIDE_LANDMARKS["right"].mouth_corner])) / 2
    out: dict[str, dict[Side, float]] = {name: {} for name in (
        "eye_aperture", "brow_height", "mouth_corner_lift", "mouth_corner_excursion",
        "lip_width", "cheek_raise", "nose_wrinkle")}
    for side in SIDES:
        lm = SIDE_LANDMARKS[side]
        outer, inner = xy[lm.eye_outer], xy[lm.eye_inner]
        eye_width = float(np.linalg.norm(outer - inner))
        lids = np.linalg.norm(xy[list(lm.upper_lid)] - xy[list(lm.lower_lid)], axis=1)
        eye_centre_y = (outer[1] + inner[1]) / 2
        corner = xy[lm.mouth_corner]
        out["eye_aperture"][side] = float(lids.mean() / eye_width) if eye_width > 1e-6 else 0.0
        out["brow_height"][side] = float(xy[list(lm.brow), 1].mean() - eye_centre_y)
        out["mouth_corner_lift"][side] = float(corner[1] - xy[NOSE_TIP, 1])
        # Measured from the lips' own midline, not the nose: a whole mouth shifting sideways is not
        # one corner pulling out, and it happens in ordinary speech and with small head turns.
        out["mouth_corner_excursion"][side] = float(abs(corner[0] - lip_mid_x))
        out["lip_width"][side] = half_mouth_width
        out["cheek_raise"][side] = float(xy[list(lm.cheek), 1].mean() - bridge[1])
        out["nose_wrinkle"][side] = float(xy[list(lm.nose_ala), 1].mean() - bridge[1])
    return out
