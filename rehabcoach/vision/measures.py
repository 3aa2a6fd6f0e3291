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

# MediaPipe's face transformation matrix is a similarity: its 3x3 part is one scale times a rotation, to
# float32 precision (singular values within 6e-7 of each other on the recordings in ../shared/media).
SIMILARITY_TOLERANCE = 1e-4
_IDENTITY = np.eye(3)


def rotation_from_matrix(matrix: np.ndarray) -> np.ndarray:
    """The pure rotation inside MediaPipe's 4x4 face transformation matrix (scale removed).

    For a similarity the rotation is the 3x3 part over its scale (its Frobenius norm / sqrt(3)): the same
    as orthonormalising by SVD to 4e-7, without LAPACK, whose SVD cost 0.12 ms a frame in the live loop
    (cold after the face model has run).  Anything else (scale differing between axes, shear) still goes
    through the SVD.
    """
    rot = np.asarray(matrix, dtype=np.float64)[:3, :3]
    scale = math.sqrt(float(np.einsum("ij,ij->", rot, rot)) / 3)
    if scale > 0:
        r = rot / scale
        if float(np.abs(np.einsum("ij,kj->ik", r, r) - _IDENTITY).max()) < SIMILARITY_TOLERANCE and _det3(r) > 0:
            return r
    # Orthonormalise: the matrix carries scale that differs between axes, or shear.
    u, _, vt = np.linalg.svd(rot)
    r = u @ vt
    if np.linalg.det(r) < 0:
        u[:, -1] *= -1
        r = u @ vt
    return r


def _det3(m: np.ndarray) -> float:
    (a, b, c), (d, e, f), (g, h, i) = m.tolist()
    return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)


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


def _side_indices(name: str) -> np.ndarray:
    """One landmark field for both sides, a row per side in SIDES order (one column for a single landmark)."""
    return np.array([np.atleast_1d(getattr(SIDE_LANDMARKS[side], name)) for side in SIDES])


# The landmarks each measure reads, for both sides at once: a few array operations per frame instead of
# dozens of small ones (this runs for every frame, live and in analyze).
_EYE_OUTER, _EYE_INNER = _side_indices("eye_outer")[:, 0], _side_indices("eye_inner")[:, 0]
_UPPER_LID, _LOWER_LID = _side_indices("upper_lid"), _side_indices("lower_lid")
_BROW, _CHEEK, _NOSE_ALA = _side_indices("brow"), _side_indices("cheek"), _side_indices("nose_ala")
_MOUTH_CORNER = _side_indices("mouth_corner")[:, 0]


def compute_measures(face: np.ndarray) -> dict[str, dict[Side, float]]:
    """Per-side measures (see catalogue.MEASURES) from head-frame landmarks (``face_coordinates``)."""
    xy = face[:, :2]
    lip_mid_x = (xy[UPPER_LIP_CENTRE, 0] + xy[LOWER_LIP_CENTRE, 0]) / 2
    bridge_y = xy[NOSE_BRIDGE, 1]
    outer, inner, corner = xy[_EYE_OUTER], xy[_EYE_INNER], xy[_MOUTH_CORNER]  # a row per side
    eye_width = np.hypot(*(outer - inner).T)
    lids = np.hypot(*(xy[_UPPER_LID] - xy[_LOWER_LID]).transpose(2, 0, 1)).mean(axis=1)
    half_mouth_width = float(np.hypot(*(corner[0] - corner[1]))) / 2
    rows = {
        "eye_aperture": np.divide(lids, eye_width, out=np.zeros(2), where=eye_width > 1e-6),
        "brow_height": xy[_BROW, 1].mean(axis=1) - (outer[:, 1] + inner[:, 1]) / 2,  # above the eye's centre
        "mouth_corner_lift": corner[:, 1] - xy[NOSE_TIP, 1],
        # Measured from the lips' own midline, not the nose: a whole mouth shifting sideways is not
        # one corner pulling out, and it happens in ordinary speech and with small head turns.
        "mouth_corner_excursion": np.abs(corner[:, 0] - lip_mid_x),
        "lip_width": np.full(2, half_mouth_width),
        "cheek_raise": xy[_CHEEK, 1].mean(axis=1) - bridge_y,
        "nose_wrinkle": xy[_NOSE_ALA, 1].mean(axis=1) - bridge_y,
    }
    return {name: dict(zip(SIDES, values.tolist())) for name, values in rows.items()}
