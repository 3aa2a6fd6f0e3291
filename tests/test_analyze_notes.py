"""The notes `analyze` adds to its summary: how long the head was turned away from its calibrated pose (those
frames are not judged), a recording that ended before calibration did (nothing was watched), and a resting face
that was small or dim in the picture (measured anyway)."""

from __future__ import annotations

from synthetic_faces import GOOD_QUALITY, face_frame

from rehabcoach.analysis.analyze import analyze
from rehabcoach.routines.loader import load_library, resolve_exercise
from rehabcoach.vision.sources import FrameSource
from rehabcoach.vision.types import FaceQuality, HeadPose

FPS = 30.0


class _NoPipeline:
    """analyze() is given the face frames, so its pipeline is never asked for one."""

    def process(self, frame):
        raise AssertionError("the face frames were given")

    def close(self) -> None:
        pass


def _frames(seconds: float, turned_from: float, turned_to: float, quality: FaceQuality = GOOD_QUALITY):
    for i in range(int(seconds * FPS)):
        t = i / FPS
        pose = HeadPose(25.0, 0.0, 0.0) if turned_from <= t < turned_to else HeadPose(0.0, 0.0, 0.0)
        yield face_frame(t, i, pose=pose, quality=quality)


def _summary(turned_from: float, turned_to: float, calibration_seconds: float = 1.5,
             quality: FaceQuality = GOOD_QUALITY) -> dict:
    source = FrameSource()
    source.name, source.fps, source.frame_count = "synthetic", FPS, int(6 * FPS)
    exercise = resolve_exercise(load_library().exercise("gentle-smile"))
    result = analyze(source, exercise, "left", calibration_seconds=calibration_seconds, pipeline=_NoPipeline(),
                     faces=_frames(6.0, turned_from, turned_to, quality))
    return result.to_json()["summary"]


def test_time_turned_away_is_counted_and_explained_when_it_is_a_large_share():
    summary = _summary(2.0, 4.0)
    assert abs(summary["turned_away_seconds"] - 2.0) <= 1.5 / FPS
    (note,) = summary["notes"]
    assert "15 degrees" in note and "calibrat" in note and "no warning could start" in note


def test_a_short_turn_is_counted_without_a_note_and_a_still_head_has_neither():
    short = _summary(3.0, 3.5)
    assert abs(short["turned_away_seconds"] - 0.5) <= 1.5 / FPS and short["notes"] == []
    still = _summary(10.0, 10.0)
    assert still["turned_away_seconds"] == 0 and still["notes"] == []


def test_a_recording_that_ends_before_calibration_does_says_nothing_was_watched():
    summary = _summary(10.0, 10.0, calibration_seconds=8.0)  # 6 s of recording
    (note,) = summary["notes"]
    assert "ended before calibration" in note and "8 s" in note and "no movement was watched" in note
    assert "--calibration-seconds" in note
    assert summary["events"] == 0
    assert _summary(10.0, 10.0, calibration_seconds=5.0)["notes"] == []  # calibrated, then 1 s watched


def test_a_small_or_dim_face_is_measured_and_the_report_says_so():
    # The live checks would ask the person to move closer or turn on a light; a recording is analysed as it is.
    small = _summary(10.0, 10.0, quality=FaceQuality(face_width=0.08, center_offset=0.0, brightness=120))
    (note,) = small["notes"]
    assert "small in the picture" in note and "measured where it was" in note
    dim = _summary(10.0, 10.0, quality=FaceQuality(face_width=0.4, center_offset=0.0, brightness=20))
    (note,) = dim["notes"]
    assert "dim" in note
    # Off centre costs no precision, so it is taken without a word.
    assert _summary(10.0, 10.0, quality=FaceQuality(face_width=0.4, center_offset=0.4, brightness=120))["notes"] == []
