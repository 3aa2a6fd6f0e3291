"""``rehabcoach --self-test``: prove that an installation works, with no camera, display or recording.

It checks the face model against the tested release, loads the exercise library (which checks every
file and illustration), then runs the real vision pipeline and coaching engine (calibration, every
movement exercise's guards and target meter) on frames it makes itself.  Those frames show a
public-domain portrait that matplotlib ships (see ``resources.resource_path("sample_face")``) with
a little sensor noise, so the model has a real face to find; a face held still must calibrate and
must raise no warning.  Where the portrait is missing the model still runs on face-free frames and
the report says what could not be exercised.

Qt-free: the report is one line, for a terminal, a packaging script or a support request.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from rehabcoach.errors import UserError
from rehabcoach.resources import MODEL_SHA256, file_sha256, find_model, in_bundle, resource_path
from rehabcoach.vision.catalogue import MEASURES, SIDES
from rehabcoach.vision.types import Frame

DEFAULT_FRAMES = 60
MIN_FRAMES = 30  # 24 to calibrate and a few for the guards
FRAME_SIZE = (640, 480)  # width, height: a common webcam size
FPS = 30.0
NOISE_SIGMA = 2.0  # grey levels: a webcam never delivers two identical frames
NOISE_FIELDS = 7  # prime, so the cycle of noise does not line up with anything the engine counts
# The model must find the portrait in nearly every frame; a miss or two would be odd but not broken.
MIN_FACE_SHARE = 0.9


class SelfTestFailure(Exception):
    """Something the self-test proves is broken; the message says what, in one line."""


@dataclass(frozen=True)
class SelfTestResult:
    model: Path
    model_in_bundle: bool
    library_in_bundle: bool
    exercises: int
    routines: int
    guarded_exercises: int
    frames: int
    face_frames: int
    had_sample_face: bool
    calibration_frames: int | None  # frames it took to calibrate; None when there was no face to calibrate on
    warnings: int
    load_seconds: float  # creating the face model
    seconds: float  # pipeline and engine on all frames

    def line(self) -> str:
        where = "bundle" if self.model_in_bundle and self.library_in_bundle else "source/pip install"
        per_frame = 1000 * self.seconds / max(self.frames, 1)
        if self.had_sample_face:
            face = (f"face found in {self.face_frames}/{self.frames} frames of a sample portrait, "
                    f"calibrated after {self.calibration_frames} frames, {self.warnings} warnings on a still face")
        else:
            face = (f"no sample portrait installed, so the model ran on {self.frames} face-free frames "
                    "and calibration and guards were not exercised")
        return (
            f"self-test OK: model {self.model.name} (sha256 ok, loaded in {self.load_seconds:.1f} s), "
            f"library {self.exercises} exercises / {self.routines} routines "
            f"({self.guarded_exercises} with guards), {face}, "
            f"engine ran {self.frames} frames in {self.seconds:.1f} s ({per_frame:.0f} ms/frame), from {where}"
        )


def portrait_frame(portrait: np.ndarray | None, size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """A webcam-sized BGR frame: the portrait scaled to the frame's height and centred on grey."""
    import cv2

    width, height = size
    canvas = np.full((height, width, 3), 110, np.uint8)
    if portrait is None:
        # Without a face: a smooth gradient, which no face detector mistakes for a face.
        canvas[:] = np.linspace(40, 200, width, dtype=np.uint8)[None, :, None]
        return canvas
    scale = min(height / portrait.shape[0], width / portrait.shape[1])
    scaled = cv2.resize(portrait, (round(portrait.shape[1] * scale), round(portrait.shape[0] * scale)),
                        interpolation=cv2.INTER_AREA)
    top, left = (height - scaled.shape[0]) // 2, (width - scaled.shape[1]) // 2
    canvas[top:top + scaled.shape[0], left:left + scaled.shape[1]] = scaled
    return canvas


def noisy_frames(still: np.ndarray, count: int, *, seed: int = 0) -> Iterator[Frame]:
    """``count`` frames of a still image with fixed-seed sensor noise, 30 frames a second."""
    rng = np.random.default_rng(seed)
    base = still.astype(np.int16)
    # A few noise fields, cycled: drawing a fresh one per frame would cost more than the model.
    fields = [rng.normal(0.0, NOISE_SIGMA, still.shape).round().astype(np.int16) for _ in range(NOISE_FIELDS)]
    for index in range(count):
        image = np.clip(base + fields[index % NOISE_FIELDS], 0, 255).astype(np.uint8)
        yield Frame(index=index, timestamp=index / FPS, image=image)


def load_sample_face() -> np.ndarray | None:
    import cv2

    try:
        path = resource_path("sample_face")
    except UserError:
        return None
    image = cv2.imread(str(path))
    if image is None:
        raise SelfTestFailure(f"the sample portrait {path} could not be read")
    return image


def check_model(model_path: str | Path | None) -> Path:
    model = find_model(model_path)
    digest = file_sha256(model)
    if digest != MODEL_SHA256:
        raise SelfTestFailure(
            f"face model {model} has sha256 {digest[:12]}..., not the tested {MODEL_SHA256[:12]}... "
            "(a different or damaged model file)"
        )
    return model


def check_measures(face_frame) -> None:
    """Every per-side measure must be present and finite for both sides when a face is found."""
    for name in MEASURES:
        for side in SIDES:
            value = face_frame.value(name, side)
            if value is None or not math.isfinite(value):
                raise SelfTestFailure(f"frame {face_frame.index}: measure {name} ({side}) is {value!r}")


def run_self_test(
    frames: int = DEFAULT_FRAMES,
    *,
    model_path: str | Path | None = None,
    library_root: str | Path | None = None,
    face_image: np.ndarray | None | str = "installed",
) -> SelfTestResult:
    """Run every check; raise SelfTestFailure (or UserError for a missing model/library) on failure.

    ``face_image`` is ``"installed"`` (the sample portrait, if present), an image, or None (no face).
    """
    if frames < MIN_FRAMES:
        raise UserError(f"--frames must be at least {MIN_FRAMES} (24 to calibrate, the rest for the guards)")
    from rehabcoach.coaching.calibration import Calibrator
    from rehabcoach.coaching.guards import GuardMonitor
    from rehabcoach.coaching.target import TargetMeter
    from rehabcoach.routines.loader import load_library, resolve_exercise, resolve_routine
    from rehabcoach.vision.pipeline import FacePipeline

    model = check_model(model_path)
    library_folder = Path(library_root) if library_root is not None else resource_path("library")
    library = load_library(library_folder)
    exercises = [resolve_exercise(exercise) for exercise in library.exercises.values()]
    for routine_id in library.routines:
        resolve_routine(library, routine_id)
    guarded = [exercise for exercise in exercises if exercise.guards]

    portrait = load_sample_face() if isinstance(face_image, str) else face_image
    still = portrait_frame(portrait)

    calibrator = Calibrator()
    monitors: list[GuardMonitor] = []
    meters: list[TargetMeter] = []
    face_frames = warnings = 0
    calibration_frames: int | None = None
    load_started = time.perf_counter()
    with FacePipeline(model) as pipeline:
        load_seconds = time.perf_counter() - load_started
        seconds = 0.0  # pipeline and engine only: making the test frames is not the engine's cost
        for frame in noisy_frames(still, frames):
            tick = time.perf_counter()
            face_frame = pipeline.process(frame)
            if face_frame.face:
                face_frames += 1
                check_measures(face_frame)
            if calibrator.baseline is None:
                if calibrator.feed(face_frame).done:
                    calibration_frames = frame.index + 1
                    monitors = [GuardMonitor(ex.guards, calibrator.baseline) for ex in guarded]
                    meters = [TargetMeter(ex.target, calibrator.baseline) for ex in guarded if ex.target]
            else:
                for monitor in monitors:
                    warnings += len(monitor.update(face_frame))
                for meter in meters:
                    meter.update(face_frame)
            seconds += time.perf_counter() - tick
        finished = [event for monitor in monitors for event in monitor.finish(frames / FPS)]

    if portrait is not None:
        if face_frames < MIN_FACE_SHARE * frames:
            raise SelfTestFailure(f"the face model found the sample portrait in only {face_frames} of {frames} frames")
        if calibrator.baseline is None:
            raise SelfTestFailure(
                f"calibration did not finish in {frames} frames of a still face "
                f"({calibrator.accepted_frames} accepted)"
            )
        if warnings or finished:
            first = finished[0] if finished else None
            detail = f" ({first.region} {first.side}, {first.measure})" if first else ""
            raise SelfTestFailure(f"{warnings} warnings and {len(finished)} movements on a still face{detail}")
    elif face_frames:
        raise SelfTestFailure(f"the face model saw a face in {face_frames} frames that hold none")

    return SelfTestResult(
        model=model,
        model_in_bundle=in_bundle(model),
        library_in_bundle=in_bundle(library_folder),
        exercises=len(library.exercises),
        routines=len(library.routines),
        guarded_exercises=len(guarded),
        frames=frames,
        face_frames=face_frames,
        had_sample_face=portrait is not None,
        calibration_frames=calibration_frames,
        warnings=warnings,
        load_seconds=load_seconds,
        seconds=seconds,
    )
