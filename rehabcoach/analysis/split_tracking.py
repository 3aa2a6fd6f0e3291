"""A recording's face frames from two face trackers at once, one per part of the file.

`analyze` spends nearly all its time in the face tracker, and one tracker keeps about one core busy (its
two threads take turns on each frame).  On a 2-core laptop a second tracker, in its own process, on the
second part of the recording, nearly halves the wait.  The monitor still sees every face frame in order,
in this process, so the coaching logic is exactly the live app's; only the tracking of the first frames
of the second part can differ, and those are tracked twice:

- the second tracker starts ``WARM_UP_FRAMES`` before its part and its results for them are dropped, so
  by its first kept frame it follows the face from the frames before, as the single tracker would (a
  tracker finds the face afresh on its first frame, then follows it from frame to frame);
- the parts are unequal: the second one pays for starting a process and passing over the first part's
  frames (decoding without tracking), so it gets fewer frames (``split_point``).  It is started first
  (``second_tracker``), so that its start overlaps the loading of this process's model.

Short recordings, a recording whose length the file does not say, one core, or a second process that
fails in any way: the frames are tracked here, one after the other, as before.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Iterator

from rehabcoach.resources import find_model
from rehabcoach.vision.pipeline import FacePipeline
from rehabcoach.vision.sources import FrameSource, VideoFileSource, read_ahead
from rehabcoach.vision.types import FaceFrame

log = logging.getLogger(__name__)

# 1 s at 30 fps: the second tracker's lead-in, long enough for it to settle on the face (tracking
# converges within a few frames of the first detection), dropped from the results.
WARM_UP_FRAMES = 30
# Below this the second process's start (about 1.2 s: Python, MediaPipe, the model) is not worth it.
MIN_FRAMES_TO_SPLIT = 300
# For dividing the work, per frame: tracking it (the face tracker, on a frame shrunk to at most 640 px), decoding
# it into a picture, and passing over it without tracking it (decoding alone, ``VideoFileSource.skip``); and
# starting the second process (Python, the imports, loading the model).  Decoding grows with the picture: measured
# on the 2-core machine (session 25) at 0.5-0.8 ms a pass and 1.2-1.5 ms a read for 480-640 px
# frames, 1-2.3 and 2.8-3.6 ms at 1280x720, 5 and 10-11 ms at 1920x1080; starting took 1.1-1.3 s.  The second
# process is started before this one loads its own model (0.6-0.9 s, `second_tracker`), so it begins tracking
# about 0.6 s after this one: on d6 (1008 frames) a split at 550 ended both parts within 0.05-0.45 s of each other
# (session 26; at the 1.2 s start's 569 this part ended 0.3-0.7 s after the other).
TRACK_SECONDS = 0.014
READ_SECONDS_PER_MEGAPIXEL = 0.005
PASS_SECONDS_PER_MEGAPIXEL = 0.0025
START_SECONDS = 0.6
TYPICAL_MEGAPIXELS = 0.3  # when the frame size is not known


def default_trackers() -> int:
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def split_point(frames: int, warm_up: int | None = None, megapixels: float = TYPICAL_MEGAPIXELS) -> int:
    """The first frame of the second part: both parts then take about the same time.  This process
    tracks ``split`` frames; the other starts, passes over ``split - warm_up`` frames and tracks the
    ``frames - split + warm_up`` others.  ``megapixels``: the size of the decoded frames."""
    warm_up = WARM_UP_FRAMES if warm_up is None else warm_up
    track = TRACK_SECONDS + READ_SECONDS_PER_MEGAPIXEL * megapixels
    passing = PASS_SECONDS_PER_MEGAPIXEL * megapixels
    split = (START_SECONDS + track * (frames + warm_up) - passing * warm_up) / (2 * track - passing)
    return max(warm_up, min(frames - 1, round(split)))


def tracked(source: FrameSource, pipeline: FacePipeline) -> Iterator[FaceFrame]:
    """Each frame of ``source`` through ``pipeline`` in this process, decoded ahead on a helper thread (read_ahead)."""
    return (pipeline.process(frame) for frame in read_ahead(source))


def track_part(path: str, first: int, keep_from: int, model_path: str | None) -> list[FaceFrame]:
    """In the second process: the face frames of the recording from ``keep_from`` to its end, tracked
    from ``first`` on.  Module-level, so that it can be started in a fresh process."""
    source = VideoFileSource(path)
    with source, FacePipeline(model_path) as pipeline:
        source.skip(first)
        return [face for face in tracked(source, pipeline) if face.index >= keep_from]


@dataclass(frozen=True)
class SecondTracker:
    """The second tracker at work in its own process: it tracks the recording at ``path`` from ``split`` on."""

    path: Path
    split: int
    result: Future


@contextmanager
def second_tracker(source: FrameSource, model_path: str | os.PathLike | None = None, *,
                   trackers: int | None = None) -> Iterator[SecondTracker | None]:
    """Start the second tracker on the second part of ``source`` when it pays (else None), before this
    process loads its own model: the second process's start (Python, the imports, its model) then overlaps
    this process's loading.  Leaving the block waits for the second process to end."""
    trackers = default_trackers() if trackers is None else trackers
    count = source.frame_count
    if trackers < 2 or not isinstance(source, VideoFileSource) or count is None or count < MIN_FRAMES_TO_SPLIT:
        yield None
        return
    width, height = source.frame_size
    split = split_point(count, megapixels=width * height / 1e6)
    model = str(find_model(model_path))  # a missing model is said here, as this process would say it
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        yield SecondTracker(source.path, split, pool.submit(track_part, str(source.path), split - WARM_UP_FRAMES, split, model))


@contextmanager
def face_tracking(source: FrameSource, model_path: str | os.PathLike | None = None, *,
                  trackers: int | None = None) -> Iterator[tuple[FacePipeline, Iterator[FaceFrame]]]:
    """This process's face pipeline and every frame of ``source`` through the trackers, as ``analyze`` takes
    them (``pipeline=``, ``faces=``).  The second tracker, when it pays, is started before this process
    loads its own model, so that the two starts overlap."""
    with second_tracker(source, model_path, trackers=trackers) as second, FacePipeline(model_path) as pipeline:
        yield pipeline, face_frames(source, pipeline, second)


def face_frames(source: FrameSource, pipeline: FacePipeline, second: SecondTracker | None) -> Iterator[FaceFrame]:
    """Every frame of ``source`` through the face pipeline, in order: the first part here and the rest
    from ``second`` when there is one (``second_tracker``)."""
    if second is None:
        yield from tracked(source, pipeline)
        return
    last = -1
    for frame in read_ahead(source):
        if frame.index >= second.split:
            break
        last = frame.index
        yield pipeline.process(frame)
    else:
        return  # the file ended before the split (its frame count was too high): all tracked here
    try:
        rest = second.result.result()
    except Exception as exc:  # noqa: BLE001 - any failure of the second process: track the rest here
        log.warning("the second face tracker could not be used (%s); the rest of the recording is "
                    "tracked here", exc)
        rest = None
    if rest and rest[0].index == last + 1:
        yield from rest
        return
    # The second part could not be used: go on from the first frame not yet tracked, in this process.
    again = VideoFileSource(second.path)
    with again:
        again.skip(last + 1)
        yield from tracked(again, pipeline)
