"""The mouth-signal comparison (docs/evaluation.md, "Which mouth signal registers one corner's pull") on hand-made
replays: a corner pulled outwards is a positive for the signals that see its side and not for those that do not,
its untouched twin a negative on both sides."""

from __future__ import annotations

import numpy as np
import pytest

from lab import eye_signals, mouth_signals
from lab.eval_cases import KEPT_LANDMARKS, Case, Movement, Replay
from lab.mouth_signals import collect, compare, deviations, format_table
from rehabcoach.vision.landmarks import NOSE_BRIDGE, NOSE_TIP, SIDE_LANDMARKS
from rehabcoach.vision.types import FaceFrame, HeadPose

FPS = 10.0
SIZE = (200, 200)


def face_points(left_corner_out_px: float) -> np.ndarray:
    """Kept landmarks (normalised) of a frontal face 50 px between the eye centres (1 IOD = 50 px)."""
    points = np.full((478, 3), 0.5)
    right, left = SIDE_LANDMARKS["right"], SIDE_LANDMARKS["left"]
    points[right.eye_outer, :2], points[right.eye_inner, :2] = (60, 80), (90, 80)
    points[left.eye_inner, :2], points[left.eye_outer, :2] = (110, 80), (140, 80)
    points[NOSE_BRIDGE, :2], points[NOSE_TIP, :2] = (100, 80), (100, 120)
    points[right.mouth_corner, :2] = (75, 150)  # the patient's right is the image's left
    points[left.mouth_corner, :2] = (125 + left_corner_out_px, 150)
    points[:, 0] /= SIZE[0]
    points[:, 1] /= SIZE[1]
    points[:, 2] = 0.0
    return points[list(KEPT_LANDMARKS)].astype(np.float32)


def replay(pulled: list[bool]) -> Replay:
    """While ``pulled``, the left corner is 5 px (0.1 IOD) further out, and the lips' midline follows it as the face
    mesh draws it: the excursion grows 0.05 on the left and 0.03 on the right; the lift does not move."""
    frames = [FaceFrame(index=i, timestamp=i / FPS, face=True, pose=HeadPose(0.0, 0.0, 0.0),
                        measures={"mouth_corner_lift": {"left": 0.6, "right": 0.6},
                                  "mouth_corner_excursion": {"left": 0.5 + 0.05 * p, "right": 0.5 + 0.03 * p}},
                        blendshapes={"mouthSmileLeft": 0.1, "mouthSmileRight": 0.1})
              for i, p in enumerate(pulled)]
    return Replay(frames, np.array([face_points(5.0 if p else 0.0) for p in pulled]), SIZE)


def test_a_one_sided_pull_is_a_positive_for_the_signals_that_see_its_side(monkeypatch, tmp_path):
    n = 40  # 4 s: 1.5 s rest, the pull engaged from 2.0 to 3.8 s
    movement = Movement("pull_mouth_sideways", "left", 2.0, 3.8, 0.1, ramp=0.2)
    pulled = [movement.level(i / FPS) > 0 for i in range(n)]
    case = Case("c-left", "clip.mp4", "gentle-eye-closure", "left", False, None, 0.0, (movement,),
                twin="c-control-left")
    twin = Case("c-control-left", "clip.mp4", "gentle-eye-closure", "left", True, None, 0.0)
    replays = {"c-left": replay(pulled), "c-control-left": replay([False] * n)}
    monkeypatch.setattr(eye_signals, "replay_key", lambda c, media: c.name)
    monkeypatch.setattr(eye_signals, "load_replay", lambda key: replays[key])

    dev = deviations(replays["c-left"], FPS)
    assert dev["sideways_from_nose_tip"]["left"][30] == pytest.approx(0.1, abs=1e-6)
    assert dev["sideways_from_nose_bridge"]["right"][30] == pytest.approx(0.0, abs=1e-6)
    assert dev["larger_of_lift_and_excursion"]["left"][30] == pytest.approx(0.05)

    samples, skipped = collect([case, twin], tmp_path, {"clip.mp4": FPS})
    assert skipped == 0 and samples.kinds == ["natural"] and samples.labels == ["c-left"]
    assert samples.positives["sideways_from_nose_tip"] == [pytest.approx(0.1, abs=1e-6)]
    assert samples.positives["mouth_corner_excursion"] == [pytest.approx(0.02)]  # the midline took the rest
    assert samples.positives["mouth_corner_lift"] == [pytest.approx(0.0)]
    assert samples.negatives["sideways_from_nose_tip"] == [pytest.approx(0.0, abs=1e-6)] * 2  # both sides
    rows = {r["signal"]: r for r in compare(samples)}
    assert rows["sideways_from_nose_tip"]["auc"] == 1.0 and rows["sideways_from_nose_tip"]["auc_held"] is None
    assert rows["mouth_corner_lift"]["auc"] == 0.5  # ties: it cannot tell
    assert rows["mouthSmile"]["auc"] == 0.5
    table = format_table(compare(samples))
    assert table[0].startswith("| signal | AUC") and len(table) == 2 + len(rows)


def test_cases_without_cached_replays_are_counted_not_guessed(monkeypatch, tmp_path):
    movement = Movement("pull_mouth", "right", 2.0, 3.8, 0.08)
    case = Case("c-right", "clip.mp4", "gentle-eye-closure", "right", False, None, 0.0, (movement,),
                twin="c-control-right")
    twin = Case("c-control-right", "clip.mp4", "gentle-eye-closure", "right", True, None, 0.0)
    monkeypatch.setattr(eye_signals, "replay_key", lambda c, media: c.name)
    monkeypatch.setattr(eye_signals, "load_replay", lambda key: None)
    samples, skipped = collect([case, twin], tmp_path, {"clip.mp4": FPS})
    assert skipped == 1 and samples.kinds == [] and compare(samples) == []


def test_the_command_prints_the_table_writes_json_and_says_what_to_run_first(monkeypatch, tmp_path, capsys):
    import argparse
    import json

    from lab import evaluate_command
    from lab.mouth_signals import Samples
    from rehabcoach.errors import UserError

    samples = Samples(positives={"mouth_corner_lift": [0.04, 0.05]}, negatives={"mouth_corner_lift": [0.0, 0.01]},
                      kinds=["held", "natural"], labels=["a-left", "b-right"])
    monkeypatch.setattr(mouth_signals, "run", lambda media, clips, pull: (compare(samples), samples, 1))
    args = argparse.Namespace(mouth_pull="sideways", json=tmp_path / "mouth.json")
    assert evaluate_command.run_mouth_signals(args, tmp_path, []) == 0
    out = capsys.readouterr().out
    assert out.startswith("Mouth signals (sideways pulls)")
    assert "positives: 2 induced pulls; cases skipped (replay not cached): 1" in out
    assert "| mouth_corner_lift | 1.00 |" in out and "  mouth_corner_lift: pipeline measure" in out
    written = json.loads((tmp_path / "mouth.json").read_text())
    assert written["mouth_pull"] == "sideways" and written["cases"] == ["a-left", "b-right"]

    monkeypatch.setattr(mouth_signals, "run", lambda media, clips, pull: ([], Samples(), 4))
    with pytest.raises(UserError, match="--mouth-pull sideways --cases closure` first"):
        evaluate_command.run_mouth_signals(args, tmp_path, [])
