"""The pixel-based eye signal of the eye-signal comparison (lab/pixel_lid.py): an eye's patch follows its
corners, and the vertical scale that matches the rest patch reads a narrowing of that eye only."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lab.pixel_lid import ScaleMatcher, eye_patch, eye_scales

CORNERS = {"right": (np.array([60.0, 100.0]), np.array([140.0, 100.0])),
           "left": (np.array([220.0, 100.0]), np.array([300.0, 100.0]))}


def face(squash: dict[str, float] | None = None, dy: float = 0.0) -> np.ndarray:
    """A grey picture with two textured eyes; ``squash`` scales an eye vertically about its corner line."""
    image = np.full((200, 360), 170, np.uint8)
    rng = np.random.default_rng(3)
    image += rng.integers(0, 12, image.shape, dtype=np.uint8)  # skin texture
    for side, (outer, inner) in CORNERS.items():
        centre = (outer + inner) / 2
        eye = image.copy()
        cv2.ellipse(eye, (int(centre[0]), int(centre[1])), (40, 16), 0, 0, 360, 235, -1)  # sclera
        cv2.circle(eye, (int(centre[0]), int(centre[1])), 12, 70, -1)  # iris
        cv2.circle(eye, (int(centre[0]), int(centre[1])), 5, 20, -1)  # pupil
        cv2.ellipse(eye, (int(centre[0]), int(centre[1]) - 2), (42, 18), 0, 180, 360, 60, 2)  # upper lid line
        scale = (squash or {}).get(side, 1.0)
        # Frame row y shows eye row cy + (y - cy - dy) / scale (a compression about the corner line).
        matrix = np.array([[1.0, 0.0, 0.0], [0.0, 1.0 / scale, centre[1] - (centre[1] + dy) / scale]])
        warped = cv2.warpAffine(eye, matrix, image.shape[::-1], flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_REPLICATE)
        region = np.zeros(image.shape, bool)
        region[40:160, int(outer[0]) - 30:int(inner[0]) + 30] = True
        image[region] = warped[region]
    return image


def patch(image: np.ndarray, side: str) -> np.ndarray:
    outer, inner = CORNERS[side]
    result = eye_patch(image, outer, inner)
    assert result is not None
    return result


@pytest.mark.parametrize("scale", [0.6, 0.8, 0.9])
def test_a_narrowed_eye_reads_its_scale_and_the_other_eye_stays_at_one(scale):
    rest = face()
    narrowed = face({"right": scale})
    right, left = ScaleMatcher(patch(rest, "right")), ScaleMatcher(patch(rest, "left"))
    assert right.scale(patch(narrowed, "right")) == pytest.approx(scale, abs=0.04)
    assert left.scale(patch(narrowed, "left")) == pytest.approx(1.0, abs=0.03)


def test_a_small_vertical_shift_is_not_a_narrowing():
    matcher = ScaleMatcher(patch(face(), "right"))
    assert matcher.scale(patch(face(dy=3.0), "right")) == pytest.approx(1.0, abs=0.04)


def test_the_patch_follows_the_corners_through_a_head_roll():
    image = face()
    rolled = cv2.warpAffine(image, cv2.getRotationMatrix2D((180.0, 100.0), 12, 1.0), image.shape[::-1],
                            borderMode=cv2.BORDER_REPLICATE)
    rotation = cv2.getRotationMatrix2D((180.0, 100.0), 12, 1.0)
    outer, inner = (rotation @ np.append(p, 1.0) for p in CORNERS["right"])
    rolled_patch = eye_patch(rolled, outer, inner)
    assert ScaleMatcher(patch(image, "right")).scale(rolled_patch) == pytest.approx(1.0, abs=0.04)


def test_eye_scales_take_the_rest_from_the_calibration_frames_and_skip_frames_without_a_face():
    frames = [face()] * 3 + [face({"left": 0.7})] * 2
    patches = np.stack([np.stack([patch(f, "right"), patch(f, "left")]) for f in frames]).round().astype(np.uint8)
    has_face = np.array([True, True, True, True, False])
    rest = np.array([True, True, True, False, False])
    scales = eye_scales(patches, has_face, rest)
    assert scales["left"][3] == pytest.approx(0.7, abs=0.04) and scales["right"][3] == pytest.approx(1.0, abs=0.03)
    assert np.isnan(scales["left"][4])
