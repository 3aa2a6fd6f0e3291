"""Frame sources: a webcam, a video file or a folder of images, behind one small interface.

Every source yields :class:`Frame` objects (BGR, un-mirrored) with a timestamp in seconds.  Files are
read as fast as they are consumed; pacing to real time is the consumer's business (the window's
capture worker does it, the headless analysis does not want it).
"""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from rehabcoach.clock import Clock, SystemClock, moving_forward
from rehabcoach.errors import UserError
from rehabcoach.vision.native_output import native_stderr_silenced
from rehabcoach.vision.types import Frame

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}


class SourceLost(RuntimeError):
    """A camera stopped delivering frames (unplugged, taken by another program)."""


class FrameSource:
    """Base class: iterate for frames, use as a context manager to release the device or file."""

    name: str = ""
    fps: float = 30.0
    frame_count: int | None = None  # None: a camera (or a file that does not say its length)

    @property
    def recorded(self) -> bool:
        """A recording (its length known): it can leave frames unread while no face is needed, and it cannot
        be asked to move closer or turn on a light.  A camera is neither."""
        return self.frame_count is not None

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> "FrameSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class VideoFileSource(FrameSource):
    """A recording; timestamps come from the frame index and the file's frame rate."""

    def __init__(self, path: str | os.PathLike, *, loop: bool = False):
        self.path = Path(path)
        self.name = self.path.name
        self.loop = loop
        if not self.path.exists():
            raise UserError(f"video not found: {self.path}")
        if not self.path.is_file():
            raise UserError(f"not a video file: {self.path}")
        if not os.access(self.path, os.R_OK):
            raise UserError(f"video not readable (permission denied): {self.path}")
        with native_stderr_silenced():  # FFmpeg reports a corrupt file on stderr; we say it in words below
            self._capture = cv2.VideoCapture(str(self.path))
        if not self._capture.isOpened():
            raise UserError(f"cannot read video {self.path}: not a video file or an unsupported/corrupt format")
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1.0 <= fps <= 240.0 else 30.0
        count = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frame_count = count if count > 0 else None
        with native_stderr_silenced():
            ok, first = self._capture.read()
        if not ok or first is None:
            self._capture.release()
            raise UserError(f"cannot read video {self.path}: no frame could be decoded (corrupt or empty file)")
        self._pending: np.ndarray | None = first
        self.frame_size = (int(first.shape[1]), int(first.shape[0]))  # (width, height) as decoded
        self._start = 0  # frames passed over by skip(): the first frame read is this one

    def skip(self, count: int) -> int:
        """Pass over the next ``count`` frames without decoding them into pictures (before iterating);
        the frames read next keep their index and time in the file.  Returns how many were passed."""
        passed = 0
        if count > 0 and self._pending is not None:
            self._pending, passed = None, 1
        while passed < count and self._capture.grab():
            passed += 1
        if passed and self._pending is None:
            ok, image = self._capture.read()
            self._pending = image if ok and image is not None else None
        self._start += passed
        return passed

    def __iter__(self) -> Iterator[Frame]:
        if self._start and self._pending is None:
            return  # skipped past the end
        index = self._start
        local = self._start  # frame number in this pass
        timestamp: float | None = None
        while True:
            if self._pending is not None:
                image, self._pending = self._pending, None
            else:
                ok, image = self._capture.read()
                if not ok or image is None:
                    if not self.loop or local == 0:
                        return
                    local = 0
                    self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    continue
            # Looping starts the file's own time again: the next pass goes on one frame after the last one.
            timestamp = moving_forward(timestamp, local / self.fps, 1.0 / self.fps)
            yield Frame(index=index, timestamp=timestamp, image=image)
            index += 1
            local += 1

    def close(self) -> None:
        self._capture.release()


class ImageFolderSource(FrameSource):
    """A folder of still images (or one image), taken in name order, at a nominal frame rate."""

    def __init__(self, path: str | os.PathLike, *, fps: float = 10.0, loop: bool = False):
        path = Path(path)
        self.name = path.name
        self.fps = fps
        self.loop = loop
        if path.is_dir():
            self.files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.is_file():
            self.files = [path]
        else:
            raise UserError(f"image folder not found: {path}")
        if not self.files:
            raise UserError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in folder {path}")
        self.frame_count = len(self.files)

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        while True:
            for path in self.files:
                image = cv2.imread(str(path), cv2.IMREAD_COLOR)
                if image is None:
                    raise UserError(f"cannot read image {path}: not an image or corrupt")
                yield Frame(index=index, timestamp=index / self.fps, image=image)
                index += 1
            if not self.loop:
                return


class CameraSource(FrameSource):
    """A webcam by index; timestamps come from the injected clock."""

    def __init__(self, index: int, *, clock: Clock | None = None, width: int = 640, height: int = 480):
        self.index = index
        self.name = f"camera {index}"
        self.clock = clock or SystemClock()
        self._capture = cv2.VideoCapture(index)
        if not self._capture.isOpened():
            raise UserError(f"camera {index} cannot be opened: is it connected and not in use by another program?")
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 1.0 <= fps <= 240.0 else 30.0
        self.frame_count = None
        self._start = self.clock.now()

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        failures = 0
        while True:
            ok, image = self._capture.read()
            if not ok or image is None:
                failures += 1
                if failures >= 15:  # about half a second of nothing: the camera is gone
                    raise SourceLost(f"{self.name} stopped delivering images")
                continue
            failures = 0
            yield Frame(index=index, timestamp=self.clock.now() - self._start, image=image)
            index += 1

    def close(self) -> None:
        self._capture.release()


def open_source(spec: int | str | os.PathLike, *, loop: bool = False, clock: Clock | None = None) -> FrameSource:
    """Open a webcam (an int or a string of digits), a video file or a folder of images."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CameraSource(int(spec), clock=clock)
    path = Path(spec)
    if path.is_dir() or (path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()):
        return ImageFolderSource(path, loop=loop)
    return VideoFileSource(path, loop=loop)


READ_AHEAD_FRAMES = 8
_END = object()


def read_ahead(source: FrameSource, depth: int = READ_AHEAD_FRAMES) -> Iterator[Frame]:
    """The source's frames, decoded on a helper thread up to ``depth`` frames ahead.

    For recordings only (`analyze`, `evaluate`): decoding (OpenCV releases the GIL) then overlaps face
    tracking (MediaPipe releases it too), which is most of the cost of a 1080p clip on two cores.  Errors
    are raised where the frame would have been.  Stopping early (the consumer breaks off) ends the thread.
    """
    frames: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def produce() -> None:
        try:
            for frame in source:
                while not stop.is_set():
                    try:
                        frames.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            item: object = _END
        except BaseException as error:  # handed to the consumer, which raises it
            item = error
        while not stop.is_set():
            try:
                frames.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=produce, name=f"read-ahead {source.name}", daemon=True)
    thread.start()
    try:
        while True:
            item = frames.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
