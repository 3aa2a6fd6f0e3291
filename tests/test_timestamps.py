"""Time only moves forward: the one rule (clock.moving_forward) and the looping video source that relies on it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from rehabcoach.clock import moving_forward
from rehabcoach.vision.sources import VideoFileSource


def test_a_timestamp_that_does_not_increase_becomes_one_step_after_the_previous():
    assert moving_forward(None, 0.0, 0.04) == 0.0  # the first frame keeps its time
    assert moving_forward(1.0, 1.01, 0.04) == 1.01  # increasing, even by less than a step: untouched
    assert moving_forward(1.0, 1.0, 0.04) == pytest.approx(1.04)
    assert moving_forward(1.0, 0.0, 0.04) == pytest.approx(1.04)  # a loop starting again
    assert moving_forward(1000, 1000, 1) == 1001  # the landmarker's whole milliseconds


def test_a_looping_video_goes_on_one_frame_after_its_last(tmp_path):
    path = tmp_path / "three.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, (64, 48))
    assert writer.isOpened()
    for i in range(3):
        writer.write(np.full((48, 64, 3), 80 + 20 * i, np.uint8))
    writer.release()
    source = VideoFileSource(path, loop=True)
    with source:
        stamps = [frame.timestamp for _, frame in zip(range(8), source)]
    assert stamps == pytest.approx([i / 25.0 for i in range(8)])
    with VideoFileSource(path) as once:
        assert [frame.timestamp for frame in once] == pytest.approx([0.0, 0.04, 0.08])
