"""`rehabcoach --self-test` and the face it draws: it passes on a working install and fails, in one line,
on each thing it is meant to catch (wrong model, broken library, no face found, sides swapped)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from rehabcoach.cli.main import main
from rehabcoach.drawn_face import REST, Expression, draw_face
from rehabcoach.errors import ModelNotFoundError
from rehabcoach.resources import LIBRARY_ENV, MODEL_ENV, find_model
from rehabcoach.selftest import MOVEMENT, REST_FRAMES, SelfTestFailure, run_self_test, scene

SMILE_EXERCISE = """\
kind: exercise
id: test-smile
title: Test smile
category: movement
description: A small smile with calm eyes, for the self-test's own library.
illustration: assets/exercises/test-smile.svg
steps:
  - instruction: Smile gently with closed lips.
    cue: Smile gently.
    seconds: 5
movement:
  reps: 2
  hold_seconds: 2
  rest_seconds: 2
  target:
    region: mouth
    measure: mouth_corner_lift
    direction: increase
    achieved: 0.05
  guards:
    - region: eye
      measure: eye_aperture
      direction: decrease
      threshold: 0.25
"""
SMILE_ROUTINE = """\
kind: routine
id: test-routine
title: Test routine
description: One smile, for the self-test's own library.
items:
  - exercise: test-smile
"""


def _model_or_skip() -> None:
    try:
        find_model()
    except ModelNotFoundError as exc:
        pytest.skip(f"no face model installed ({exc})")


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A small library of one movement exercise and one routine (the app's own is tested elsewhere)."""
    root = tmp_path / "library"
    (root / "exercises" / "movement").mkdir(parents=True)
    (root / "exercises" / "routines").mkdir()
    (root / "assets" / "exercises").mkdir(parents=True)
    (root / "exercises" / "movement" / "test-smile.yaml").write_text(SMILE_EXERCISE)
    (root / "exercises" / "routines" / "test-routine.yaml").write_text(SMILE_ROUTINE)
    (root / "assets" / "exercises" / "test-smile.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    )
    return root


def _eye_white_pixels(image: np.ndarray, image_half: str) -> int:
    """Bright pixels (the whites of the eye) in the eye band of one half of the image."""
    height, width = image.shape[:2]
    band = image[height // 2 - 40: height // 2, :]
    half = band[:, width // 2:] if image_half == "right" else band[:, : width // 2]
    return int((half.min(axis=2) > 200).sum())


def test_drawn_face_puts_the_patients_left_eye_on_the_right_of_the_image():
    narrowed_left = draw_face(Expression(left_eye=0.2))
    narrowed_right = draw_face(Expression(right_eye=0.2))
    rest = draw_face(REST)
    # The patient's left eye faces the camera's right: narrowing it shrinks the eye on the image's right.
    assert _eye_white_pixels(narrowed_left, "right") < 0.5 * _eye_white_pixels(rest, "right")
    assert _eye_white_pixels(narrowed_left, "left") == _eye_white_pixels(rest, "left")
    assert _eye_white_pixels(narrowed_right, "left") < 0.5 * _eye_white_pixels(rest, "left")


def test_scene_rests_long_enough_to_calibrate_then_holds_the_movement():
    expressions = scene()
    assert expressions[:REST_FRAMES] == [REST] * REST_FRAMES
    held = [i for i, e in enumerate(expressions) if e == MOVEMENT]
    assert len(held) >= 15  # at 30 fps, longer than a guard's 0.5 s debounce
    assert expressions[-1] == REST


def test_self_test_flag_passes_on_a_working_install_with_one_line(library, monkeypatch, capsys):
    _model_or_skip()
    monkeypatch.setenv(LIBRARY_ENV, str(library))
    assert main(["--self-test"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("self-test OK: model face_landmarker.task (sha256 ok")
    assert "library 1 exercises / 1 routines (1 with guards)" in out
    assert "drawn face found in 90/90 frames" in out
    assert "warned on the left side only" in out
    assert out.rstrip().endswith("from source/pip install")


def test_self_test_fails_when_the_sides_come_out_swapped(library):
    _model_or_skip()
    # A mirrored camera image is what a pipeline that swapped sides would see.
    with pytest.raises(SelfTestFailure, match=r"left eye only, but warnings came for \['right'\]"):
        run_self_test(library_root=library, draw=lambda expression: cv2.flip(draw_face(expression), 1))


def test_self_test_fails_when_the_model_finds_no_face(library):
    _model_or_skip()
    wall = np.full((480, 640, 3), 120, np.uint8)
    with pytest.raises(SelfTestFailure, match="found the drawn face in only 0 of 90 frames"):
        run_self_test(library_root=library, draw=lambda expression: wall)


def test_self_test_fails_in_one_line_on_a_different_model_file(tmp_path, library, capsys):
    fake = tmp_path / "face_landmarker.task"
    fake.write_bytes(b"not a model")
    assert main(["self-test", "--model", str(fake), "--library", str(library)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"self-test FAILED: face model {fake} has sha256 ")
    assert "not the tested 64184e229b26" in lines[0]


def test_self_test_fails_on_a_missing_model_named_by_the_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "gone.task"))
    assert main(["--self-test"]) == 1
    assert capsys.readouterr().err.startswith(f"self-test FAILED: {MODEL_ENV} points to {tmp_path / 'gone.task'}")


def test_self_test_fails_on_a_library_with_a_broken_file(library, capsys):
    _model_or_skip()
    (library / "assets" / "exercises" / "test-smile.svg").unlink()
    assert main(["self-test", "--library", str(library)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("self-test FAILED: 1 mistake in the routine files")
    assert "test-smile.yaml" in err and "file not found" in err
