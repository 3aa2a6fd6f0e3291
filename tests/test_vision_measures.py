"""Per-side measures from synthetic landmarks: side convention, size and head-rotation invariance."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic_faces import head_frame_face, rotation, to_landmarks

from rehabcoach.vision.catalogue import MEASURE_NAMES, MEASURES
from rehabcoach.vision.landmarks import SIDE_LANDMARKS
from rehabcoach.vision.measures import compute_measures, face_coordinates, head_pose, rotation_from_matrix


def measure_face(points, rot=None, **placement):
    rot = np.eye(3) if rot is None else rot
    landmarks, matrix = to_landmarks(points, rot, **placement)
    return compute_measures(face_coordinates(landmarks, 640, 480, rotation_from_matrix(matrix)))


def test_every_catalogued_measure_is_computed_for_both_sides():
    values = measure_face(head_frame_face())
    assert set(values) == set(MEASURE_NAMES)
    for name in MEASURES:
        assert set(values[name]) == {"left", "right"}


def test_resting_synthetic_face_is_symmetric():
    values = measure_face(head_frame_face())
    for name in MEASURES:
        assert values[name]["left"] == pytest.approx(values[name]["right"], abs=1e-9), name


def test_patient_left_eye_is_the_one_on_the_image_right():
    points = head_frame_face()
    left = SIDE_LANDMARKS["left"]
    assert points[left.eye_outer, 0] > 0  # MediaPipe's "left" set sits on the right of the un-mirrored image
    for index in left.lower_lid:
        points[index, 1] += 6.0  # close the patient's left eye by moving its lower lid up
    values = measure_face(points)
    assert values["eye_aperture"]["left"] < 0.5 * values["eye_aperture"]["right"]


def test_mouth_corner_lift_and_excursion_follow_the_corner_on_its_side():
    points = head_frame_face()
    corner = SIDE_LANDMARKS["right"].mouth_corner
    rest = measure_face(points)
    points[corner] += (-3.0, 4.0, 0.0)  # the patient's right corner moves out (to the image left) and up
    moved = measure_face(points)
    assert moved["mouth_corner_lift"]["right"] - rest["mouth_corner_lift"]["right"] == pytest.approx(4 / 60)
    assert moved["mouth_corner_excursion"]["right"] - rest["mouth_corner_excursion"]["right"] == pytest.approx(3 / 60)
    assert moved["mouth_corner_lift"]["left"] == pytest.approx(rest["mouth_corner_lift"]["left"])


def test_measures_do_not_depend_on_face_size_or_position():
    points = head_frame_face()
    near = measure_face(points, scale=2.0, centre=(300.0, 260.0))
    far = measure_face(points, scale=0.6, centre=(400.0, 200.0))
    for name in MEASURES:
        for side in ("left", "right"):
            assert near[name][side] == pytest.approx(far[name][side], abs=1e-9)


@pytest.mark.parametrize("yaw, pitch, roll", [(12, 0, 0), (-12, 0, 0), (0, 10, 0), (0, 0, 15), (8, -6, 10)])
def test_head_rotation_is_removed(yaw, pitch, roll):
    points = head_frame_face()
    points[SIDE_LANDMARKS["left"].mouth_corner, 1] += 3.0  # an asymmetric face, so sides cannot swap unseen
    straight = measure_face(points)
    turned = measure_face(points, rotation(yaw, pitch, roll))
    for name in MEASURES:
        for side in ("left", "right"):
            assert turned[name][side] == pytest.approx(straight[name][side], abs=1e-9), (name, side)


def test_head_pose_reads_back_the_rotation():
    pose = head_pose(rotation_from_matrix(np.block([[rotation(10, 0, 0), np.zeros((3, 1))], [np.zeros((1, 4))]])))
    assert abs(pose.yaw) == pytest.approx(10, abs=1e-6)
    assert pose.pitch == pytest.approx(0, abs=1e-6) and pose.roll == pytest.approx(0, abs=1e-6)
    tilted = head_pose(rotation(0, 0, 20))
    assert abs(tilted.roll) == pytest.approx(20, abs=1e-6)


def test_degenerate_landmarks_are_rejected():
    with pytest.raises(ValueError):
        face_coordinates(np.zeros((478, 3)), 640, 480, None)
