"""analyze's two trackers (analysis/split_tracking.py): every frame once, in order, from the right tracker;
the split that balances them; the fallback when the second process fails; and VideoFileSource.skip."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from rehabcoach.analysis import split_tracking
from rehabcoach.analysis.split_tracking import face_frames, second_tracker, split_point
from rehabcoach.vision.sources import VideoFileSource

MEDIA = Path(__file__).resolve().parents[1] / ".." / "shared" / "media"
CLIP = "liveportrait__driving_d0.mp4"  # 78 frames


def write_numbered_video(path: Path, count: int) -> None:
    """A video whose frame i shows the grey level 5i (readable back after lossy coding)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 48))
    for i in range(count):
        writer.write(np.full((48, 64, 3), (5 * i) % 250, np.uint8))
    writer.release()


def test_skip_keeps_each_frames_index_time_and_picture(tmp_path):
    video = tmp_path / "numbered.avi"
    write_numbered_video(video, 40)
    with VideoFileSource(video) as source:
        assert source.skip(25) == 25
        frames = list(source)
    assert [f.index for f in frames] == list(range(25, 40))
    assert frames[0].timestamp == pytest.approx(25 / 30)
    assert [round(float(f.image.mean()) / 5) for f in frames] == list(range(25, 40))
    with VideoFileSource(video) as source:
        assert source.skip(100) == 40 and list(source) == []


@pytest.mark.parametrize("megapixels", [0.23, 0.92, 2.07])  # 480x480, 1280x720, 1920x1080
@pytest.mark.parametrize("frames", [300, 1000, 5000])
def test_the_split_gives_the_second_tracker_fewer_frames_to_pay_for_its_start(frames, megapixels):
    split = split_point(frames, megapixels=megapixels)
    track = split_tracking.TRACK_SECONDS + split_tracking.READ_SECONDS_PER_MEGAPIXEL * megapixels
    passing = split_tracking.PASS_SECONDS_PER_MEGAPIXEL * megapixels
    first = split * track
    second = (split_tracking.START_SECONDS + (split - split_tracking.WARM_UP_FRAMES) * passing
              + (frames - split + split_tracking.WARM_UP_FRAMES) * track)
    assert frames / 2 < split < frames
    assert abs(first - second) < 2 * track  # balanced to a frame or so


def test_larger_pictures_leave_the_second_tracker_fewer_frames():
    # Passing over a frame is decoding it, which costs more the larger the picture: the second tracker, which
    # passes over the whole first part, gets less of the tracking to do.
    splits = [split_point(1000, megapixels=mp) for mp in (0.23, 0.92, 2.07)]
    assert splits == sorted(splits) and splits[0] < splits[-1]


def test_the_split_follows_the_recordings_frame_size(tmp_path, monkeypatch):
    video = tmp_path / "numbered.avi"
    write_numbered_video(video, 40)
    asked: list[float] = []

    class Asked(Exception):
        """Stops face_frames once the split is asked for: no second process is needed to see the question."""

    def split_point(frames, warm_up=None, megapixels=0.0):
        asked.append(megapixels)
        raise Asked

    monkeypatch.setattr(split_tracking, "MIN_FRAMES_TO_SPLIT", 10)
    monkeypatch.setattr(split_tracking, "split_point", split_point)
    with VideoFileSource(video) as source:
        assert source.frame_size == (64, 48)
        with pytest.raises(Asked), second_tracker(source, "unused", trackers=2):
            pass
    assert asked == [pytest.approx(64 * 48 / 1e6)]


def test_no_second_tracker_when_it_does_not_pay(tmp_path, monkeypatch):
    video = tmp_path / "numbered.avi"
    write_numbered_video(video, 40)
    model = tmp_path / "model.task"
    model.write_bytes(b"never loaded")
    with VideoFileSource(video) as source:
        with second_tracker(source, model, trackers=2) as second:
            assert second is None  # 40 frames: below MIN_FRAMES_TO_SPLIT
        monkeypatch.setattr(split_tracking, "MIN_FRAMES_TO_SPLIT", 10)
        with second_tracker(source, model, trackers=1) as second:
            assert second is None  # one tracker asked for
        pipeline = FakePipeline(str(model))
        assert [f.index for f in face_frames(source, pipeline, None)] == list(range(40))


def test_a_missing_model_is_said_before_any_process_starts(tmp_path, monkeypatch):
    from rehabcoach.errors import ModelNotFoundError

    video = tmp_path / "numbered.avi"
    write_numbered_video(video, 40)
    monkeypatch.setattr(split_tracking, "MIN_FRAMES_TO_SPLIT", 10)
    monkeypatch.setattr(split_tracking, "ProcessPoolExecutor", None)  # starting a process would fail loudly
    with VideoFileSource(video) as source:
        with pytest.raises(ModelNotFoundError, match="no-such-model.task"):
            with second_tracker(source, tmp_path / "no-such-model.task", trackers=2):
                pass


def test_analyze_starts_the_second_tracker_before_loading_its_own_model(tmp_path, monkeypatch):
    # The second process's start (about a second) overlaps the loading of this process's model only if it
    # is started first.
    from concurrent.futures import Future

    from rehabcoach.cli.main import main

    video = tmp_path / "numbered.avi"
    write_numbered_video(video, 40)
    model = tmp_path / "model.task"
    model.write_bytes(b"never loaded")
    order: list[str] = []

    class Pool:
        def __init__(self, **_):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def submit(self, *_):
            order.append("second tracker started")
            return Future()

    class Loaded(Exception):
        pass

    def load_model(*_, **__):
        order.append("own model loading")
        raise Loaded

    monkeypatch.setattr(split_tracking, "MIN_FRAMES_TO_SPLIT", 10)
    monkeypatch.setattr(split_tracking, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(split_tracking, "FacePipeline", load_model)
    with pytest.raises(Loaded):
        main(["analyze", str(video), "--exercise", "gentle-smile", "--model", str(model), "--trackers", "2"])
    assert order == ["second tracker started", "own model loading"]


class FakePipeline:
    """Stands in for the face pipeline in this process: a face frame per frame, remembering what it saw."""

    def __init__(self, model_path):
        from types import SimpleNamespace

        self.landmarker = SimpleNamespace(model_path=model_path)
        self.seen: list[int] = []

    def process(self, frame):
        from rehabcoach.vision.types import FaceFrame

        self.seen.append(frame.index)
        return FaceFrame(index=frame.index, timestamp=frame.timestamp, face=False)


def test_a_failing_second_process_leaves_the_rest_to_this_one(tmp_path, monkeypatch, caplog):
    video = tmp_path / "numbered.avi"
    write_numbered_video(video, 60)
    monkeypatch.setattr(split_tracking, "MIN_FRAMES_TO_SPLIT", 10)
    monkeypatch.setattr(split_tracking, "WARM_UP_FRAMES", 5)
    # The second process loads the model from this file: it is not a model, so that process fails.
    model = tmp_path / "not-a-model.task"
    model.write_bytes(b"not a face model")
    pipeline = FakePipeline(str(model))
    with VideoFileSource(video) as source, second_tracker(source, model, trackers=2) as second:
        assert second is not None
        indices = [face.index for face in face_frames(source, pipeline, second)]
    assert indices == list(range(60))
    assert pipeline.seen == list(range(60))  # the first part, then the rest after the failure
    assert "second face tracker could not be used" in caplog.text


@pytest.mark.skipif(not (MEDIA / CLIP).is_file(), reason=f"recording {CLIP} not found in {MEDIA} (shared media absent)")
def test_two_trackers_give_every_frame_once_in_order_and_the_second_part_from_the_other_process(monkeypatch):
    from rehabcoach.vision.pipeline import FacePipeline

    monkeypatch.setattr(split_tracking, "MIN_FRAMES_TO_SPLIT", 10)
    monkeypatch.setattr(split_tracking, "WARM_UP_FRAMES", 10)
    monkeypatch.setattr(split_tracking, "START_SECONDS", 0.0)  # a 78-frame clip: an even split
    with (VideoFileSource(MEDIA / CLIP) as source, second_tracker(source, trackers=2) as second,
          FacePipeline() as pipeline):
        count = source.frame_count
        width, height = source.frame_size
        split = split_point(count, 10, megapixels=width * height / 1e6)
        seen: list[int] = []
        original = pipeline.process
        monkeypatch.setattr(pipeline, "process", lambda frame: seen.append(frame.index) or original(frame))
        faces = list(face_frames(source, pipeline, second))
    assert [f.index for f in faces] == list(range(count))
    assert seen == list(range(split))  # this process tracked the first part only
    assert all(f.face for f in faces[split:split + 20])  # the other tracker found the face at once
    with VideoFileSource(MEDIA / CLIP) as source, FacePipeline() as pipeline:
        alone = [pipeline.process(frame) for frame in source]
    # Far from the split both trackers agree; near it, only tracking noise may differ.
    gap = np.abs(np.array([f.measures["eye_aperture"]["left"] for f in faces[split + 10:]])
                 - np.array([f.measures["eye_aperture"]["left"] for f in alone[split + 10:]]))
    assert gap.max() < 0.02
