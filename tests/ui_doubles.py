"""Stand-ins shared by the window tests: a speech service that only records, and synthetic frames."""

from __future__ import annotations

import numpy as np

from rehabcoach.vision.sources import FrameSource
from rehabcoach.vision.types import Frame

FPS = 30.0


class RecordingSpeech:
    """Stands in for the speech service: remembers what the window asked it to say."""

    available = True
    status_message = ""
    busy = False

    def __init__(self):
        self.said: list[str] = []

    def say(self, text, *, interrupt=False):
        if text:
            self.said.append(text)

    def set_rate(self, wpm):
        pass

    def set_muted(self, muted):
        pass

    def close(self):
        pass


class Frames(FrameSource):
    """Grey frames at 30 fps, as many as asked for (the face comes from a scripted pipeline)."""

    fps, name = FPS, "synthetic"

    def __init__(self, count):
        self.count = count

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def __iter__(self):
        image = np.full((240, 320, 3), 90, np.uint8)
        for i in range(self.count):
            yield Frame(i, i / FPS, image)
