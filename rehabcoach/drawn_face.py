"""A face drawn with OpenCV that MediaPipe's FaceLandmarker recognises, for checks that may use no recording.

The self-test (and tests) need a face that moves in known ways, on any machine, with nothing shipped but
code: a bundle must carry no test media.  This cartoon is enough for the face detector and the mesh;
the mesh follows its eyes and mouth (a half-closed eye reads as a smaller eye aperture, a smile as
mouth corners that rise and move outwards).

Sides are the patient's anatomical sides: the patient's left eye is drawn on the RIGHT of the image,
as an un-mirrored camera sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from rehabcoach.vision.catalogue import Side

SKIN = (150, 175, 215)  # BGR
SKIN_SHADE = (120, 145, 185)
HAIR = (30, 40, 60)
INK = (60, 70, 90)


@dataclass(frozen=True)
class Expression:
    """How the drawn face looks: eye opening per side (1 = open, 0 = shut) and smile (0..1)."""

    left_eye: float = 1.0
    right_eye: float = 1.0
    smile: float = 0.0

    def eye(self, side: Side) -> float:
        return self.left_eye if side == "left" else self.right_eye

    def blend(self, other: "Expression", amount: float) -> "Expression":
        """The expression ``amount`` (0..1) of the way to ``other``: faces move smoothly, not in jumps."""
        mix = lambda a, b: a + (b - a) * amount  # noqa: E731
        return Expression(mix(self.left_eye, other.left_eye), mix(self.right_eye, other.right_eye),
                          mix(self.smile, other.smile))


REST = Expression()


def draw_face(expression: Expression = REST, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """A BGR image (height, width, 3) of a head and shoulders facing the camera, face in the middle."""
    width, height = size
    scale = height / 480  # drawn for 480 px high; other sizes scale
    image: np.ndarray = np.empty((height, width, 3), np.uint8)
    image[:] = np.linspace(90, 150, height, dtype=np.uint8)[:, None, None]  # a plain wall
    cx, cy = width // 2, height // 2 + round(10 * scale)

    def pt(dx: float, dy: float) -> tuple[int, int]:
        return cx + round(dx * scale), cy + round(dy * scale)

    def ax(rx: float, ry: float) -> tuple[int, int]:
        return max(1, round(rx * scale)), max(1, round(ry * scale))

    def px(value: float) -> int:
        return max(1, round(value * scale))

    cv2.rectangle(image, pt(-45, 100), (cx + round(45 * scale), height), (130, 155, 195), -1)  # neck
    cv2.ellipse(image, pt(0, 280), ax(200, 110), 0, 0, 360, (90, 60, 40), -1)  # shoulders
    cv2.ellipse(image, pt(0, -30), ax(123, 150), 0, 0, 360, HAIR, -1)
    cv2.ellipse(image, pt(0, 0), ax(105, 140), 0, 0, 360, SKIN, -1)
    cv2.ellipse(image, pt(0, -95), ax(110, 60), 0, 180, 360, HAIR, -1)  # fringe
    for sign in (-1, 1):
        cv2.ellipse(image, pt(sign * 107, 5), ax(14, 28), 0, 0, 360, (140, 165, 205), -1)  # ears
    shade = image.copy()
    for sign in (-1, 1):
        cv2.ellipse(shade, pt(sign * 85, 20), ax(30, 90), 0, 0, 360, SKIN_SHADE, -1)
    image = cv2.addWeighted(image, 0.6, shade, 0.4, 0)

    eyes: tuple[tuple[Side, int], ...] = (("left", 1), ("right", -1))  # the patient's left eye is on the image's right
    for side, sign in eyes:
        centre = pt(sign * 45, -25)
        cv2.ellipse(image, pt(sign * 45, -53), ax(28, 8), 0, 180, 360, (40, 50, 70), px(5))  # brow
        opening = max(0.05, min(1.0, expression.eye(side)))
        lid = ax(22, 11 * opening)
        cv2.ellipse(image, centre, lid, 0, 0, 360, (235, 240, 245), -1)
        if opening > 0.2:
            cv2.circle(image, centre, min(px(9), lid[1]), INK, -1)
            cv2.circle(image, centre, min(px(4), lid[1]), (15, 15, 20), -1)
        cv2.ellipse(image, centre, lid, 0, 0, 360, INK, px(2))

    cv2.line(image, pt(-4, -20), pt(-10, 35), (120, 140, 180), px(3))  # nose
    cv2.ellipse(image, pt(0, 38), ax(18, 8), 0, 0, 180, (110, 130, 170), px(3))
    for sign in (-1, 1):
        cv2.circle(image, pt(sign * 9, 40), px(4), (80, 95, 130), -1)

    smile = max(0.0, min(1.0, expression.smile))
    lift, stretch = 14 * smile, 6 * smile
    corners = [pt(-35 - stretch, 75 - lift), pt(35 + stretch, 75 - lift)]
    lips = np.array([corners[0], pt(-15, 71), pt(0, 73), pt(15, 71), corners[1],
                     pt(15, 84), pt(0, 86), pt(-15, 84)], np.int32)
    cv2.fillPoly(image, [lips], (90, 90, 170))
    cv2.line(image, corners[0], corners[1], (60, 60, 120), px(2))
    return cv2.GaussianBlur(image, (5, 5), 0)
