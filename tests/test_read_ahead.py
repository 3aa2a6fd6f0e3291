"""read_ahead: recordings decoded on a helper thread, in order, errors where they happened, no thread left."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from rehabcoach.errors import UserError
from rehabcoach.vision.sources import FrameSource, read_ahead
from rehabcoach.vision.types import Frame


class Numbered(FrameSource):
    def __init__(self, count: int, fail_at: int | None = None):
        self.name = "numbered"
        self.count, self.fail_at = count, fail_at

    def __iter__(self):
        for i in range(self.count):
            if i == self.fail_at:
                raise UserError("cannot read image 7.png: not an image or corrupt")
            yield Frame(index=i, timestamp=i / 30, image=np.full((2, 2, 3), i % 256, dtype=np.uint8))


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("read-ahead")]


def test_frames_arrive_in_order_and_complete():
    assert [f.index for f in read_ahead(Numbered(100), depth=3)] == list(range(100))
    assert reader_threads() == []


def test_an_error_is_raised_where_the_frame_would_have_been():
    seen = []
    with pytest.raises(UserError, match="7.png"):
        for frame in read_ahead(Numbered(20, fail_at=7)):
            seen.append(frame.index)
    assert seen == list(range(7))
    assert reader_threads() == []


def test_stopping_early_ends_the_reader():
    frames = read_ahead(Numbered(10_000), depth=2)
    for frame in frames:
        if frame.index == 5:
            break
    frames.close()
    assert reader_threads() == []
