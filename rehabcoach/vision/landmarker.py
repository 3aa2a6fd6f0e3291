"""A thin wrapper around MediaPipe's FaceLandmarker task in VIDEO mode."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rehabcoach.clock import moving_forward
from rehabcoach.errors import ModelNotFoundError
from rehabcoach.resources import find_model
from rehabcoach.vision.native_output import native_stderr_silenced

# MediaPipe's C++ side prints INFO/WARNING chatter while it builds its graph and runs its first
# inferences ("Feedback manager requires a model ..."): those first calls run with native stderr silenced.
QUIET_FIRST_DETECTIONS = 2


@dataclass(frozen=True)
class LandmarkerResult:
    landmarks: np.ndarray | None  # (478, 3) normalised image coordinates, or None when no face
    blendshapes: dict[str, float]
    matrix: np.ndarray | None  # 4x4 face transformation matrix


class FaceLandmarker:
    """Owns one MediaPipe FaceLandmarker; close it explicitly (it raises if left to __del__ at exit)."""

    def __init__(self, model_path: str | os.PathLike | None = None, *, blendshapes: bool = True):
        from mediapipe.tasks.python import BaseOptions, vision  # heavy import, done on first use

        self.model_path: Path = find_model(model_path)
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=1,
            output_face_blendshapes=blendshapes,
            output_facial_transformation_matrixes=True,
        )
        try:
            with native_stderr_silenced():
                self._task = vision.FaceLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelNotFoundError(f"the face model {self.model_path} could not be loaded: {exc}") from exc
        self._last_ms: int | None = None
        self._detections = 0

    def detect(self, rgb: np.ndarray, timestamp_s: float) -> LandmarkerResult:
        """Detect one face in an RGB uint8 image; timestamps are forced to increase as VIDEO mode requires."""
        import mediapipe as mp

        ms = moving_forward(self._last_ms, int(round(timestamp_s * 1000)), 1)
        self._last_ms = ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._detections < QUIET_FIRST_DETECTIONS:
            self._detections += 1
            with native_stderr_silenced():
                result = self._task.detect_for_video(image, ms)
        else:
            result = self._task.detect_for_video(image, ms)
        if not result.face_landmarks:
            return LandmarkerResult(None, {}, None)
        points = np.array([(p.x, p.y, p.z) for p in result.face_landmarks[0]], dtype=np.float64)
        shapes = {c.category_name: float(c.score) for c in result.face_blendshapes[0]} if result.face_blendshapes else {}
        matrix = np.array(result.facial_transformation_matrixes[0]) if result.facial_transformation_matrixes else None
        return LandmarkerResult(points, shapes, matrix)

    def close(self) -> None:
        if self._task is not None:
            self._task.close()
            self._task = None

    def __enter__(self) -> "FaceLandmarker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
