"""The eye-signal comparison (issue 8, item 3) on hand-made replays: the geometry of each candidate signal,
the separation statistics, and that an induced one-sided narrowing is a positive and its twin a negative."""

from __future__ import annotations

import numpy as np
import pytest

from lab import eye_signals
from lab.eval_cases import KEPT_LANDMARKS, Case, Movement, Replay
from lab.eye_signals import (
    asymmetry,
    auc,
    collect,
    compare,
    contour_area,
    d_prime,
    deviations,
    iris_diameter,
    lid_distance,
)
from rehabcoach.vision.landmarks import CONTOURS, SIDE_LANDMARKS
from rehabcoach.vision.types import FaceFrame

FPS = 10.0
SIZE = (200, 100)  # width, height: x and y scale differently


def eye_points(openness: dict[str, float]) -> np.ndarray:
    """Kept landmarks (normalised) of two eyes 40 px wide; each eye's contour is a diamond whose height is
    ``openness`` x 20 px; irises 10 px across."""
    points = np.full((478, 3), np.nan)
    for side, cx in (("right", 60.0), ("left", 140.0)):
        lm = SIDE_LANDMARKS[side]
        half = 10.0 * openness[side]
        ring = CONTOURS[("eye", side)][:-1]
        # Outer corner, then upper lid, inner corner, lower lid, as the contour runs.
        for k, index in enumerate(ring):
            angle = 2 * np.pi * k / len(ring)
            points[index, :2] = (cx - 20 * np.cos(angle), 50 - half * np.sin(angle))
        points[lm.eye_outer, :2], points[lm.eye_inner, :2] = (cx - 20, 50), (cx + 20, 50)
        for up, low in zip(lm.upper_lid, lm.lower_lid):
            points[up, :2], points[low, :2] = (cx, 50 - half), (cx, 50 + half)
        ring_ids = eye_signals.IRIS_RING[side]
        for index, (dx, dy) in zip(ring_ids, ((5, 0), (0, -5), (-5, 0), (0, 5))):
            points[index, :2] = (cx + dx, 50 + dy)
        points[ring_ids[0] - 1, :2] = (cx, 50)
    points[:, 0] /= SIZE[0]
    points[:, 1] /= SIZE[1]
    points[:, 2] = 0.0
    return np.nan_to_num(points[list(KEPT_LANDMARKS)], nan=0.5).astype(np.float32)


def replay(openness: list[dict[str, float]]) -> Replay:
    frames = [FaceFrame(index=i, timestamp=i / FPS, face=True,
                        measures={"eye_aperture": {s: 0.5 * o[s] for s in o}},
                        blendshapes={"eyeBlinkRight": 1 - o["right"], "eyeBlinkLeft": 1 - o["left"],
                                     "eyeSquintRight": 0.1, "eyeSquintLeft": 0.1})
              for i, o in enumerate(openness)]
    return Replay(frames, np.array([eye_points(o) for o in openness]), SIZE)


def test_geometry_of_the_candidate_signals():
    r = replay([{"right": 1.0, "left": 0.5}])
    from lab.eye_signals import _pixels

    points = _pixels(r)
    assert lid_distance(points, "right")[0] == pytest.approx(20.0)
    assert lid_distance(points, "left")[0] == pytest.approx(10.0)
    assert iris_diameter(points, "left")[0] == pytest.approx(10.0)
    # About the area of an ellipse of half-axes 20 and 10 (the contour is a 16-gon on it, lids moved to the middle).
    assert 0.8 * np.pi * 200 < contour_area(points, "right")[0] < np.pi * 200
    assert contour_area(points, "left")[0] == pytest.approx(contour_area(points, "right")[0] / 2, rel=1e-4)


def test_separation_statistics():
    assert auc([3, 4], [1, 2]) == 1.0
    assert auc([1], [1]) == 0.5
    assert auc([], [1]) is None
    assert d_prime([2, 4], [0, 2]) == pytest.approx(2 / np.sqrt(2))


def test_a_one_sided_narrowing_is_a_positive_and_its_twin_a_negative(monkeypatch, tmp_path):
    n = 40  # 4 s: 1.5 s rest, then both eyes narrow to 0.8 (a smile); in the warped replay the left to 0.5
    smile = [{"right": 1.0, "left": 1.0}] * 15 + [{"right": 0.8, "left": 0.8}] * (n - 15)
    warped = [{"right": 1.0, "left": 1.0}] * 15 + [{"right": 0.8, "left": 0.5}] * (n - 15)
    movement = Movement("narrow_eye", "left", 2.0, 3.8, 0.4, ramp=0.2)
    case = Case("c-left", "clip.mp4", "gentle-smile", "left", False, None, 0.0, (movement,), twin="c-control-left")
    twin = Case("c-control-left", "clip.mp4", "gentle-smile", "left", True, None, 0.0)
    replays = {"c-left": replay(warped), "c-control-left": replay(smile)}
    monkeypatch.setattr(eye_signals, "replay_key", lambda c, media: c.name)
    monkeypatch.setattr(eye_signals, "load_replay", lambda key: replays[key])
    dev = deviations(replays["c-left"], FPS)
    assert asymmetry(dev["lid_over_iris"], "left")[30] == pytest.approx(0.3)  # -0.2 - (-0.5)
    assert asymmetry(dev["eyeBlink"], "left")[30] == pytest.approx(0.3)
    samples, skipped = collect([case, twin], tmp_path, {"clip.mp4": FPS})
    assert skipped == 0 and samples.kinds == ["natural"] and samples.grades == ["moderate"]
    assert samples.positives["eye_aperture"] == [pytest.approx(0.3)]
    assert samples.negatives["eye_aperture"] == [pytest.approx(0.0), pytest.approx(0.0)]  # both sides
    rows = {r["signal"]: r for r in compare(samples)}
    assert rows["lid_over_iris"]["auc"] == 1.0 and rows["lid_over_iris"]["n_moderate"] == 1


def test_the_auc_gain_over_eye_aperture_comes_with_a_bootstrap_interval():
    from lab.eye_signals import Samples, auc_difference

    rng = np.random.default_rng(1)
    samples = Samples(positives={"eye_aperture": list(rng.normal(1.0, 1.0, 40)), "better": list(rng.normal(3.0, 1.0, 40))},
                      negatives={"eye_aperture": list(rng.normal(0.0, 1.0, 80)), "better": list(rng.normal(0.0, 1.0, 80))})
    gain, low, high = auc_difference(samples, "better", rounds=200)
    assert gain > 0.1 and 0 < low < gain < high
    same, low, high = auc_difference(samples, "eye_aperture", rounds=50)
    assert same == 0.0 and low == high == 0.0
