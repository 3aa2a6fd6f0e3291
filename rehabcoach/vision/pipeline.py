"""Frame -> FaceFrame: landmarks, head pose, per-side measures, quality hints. No Qt, no coaching."""

from __future__ import annotations

import os

import cv2
import numpy as np

from rehabcoach.vision.landmarker import FaceLandmarker, LandmarkerResult
from rehabcoach.vision.measures import compute_measures, face_coordinates, head_pose, rotation_from_matrix
from rehabcoach.vision.types import FaceFrame, FaceQuality, Frame

# Larger frames are scaled down before inference: the face mesh runs on a 256 px crop anyway, and
# converting a 1080p frame costs more than the model.  640 px keeps the face detector's range intact.
MAX_INFERENCE_WIDTH = 640


class FacePipeline:
    def __init__(self, model_path: str | os.PathLike | None = None, *, max_width: int = MAX_INFERENCE_WIDTH):
        # OpenCV's own worker threads spin while they wait for work; on a 2-core laptop that spinning took
        # ~9 % of a core from the face model, which already keeps the other core busy.  The images OpenCV
        # handles here (a frame to scale, recolour and mirror) are small: one thread does them in well
        # under a millisecond.  (A process-wide setting: every OpenCV call in the app runs on the caller.)
        cv2.setNumThreads(1)
        self.landmarker = FaceLandmarker(model_path)
        self.max_width = max_width

    def prepare(self, image: np.ndarray) -> np.ndarray:
        """BGR frame -> RGB image at inference size."""
        height, width = image.shape[:2]
        if width > self.max_width:
            scale = self.max_width / width
            image = cv2.resize(image, (self.max_width, max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def process(self, frame: Frame) -> FaceFrame:
        rgb = self.prepare(frame.image)
        result = self.landmarker.detect(rgb, frame.timestamp)
        return build_face_frame(frame, rgb, result)

    def close(self) -> None:
        self.landmarker.close()

    def __enter__(self) -> "FacePipeline":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def build_face_frame(frame: Frame, rgb: np.ndarray, result: LandmarkerResult) -> FaceFrame:
    height, width = rgb.shape[:2]
    size = (frame.image.shape[1], frame.image.shape[0])
    if result.landmarks is None:
        return FaceFrame(index=frame.index, timestamp=frame.timestamp, face=False, image_size=size)
    rotation = rotation_from_matrix(result.matrix) if result.matrix is not None else None
    try:
        face = face_coordinates(result.landmarks, width, height, rotation)
    except ValueError:
        return FaceFrame(index=frame.index, timestamp=frame.timestamp, face=False, image_size=size)
    return FaceFrame(
        index=frame.index,
        timestamp=frame.timestamp,
        face=True,
        measures=compute_measures(face),
        blendshapes=result.blendshapes,
        pose=head_pose(rotation) if rotation is not None else None,
        quality=face_quality(result.landmarks, rgb),
        landmarks=result.landmarks,
        image_size=size,
    )


def face_quality(landmarks: np.ndarray, rgb: np.ndarray) -> FaceQuality:
    height, width = rgb.shape[:2]
    xs, ys = landmarks[:, 0], landmarks[:, 1]
    x0, x1 = float(np.clip(xs.min(), 0, 1)), float(np.clip(xs.max(), 0, 1))
    y0, y1 = float(np.clip(ys.min(), 0, 1)), float(np.clip(ys.max(), 0, 1))
    centre = np.array([(x0 + x1) / 2 - 0.5, (y0 + y1) / 2 - 0.5])
    box = rgb[int(y0 * height): max(int(y1 * height), int(y0 * height) + 1),
              int(x0 * width): max(int(x1 * width), int(x0 * width) + 1)]
    # Every 8th row and 4th column is plenty for a mean brightness and keeps this off the hot path's budget
    # (the rows skipped are never read: after the face model has run, memory reads are what this costs).
    brightness = float(box[::8, ::4].mean()) if box.size else 0.0
    return FaceQuality(face_width=x1 - x0, center_offset=float(np.linalg.norm(centre)), brightness=brightness)
