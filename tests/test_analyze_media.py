"""The engine on real recordings from ../shared/media (skipped when the folder is absent).

Each clip goes through the real FaceLandmarker once; the resulting frames are then replayed through
``analyze`` for every exercise, which runs the same calibration and guards as a live session.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest
from shared_media import recording

from rehabcoach.analysis.analyze import analyze
from rehabcoach.coaching.types import ResolvedGuard
from rehabcoach.routines.loader import load_library
from rehabcoach.routines.resolve import resolve_exercise
from rehabcoach.vision.pipeline import FacePipeline
from rehabcoach.vision.sources import open_source
from rehabcoach.vision.types import Frame

pytestmark = pytest.mark.media


class Replay:
    """A frame source and pipeline pair that serves frames the real pipeline already measured."""

    def __init__(self, name: str, fps: float, face_frames):
        self.name, self.fps, self.frames = name, fps, face_frames
        self.frame_count = len(face_frames)

    def __iter__(self):
        for face_frame in self.frames:
            yield Frame(face_frame.index, face_frame.timestamp, image=None)

    def process(self, frame):
        return self.frames[frame.index]

    def close(self):
        pass


_measured: dict[str, Replay] = {}


def measured(name: str) -> Replay:
    if name not in _measured:
        path = recording(name)
        with open_source(path) as source, FacePipeline() as pipeline:
            frames = [replace(pipeline.process(frame), landmarks=None) for frame in source]
            _measured[name] = Replay(name, source.fps, frames)
    return _measured[name]


def run(replay: Replay, exercise, affected=None, **options):
    return analyze(replay, exercise, affected, pipeline=replay, **options)


@pytest.fixture(scope="module")
def movement_exercises():
    library = load_library()
    exercises = [resolve_exercise(e) for e in library.exercises.values() if e.category == "movement"]
    assert len(exercises) >= 10
    return exercises


@pytest.mark.parametrize("clip", ["openwillis__baseline.mp4", "openwillis__not_expressive.mp4"])
def test_a_resting_face_raises_no_event_for_any_movement_exercise(clip, movement_exercises):
    replay = measured(clip)
    for exercise in movement_exercises:
        for affected in (None, "left", "right"):
            result = run(replay, exercise, affected)
            assert result.face_frames == result.frames
            assert result.events == [], (exercise.id, affected, result.events)


def test_winks_are_reported_on_the_winking_side():
    """liveportrait d3: a left wink (0.2-0.75 s), then a right wink (1.1-1.55 s), then both eyes.

    The clip starts winking 0.2 s in, before any calibration could finish, so its first (neutral)
    frame is held still for 2 s as a calibration lead-in.  The guard watches for a wink-sized closure
    (40 % of the resting opening, held 0.3 s); the winks themselves are the real recording.
    """
    replay = measured("liveportrait__driving_d3.mp4")
    lead = 2.0
    still = [replace(replay.frames[0], index=i, timestamp=i / replay.fps) for i in range(int(lead * replay.fps))]
    clip = [replace(f, index=len(still) + i, timestamp=lead + f.timestamp) for i, f in enumerate(replay.frames)]
    shifted = Replay("d3 with lead-in", replay.fps, still + clip)
    wink = SimpleNamespace(id="wink", target=None, guards=(
        ResolvedGuard("eye", "eye_aperture", ("left", "right"), "decrease", threshold=0.4, min_duration=0.3),))
    events = run(shifted, wink, calibration_seconds=lead).events
    starts = [(e.side, round(e.start_s - lead, 2)) for e in events]

    def started_within(side, begin, end):
        return [s for s, t in starts if s == side and begin <= t <= end]

    assert started_within("left", 0.1, 0.8), starts
    assert not started_within("right", 0.1, 0.8), starts
    assert started_within("right", 1.0, 1.6), starts
    assert not started_within("left", 1.0, 1.6), starts


def test_face_leaving_the_picture_is_reported_as_face_loss(movement_exercises):
    smile = next(e for e in movement_exercises if e.id == "gentle-smile")
    result = run(measured("pyfeat__face_noface.mov"), smile)
    assert 0 < result.face_frames < result.frames
    assert len(result.face_lost) == 1
    start, end = result.face_lost[0]
    assert 2.0 < start < 4.0 and end == pytest.approx(result.rows[-1].time_s, abs=0.05)
    assert result.summary()["face_lost_seconds"] > 2.5
    assert result.events == []


def test_calibration_waits_for_a_face_that_appears_late(movement_exercises):
    smile = next(e for e in movement_exercises if e.id == "gentle-smile")
    result = run(measured("pyfeat__noface_face.mov"), smile)
    first_face = next(r.time_s for r in result.rows if r.face)
    assert first_face > 2.0  # the face appears after the default calibration window ...
    assert result.calibration["end_s"] > first_face  # ... so calibration went on until it had stable frames
    assert result.face_lost[0][0] == 0.0
    assert result.to_json()["summary"]["face_lost"][0]["start_s"] == 0.0
