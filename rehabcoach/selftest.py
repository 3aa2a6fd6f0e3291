"""``rehabcoach --self-test``: prove that an installation works, with no camera, display or recording.

It checks the face model against the tested release and loads the exercise library (which checks every
file and illustration).  Then it runs the real vision pipeline and coaching engine on a short scene it
draws itself (``rehabcoach.drawn_face``), because a bundle carries no recordings:

1. the face rests: calibration must finish;
2. the face smiles while the patient's LEFT eye narrows, as in oral-ocular synkinesis: the smile target
   must be reached on both sides, and an eye guard must warn about the left eye and never the right
   (which also proves the left/right convention end to end);
3. the face rests again.

Every movement exercise of the library runs its own guards and target meter on the same frames, so a
guard that cannot run fails here; their warnings are not judged, since each exercise guards other things.

Qt-free: the report is one line, for a terminal, a packaging script or a support request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rehabcoach.coaching.types import MovementEvent, ResolvedGuard, ResolvedTarget
from rehabcoach.drawn_face import REST, Expression, draw_face
from rehabcoach.resources import MODEL_SHA256, file_sha256, find_model, in_bundle, resource_path
from rehabcoach.vision.catalogue import MEASURES, SIDES, Side
from rehabcoach.vision.types import FaceFrame, Frame

FPS = 30.0
NOISE_SIGMA = 2.0  # grey levels: a webcam never delivers two identical frames
# The scene, in frames at 30 fps: rest (calibration needs 24 still frames), ease into the movement,
# hold it for a second (guards need 0.5 s before they warn), ease out, rest.
REST_FRAMES, EASE_FRAMES, HOLD_FRAMES, AFTER_FRAMES = 36, 6, 30, 12
MOVEMENT = Expression(left_eye=0.35, smile=1.0)
# The self-test's own guard and target, like the gentle-smile exercise's.  On the drawn scene the
# narrowed left eye measures about -0.39 and the open right eye, pulled along by the model's bias
# towards symmetry, about -0.21: a threshold of 0.30 sits clear of both.
EYE_GUARD = ResolvedGuard("eye", "eye_aperture", SIDES, "decrease", threshold=0.30, min_duration=0.5)
SMILE_TARGET = ResolvedTarget("mouth", "mouth_corner_lift", SIDES, "increase", achieved=0.05)
MIN_FACE_SHARE = 0.9  # the model must find the drawn face in nearly every frame
TARGET_REACHED = 0.99


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
    calibration_frames: int
    smile_reached: dict[Side, float]  # best fraction of the smile target per side
    warned_sides: tuple[str, ...]  # sides the eye guard warned about
    load_seconds: float  # creating the face model
    seconds: float  # pipeline and engine on all frames

    def line(self) -> str:
        where = "bundle" if self.model_in_bundle and self.library_in_bundle else "source/pip install"
        per_frame = 1000 * self.seconds / max(self.frames, 1)
        return (
            f"self-test OK: model {self.model.name} (sha256 ok, loaded in {self.load_seconds:.1f} s), "
            f"library {self.exercises} exercises / {self.routines} routines ({self.guarded_exercises} with guards), "
            f"drawn face found in {self.face_frames}/{self.frames} frames, "
            f"calibrated in {self.calibration_frames} frames, "
            f"smile reached {self.smile_reached['left']:.0%} left / {self.smile_reached['right']:.0%} right, "
            f"narrowing eye warned on the {'/'.join(self.warned_sides)} side only, "
            f"engine ran {self.frames} frames in {self.seconds:.1f} s ({per_frame:.0f} ms/frame), from {where}"
        )


def scene() -> list[Expression]:
    """The expression of every frame of the self-test scene."""
    ease_in = [REST.blend(MOVEMENT, (k + 1) / EASE_FRAMES) for k in range(EASE_FRAMES)]
    ease_out = [MOVEMENT.blend(REST, (k + 1) / EASE_FRAMES) for k in range(EASE_FRAMES)]
    return [REST] * REST_FRAMES + ease_in + [MOVEMENT] * HOLD_FRAMES + ease_out + [REST] * AFTER_FRAMES


def scene_frames(draw: Callable[[Expression], np.ndarray] = draw_face, *, seed: int = 0) -> Iterator[Frame]:
    """The scene as camera frames: each expression drawn once, with fixed-seed sensor noise per frame."""
    rng = np.random.default_rng(seed)
    drawn: dict[Expression, np.ndarray] = {}
    for index, expression in enumerate(scene()):
        if expression not in drawn:
            drawn[expression] = draw(expression).astype(np.int16)
        noise = rng.normal(0.0, NOISE_SIGMA, drawn[expression].shape).round().astype(np.int16)
        image = np.clip(drawn[expression] + noise, 0, 255).astype(np.uint8)
        yield Frame(index=index, timestamp=index / FPS, image=image)


def check_model(model_path: str | Path | None) -> Path:
    model = find_model(model_path)
    digest = file_sha256(model)
    if digest != MODEL_SHA256:
        raise SelfTestFailure(
            f"face model {model} has sha256 {digest[:12]}..., not the tested {MODEL_SHA256[:12]}... "
            "(a different or damaged model file)"
        )
    return model


def check_measures(face_frame: FaceFrame) -> None:
    """Every per-side measure must be present and finite for both sides when a face is found."""
    for name in MEASURES:
        for side in SIDES:
            value = face_frame.value(name, side)
            if value is None or not math.isfinite(value):
                raise SelfTestFailure(f"frame {face_frame.index}: measure {name} ({side}) is {value!r}")


def run_self_test(
    *,
    model_path: str | Path | None = None,
    library_root: str | Path | None = None,
    draw: Callable[[Expression], np.ndarray] = draw_face,
) -> SelfTestResult:
    """Run every check; raise SelfTestFailure (or UserError for a missing model/library) on failure."""
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

    calibrator = Calibrator()
    eye_guard: GuardMonitor | None = None
    smile_meter: TargetMeter | None = None
    library_monitors: list[GuardMonitor] = []
    library_meters: list[TargetMeter] = []
    warned: set[str] = set()
    face_frames = frames = 0
    calibration_frames: int | None = None

    load_started = time.perf_counter()
    with FacePipeline(model) as pipeline:
        load_seconds = time.perf_counter() - load_started
        seconds = 0.0  # pipeline and engine only: drawing the scene is not the engine's cost
        for frame in scene_frames(draw):
            tick = time.perf_counter()
            frames += 1
            face_frame = pipeline.process(frame)
            if face_frame.face:
                face_frames += 1
                check_measures(face_frame)
            if eye_guard is None or smile_meter is None:  # still calibrating
                baseline = calibrator.baseline if calibrator.feed(face_frame).done else None
                if baseline is not None:
                    calibration_frames = frame.index + 1
                    eye_guard = GuardMonitor([EYE_GUARD], baseline)
                    smile_meter = TargetMeter(SMILE_TARGET, baseline)
                    library_monitors = [GuardMonitor(ex.guards, baseline) for ex in guarded]
                    library_meters = [TargetMeter(ex.target, baseline) for ex in guarded if ex.target]
            else:
                warned.update(warning.side for warning in eye_guard.update(face_frame))
                smile_meter.update(face_frame)
                for monitor in library_monitors:
                    monitor.update(face_frame)
                for meter in library_meters:
                    meter.update(face_frame)
            seconds += time.perf_counter() - tick
        end = frames / FPS
        events: list[MovementEvent] = eye_guard.finish(end) if eye_guard else []
        for monitor in library_monitors:
            monitor.finish(end)

    if face_frames < MIN_FACE_SHARE * frames:
        raise SelfTestFailure(f"the face model found the drawn face in only {face_frames} of {frames} frames")
    if calibration_frames is None or smile_meter is None or calibration_frames > REST_FRAMES:
        raise SelfTestFailure(
            f"calibration did not finish during the {REST_FRAMES} resting frames "
            f"({calibrator.accepted_frames} accepted)"
        )
    reached = {side: smile_meter.best.get(side, 0.0) for side in SIDES}
    if min(reached.values()) < TARGET_REACHED:
        raise SelfTestFailure(
            f"the smile reached only {reached['left']:.0%} (left) / {reached['right']:.0%} (right) of its target"
        )
    event_sides = {event.side for event in events}
    if warned != {"left"} or event_sides != {"left"}:
        raise SelfTestFailure(
            "a narrowing left eye should warn about the left eye only, but warnings came for "
            f"{sorted(warned) or 'no side'} and movements were recorded for {sorted(event_sides) or 'no side'}"
        )

    return SelfTestResult(
        model=model,
        model_in_bundle=in_bundle(model),
        library_in_bundle=in_bundle(library_folder),
        exercises=len(library.exercises),
        routines=len(library.routines),
        guarded_exercises=len(guarded),
        frames=frames,
        face_frames=face_frames,
        calibration_frames=calibration_frames,
        smile_reached=reached,
        warned_sides=tuple(sorted(warned)),
        load_seconds=load_seconds,
        seconds=seconds,
    )
