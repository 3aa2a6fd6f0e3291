"""The evaluation's warps move the right pixels, on the patient's side asked for, by the amount asked for.

A synthetic face: dark horizontal bars as eye lids and a dark dot as each mouth corner, at the pixel
positions of a hand-made landmark set.  The subject's RIGHT eye is on the LEFT of the un-mirrored image.
"""

from __future__ import annotations

import numpy as np
import pytest

from lab.warps import (
    close_eyes,
    envelope,
    eye_aperture_pixels,
    interocular_pixels,
    move_points_like_mouth_pull,
    narrow_eye,
    pixel_points,
    pull_mouth_corner,
)
from rehabcoach.vision.landmarks import SIDE_LANDMARKS

W, H = 400, 400


def synthetic_landmarks() -> np.ndarray:
    """478 normalised points with eyes and mouth corners where a frontal face has them."""
    points = np.full((478, 3), 0.5)
    layout = {"right": 130.0, "left": 270.0}  # eye centre x (pixels): subject's right = image left
    for side, cx in layout.items():
        lm = SIDE_LANDMARKS[side]
        outer_x, inner_x = (cx - 30, cx + 30) if side == "right" else (cx + 30, cx - 30)
        points[lm.eye_outer, :2] = (outer_x, 150)
        points[lm.eye_inner, :2] = (inner_x, 150)
        for k, (up, low) in enumerate(zip(lm.upper_lid, lm.lower_lid)):
            x = cx + (k - 1) * 8
            points[up, :2] = (x, 138)
            points[low, :2] = (x, 162)
    points[SIDE_LANDMARKS["right"].mouth_corner, :2] = (150, 290)
    points[SIDE_LANDMARKS["left"].mouth_corner, :2] = (250, 290)
    points[:, 0] /= W
    points[:, 1] /= H
    points[:, 2] = 0.0
    return points


def synthetic_face() -> np.ndarray:
    image = np.full((H, W, 3), 200, dtype=np.uint8)
    for cx in (130, 270):
        image[136:141, cx - 20: cx + 21] = 20  # upper lid
        image[160:165, cx - 20: cx + 21] = 20  # lower lid
    for x in (150, 250):
        image[286:295, x - 4: x + 5] = 20  # mouth corners
    return image


def dark_rows(image: np.ndarray, x0: int, x1: int, y0: int, y1: int) -> np.ndarray:
    band = image[y0:y1, x0:x1, 0].mean(axis=1)
    return np.nonzero(band < 110)[0] + y0


def lid_gap(image: np.ndarray, cx: int) -> float:
    """Distance between the centres of the two dark lid bars in the column band of an eye."""
    rows = dark_rows(image, cx - 10, cx + 11, 110, 190)
    upper, lower = rows[rows < 150], rows[rows >= 150]
    return float(lower.mean() - upper.mean())


def dark_centre(image: np.ndarray, x0: int, x1: int, y0: int, y1: int) -> np.ndarray:
    ys, xs = np.nonzero(image[y0:y1, x0:x1, 0] < 110)
    return np.array([xs.mean() + x0, ys.mean() + y0])


def test_narrow_eye_closes_only_the_named_side_by_the_amount_asked():
    image, landmarks = synthetic_face(), synthetic_landmarks()
    before_right, before_left = lid_gap(image, 130), lid_gap(image, 270)
    out = narrow_eye(image, landmarks, "left", 0.4)  # patient's left = image right (x = 270)
    assert lid_gap(out, 270) == pytest.approx(before_left * 0.6, abs=1.5)
    assert lid_gap(out, 130) == pytest.approx(before_right, abs=0.5)
    # Far from the eye nothing moves: the mouth is untouched pixel for pixel.
    assert np.array_equal(out[250:, :], image[250:, :])
    assert not np.array_equal(out, image)

    out = narrow_eye(image, landmarks, "right", 0.5)
    assert lid_gap(out, 130) == pytest.approx(before_right * 0.5, abs=1.5)
    assert lid_gap(out, 270) == pytest.approx(before_left, abs=0.5)


def test_narrow_eye_follows_a_tilted_head():
    image, landmarks = synthetic_face(), synthetic_landmarks()
    import cv2

    # Tilt image and landmarks by 20 degrees about the image centre: the squeeze must follow the eye's axis.
    rotation = cv2.getRotationMatrix2D((W / 2, H / 2), 20, 1.0)
    tilted = cv2.warpAffine(image, rotation, (W, H), borderValue=(200, 200, 200))
    pts = pixel_points(landmarks, image)
    moved = np.c_[pts, np.ones(len(pts))] @ rotation.T
    tilted_landmarks = landmarks.copy()
    tilted_landmarks[:, 0], tilted_landmarks[:, 1] = moved[:, 0] / W, moved[:, 1] / H
    out = narrow_eye(tilted, tilted_landmarks, "left", 0.45)
    # Undo the tilt and measure the lids as before.
    back = cv2.warpAffine(out, cv2.invertAffineTransform(rotation), (W, H), borderValue=(200, 200, 200))
    assert lid_gap(back, 270) == pytest.approx(lid_gap(image, 270) * 0.55, abs=2.0)
    assert lid_gap(back, 130) == pytest.approx(lid_gap(image, 130), abs=1.0)


def test_close_eyes_closes_both():
    image, landmarks = synthetic_face(), synthetic_landmarks()
    out = close_eyes(image, landmarks, 0.9)
    for cx in (130, 270):
        rows = dark_rows(out, cx - 10, cx + 11, 110, 190)
        assert rows.max() - rows.min() < 0.25 * lid_gap(image, cx)


def test_pull_mouth_corner_moves_that_corner_up_and_out_by_the_amount():
    image, landmarks = synthetic_face(), synthetic_landmarks()
    iod = interocular_pixels(pixel_points(landmarks, image))
    assert iod == pytest.approx(140.0)
    out = pull_mouth_corner(image, landmarks, "right", 0.1)  # patient's right = image left (x = 150)
    moved = dark_centre(out, 110, 200, 240, 320)
    still = dark_centre(out, 200, 290, 240, 320)
    shift = moved - np.array([150, 290])
    assert np.linalg.norm(shift) == pytest.approx(0.1 * iod, abs=1.5)
    assert shift[1] < -8  # up (image y grows downwards)
    assert shift[0] < -4  # outwards: the patient's right corner moves to the image left
    assert np.allclose(still, (250, 290), atol=0.6)  # the other corner stays put
    # The eyes are untouched (the Gaussian's far tail may shift an edge pixel by one grey level).
    assert np.abs(out[:200].astype(int) - image[:200]).max() <= 1


def test_a_sideways_pull_moves_the_corner_straight_out_by_the_amount():
    image, landmarks = synthetic_face(), synthetic_landmarks()
    iod = interocular_pixels(pixel_points(landmarks, image))
    out = pull_mouth_corner(image, landmarks, "left", 0.1, "sideways")  # patient's left = image right (x = 250)
    shift = dark_centre(out, 200, 300, 240, 320) - np.array([250, 290])
    assert shift[0] == pytest.approx(0.1 * iod, abs=1.5)  # outwards: the patient's left corner moves to the image right
    assert abs(shift[1]) < 1.0  # not up
    assert np.allclose(dark_centre(out, 100, 200, 240, 320), (150, 290), atol=0.6)  # the other corner stays put
    # The forward map agrees, and the default direction is still up and out.
    moved = move_points_like_mouth_pull(pixel_points(landmarks, image), "left", 0.1, "sideways")
    assert np.allclose(dark_centre(out, 200, 300, 240, 320), moved[SIDE_LANDMARKS["left"].mouth_corner, :2], atol=1.5)
    assert np.array_equal(pull_mouth_corner(image, landmarks, "left", 0.1),
                          pull_mouth_corner(image, landmarks, "left", 0.1, "up-and-out"))
    with pytest.raises(KeyError):
        pull_mouth_corner(image, landmarks, "left", 0.1, "diagonal")


def test_mouth_pull_forward_map_agrees_with_the_image():
    image, landmarks = synthetic_face(), synthetic_landmarks()
    pts = pixel_points(landmarks, image)
    moved = move_points_like_mouth_pull(pts, "left", 0.08)
    corner = SIDE_LANDMARKS["left"].mouth_corner
    out = pull_mouth_corner(image, landmarks, "left", 0.08)
    assert np.allclose(dark_centre(out, 200, 300, 240, 320), moved[corner, :2], atol=1.5)
    # Landmarks far from the corner (the eyes) do not move.
    assert np.allclose(moved[SIDE_LANDMARKS["left"].eye_outer], pts[SIDE_LANDMARKS["left"].eye_outer])


def test_eye_aperture_of_points_matches_the_layout():
    pts = pixel_points(synthetic_landmarks(), synthetic_face())
    assert eye_aperture_pixels(pts, "left") == pytest.approx(24 / 60)


def test_warps_reject_silly_amounts_and_leave_input_alone():
    image, landmarks = synthetic_face(), synthetic_landmarks()
    original = image.copy()
    with pytest.raises(ValueError):
        narrow_eye(image, landmarks, "left", 1.0)
    with pytest.raises(ValueError):
        pull_mouth_corner(image, landmarks, "left", 0.5)
    narrow_eye(image, landmarks, "left", 0.4)
    pull_mouth_corner(image, landmarks, "right", 0.1)
    assert np.array_equal(image, original)
    assert np.array_equal(narrow_eye(image, landmarks, "left", 0.0), image)


def test_envelope_ramps_smoothly_and_holds():
    assert envelope(0.0, 1.0, 3.0) == 0.0
    assert envelope(1.0, 1.0, 3.0) == 0.0
    assert envelope(1.1, 1.0, 3.0) == pytest.approx(0.5)
    assert envelope(2.0, 1.0, 3.0) == 1.0
    assert envelope(2.9, 1.0, 3.0) == pytest.approx(0.5)
    assert envelope(3.5, 1.0, 3.0) == 0.0
    values = [envelope(t, 1.0, 3.0) for t in np.linspace(0.9, 1.3, 41)]
    assert all(b >= a for a, b in zip(values, values[1:]))  # rising without a jump
    assert max(np.diff(values)) < 0.1
    assert envelope(1.1, 1.0, 1.2) == pytest.approx(1.0)  # a short interval peaks in its middle


def test_resampling_matches_opencv_remap_within_a_grey_level():
    """The warps resample in float64 (the same bytes with any OpenCV build), as cv2.remap would."""
    import cv2

    from lab.warps import _remap_patch

    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(40, 60, 3), dtype=np.uint8)
    ys, xs = np.mgrid[5:35, 0:60].astype(np.float64)
    # Smooth displacements with fractional parts, running past the left and top edges (reflected there).
    map_x = xs + 2.3 * np.sin(ys / 7.0) - 1.4
    map_y = ys + 1.7 * np.cos(xs / 9.0) - 6.2
    ours = _remap_patch(image, (0, 60, 5, 35), map_x, map_y)
    reference = cv2.remap(image, map_x.astype(np.float32), map_y.astype(np.float32),
                          interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    assert np.abs(ours[5:35].astype(int) - reference.astype(int)).max() <= 1
    assert np.array_equal(ours[:5], image[:5]) and np.array_equal(ours[35:], image[35:])  # outside the box: untouched
    # Half a pixel to the right of a horizontal ramp is the mean of its two neighbours; one past the edge reflects.
    ramp = np.tile(np.arange(0, 200, 10, dtype=np.uint8), (4, 1))
    rows, cols = np.mgrid[0:4, 0:20].astype(np.float64)
    shifted = _remap_patch(ramp, (0, 20, 0, 4), cols + 0.5, rows)
    assert shifted[0, :19].tolist() == [5 + 10 * k for k in range(19)]
    assert shifted[0, 19] == 190  # between the last pixel and its reflection, itself
