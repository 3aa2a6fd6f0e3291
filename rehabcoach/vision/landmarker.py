"""A thin wrapper around MediaPipe's FaceLandmarker task in VIDEO mode."""

from __future__ import annotations

import ctypes
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

    def __init__(self, model_path: str | os.PathLike | None = None, *, blendshapes: bool = True, direct: bool = True):
        """``direct=False``: always through MediaPipe's own Python result objects (``DirectResults`` below), as any
        program using MediaPipe's API does; the benchmarks' bare landmarker."""
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
        self._direct = DirectResults.for_task(self._task) if direct else None

    def detect(self, rgb: np.ndarray, timestamp_s: float) -> LandmarkerResult:
        """Detect one face in an RGB uint8 image; timestamps are forced to increase as VIDEO mode requires."""
        import mediapipe as mp

        ms = moving_forward(self._last_ms, int(round(timestamp_s * 1000)), 1)
        self._last_ms = ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._detections < QUIET_FIRST_DETECTIONS:
            self._detections += 1
            with native_stderr_silenced():
                return self._detect(image, ms)
        return self._detect(image, ms)

    def _detect(self, image, ms: int) -> LandmarkerResult:
        if self._direct is not None:
            return self._direct.detect(image, ms)
        return _from_public_result(self._task.detect_for_video(image, ms))

    def close(self) -> None:
        if self._task is not None:
            self._task.close()
            self._task = None

    def __enter__(self) -> "FaceLandmarker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _from_public_result(result) -> LandmarkerResult:
    """MediaPipe's own Python result (478 landmark objects, 52 categories) as a LandmarkerResult."""
    if not result.face_landmarks:
        return LandmarkerResult(None, {}, None)
    points = np.array([(p.x, p.y, p.z) for p in result.face_landmarks[0]], dtype=np.float64)
    shapes = {c.category_name: float(c.score) for c in result.face_blendshapes[0]} if result.face_blendshapes else {}
    matrix = np.array(result.facial_transformation_matrixes[0]) if result.facial_transformation_matrixes else None
    return LandmarkerResult(points, shapes, matrix)


class DirectResults:
    """Reads the face task's C result straight into arrays, as ``detect_for_video`` does, minus its Python objects.

    MediaPipe's ``detect_for_video`` turns each result into 478 landmark and 52 category objects before
    anyone reads them: 0.5 ms a frame, a tenth of the face model's own time on a laptop and the biggest
    per-frame cost outside it.  This calls the same C functions (detect, then close the result) and copies
    the landmarks with one numpy view instead.  It leans on names inside mediapipe 0.10.33 (the pinned
    version): ``for_task`` returns None when they are not there, and the public call is used instead;
    tests/test_vision_landmarker.py checks that both give the same result.
    """

    def __init__(self, task, module, landmark_dtype: np.dtype):
        self._task = task
        self._module = module
        self._dtype = landmark_dtype  # where x, y, z sit in MediaPipe's landmark struct
        self._names: dict[int, str] = {}  # blendshape index -> name (the same 52 on every frame)

    @classmethod
    def for_task(cls, task) -> "DirectResults | None":
        try:
            from mediapipe.tasks.python.vision import face_landmarker as module

            if not (callable(task._lib.MpFaceLandmarkerDetectForVideo) and callable(task._lib.MpFaceLandmarkerCloseResult)
                    and task._handle is not None):
                return None
            faces = dict(module.FaceLandmarkerResultC._fields_)["face_landmarks"]._type_  # a face's landmark list
            landmark = dict(faces._fields_)["landmarks"]._type_  # one landmark: x, y, z, flags, a name pointer
            dtype = np.dtype({"names": ["x", "y", "z"], "formats": ["<f4"] * 3, "itemsize": ctypes.sizeof(landmark),
                              "offsets": [landmark.x.offset, landmark.y.offset, landmark.z.offset]})
        except (ImportError, AttributeError, KeyError):
            return None
        return cls(task, module, dtype)

    def detect(self, image, ms: int) -> LandmarkerResult:
        result = self._module.FaceLandmarkerResultC()
        self._task._lib.MpFaceLandmarkerDetectForVideo(self._task._handle, image._image_ptr, None, ms,
                                                       ctypes.byref(result))
        try:
            return self._read(result)
        finally:
            self._task._lib.MpFaceLandmarkerCloseResult(ctypes.byref(result))

    def _read(self, result) -> LandmarkerResult:
        if result.face_landmarks_count == 0:
            return LandmarkerResult(None, {}, None)
        face = result.face_landmarks[0]
        if face.landmarks_count == 0:
            return LandmarkerResult(None, {}, None)
        memory = (ctypes.c_char * (self._dtype.itemsize * face.landmarks_count)).from_address(
            ctypes.addressof(face.landmarks.contents))
        rows = np.frombuffer(memory, self._dtype)
        points = np.stack([rows["x"], rows["y"], rows["z"]], axis=1).astype(np.float64)  # a copy: the C side frees it
        shapes: dict[str, float] = {}
        if result.face_blendshapes_count:
            categories = result.face_blendshapes[0]
            for j in range(categories.categories_count):
                category = categories.categories[j]
                name = self._names.get(category.index)
                if name is None:
                    name = self._names[category.index] = (category.category_name or b"").decode()
                shapes[name] = float(category.score)
        matrix = None
        if result.facial_transformation_matrixes_count:
            matrix = result.facial_transformation_matrixes[0].to_numpy()  # a copy of its own
        return LandmarkerResult(points, shapes, matrix)
