"""MediaPipe Face Mesh landmark indices, grouped by the patient's anatomical side.

MediaPipe names the subject's own left "Left": it appears on the RIGHT of an un-mirrored frame.
Index sets were checked on the recordings in ../shared/media (a left wink closes 386/374).
"""

from __future__ import annotations

from dataclasses import dataclass

NOSE_BRIDGE = 168  # nasion between the eyes: rigid, the origin of the face's coordinates
# The nose tip is the reference for mouth-corner height: MediaPipe's mesh drags the nasion down by
# about 0.09 inter-ocular distances when the eyes close, which made both mouth corners look lifted
# during every eye closure (measured on warped closures of liveportrait d9); the tip does not move.
NOSE_TIP = 1
UPPER_LIP_CENTRE = 0
LOWER_LIP_CENTRE = 17


@dataclass(frozen=True)
class SideLandmarks:
    eye_outer: int
    eye_inner: int
    upper_lid: tuple[int, ...]
    lower_lid: tuple[int, ...]  # paired index by index with upper_lid
    brow: tuple[int, ...]
    mouth_corner: int
    cheek: tuple[int, ...]
    nose_ala: tuple[int, ...]


SIDE_LANDMARKS: dict[str, SideLandmarks] = {
    "right": SideLandmarks(
        eye_outer=33, eye_inner=133,
        upper_lid=(159, 158, 160), lower_lid=(145, 153, 144),
        brow=(70, 63, 105, 66, 107),
        mouth_corner=61,
        cheek=(117, 118, 50),
        nose_ala=(64, 98, 129),
    ),
    "left": SideLandmarks(
        eye_outer=263, eye_inner=362,
        upper_lid=(386, 385, 387), lower_lid=(374, 380, 373),
        brow=(300, 293, 334, 296, 336),
        mouth_corner=291,
        cheek=(346, 347, 280),
        nose_ala=(294, 327, 358),
    ),
}

# Outlines for the overlay, as polylines of landmark indices per (region, side).
CONTOURS: dict[tuple[str, str], list[int]] = {
    ("eye", "right"): [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7, 33],
    ("eye", "left"): [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249, 263],
    ("brow", "right"): [70, 63, 105, 66, 107],
    ("brow", "left"): [300, 293, 334, 296, 336],
    ("mouth", "right"): [0, 37, 39, 40, 185, 61, 146, 91, 181, 84, 17],
    ("mouth", "left"): [0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17],
}
