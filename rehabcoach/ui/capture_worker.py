"""Capture and face inference off the GUI thread.

The worker thread owns the FrameSource and the FacePipeline.  Each processed frame is left in a
one-slot mailbox and the GUI is notified; if the GUI has not taken the previous frame yet, that one
is overwritten and counted as dropped, so a slow GUI never builds up a queue (it only ever sees the
newest frame).  The image crosses threads as a QImage that owns its pixels (never a view on the
numpy buffer, which the source reuses).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np
from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from rehabcoach.clock import moving_forward
from rehabcoach.errors import UserError
from rehabcoach.ui.camera_view import contour_paths
from rehabcoach.vision.sources import FrameSource, SourceLost
from rehabcoach.vision.types import FaceFrame, Frame

# Wider frames are shrunk in the worker so that the GUI thread only paints (a 1080p scale per frame
# would cost the GUI thread several milliseconds).
DISPLAY_MAX_WIDTH = 960


@dataclass(frozen=True)
class CapturedFrame:
    face: FaceFrame
    image: QImage  # mirrored for display, owns its pixels
    paths: dict  # (region, side) -> QPainterPath of the outline, in pixels of ``image``
    captured_at: float  # time.monotonic() when the frame was read from the source
    processed_at: float  # time.monotonic() when inference finished


def display_image(bgr: np.ndarray, fit: tuple[int, int] | None = None, max_width: int = DISPLAY_MAX_WIDTH) -> QImage:
    """A mirrored QImage ready to paint, that owns its pixels, from a BGR numpy image.

    ``fit``: the (width, height) of the widget that will show it; the image is scaled to fit there
    (keeping its proportions) so the GUI thread paints it 1:1.  OpenCV does the scaling and the
    mirroring (fast, and it releases the GIL); the result is 32-bit RGB, the format Qt's raster
    painter draws without converting.  The per-pixel steps (mirror, add the 4th byte) run on the
    smaller of the two images, and the last step writes straight into the QImage's own buffer: at
    30 frames a second every copy of a display-sized frame shows in the app's CPU use.
    """
    height, width = bgr.shape[:2]
    if fit is not None and fit[0] > 0 and fit[1] > 0:
        scale = min(fit[0] / width, fit[1] / height)
    else:
        scale = min(1.0, max_width / width)
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = QImage(target[0], target[1], QImage.Format.Format_RGB32)
    # A view on the QImage's pixels (32-bit rows, possibly padded): OpenCV writes the result there.
    pixels = np.frombuffer(image.bits(), np.uint8).reshape(target[1], image.bytesPerLine() // 4, 4)[:, : target[0]]
    if target == (width, height):
        cv2.cvtColor(cv2.flip(bgr, 1), cv2.COLOR_BGR2BGRA, dst=pixels)  # flip 1 = around the vertical axis
    elif scale < 1:  # shrink first, then mirror the smaller image
        cv2.cvtColor(cv2.flip(_shrink(bgr, target), 1), cv2.COLOR_BGR2BGRA, dst=pixels)
    else:  # enlarge and mirror in one bilinear pass (4 bytes a pixel scale faster than 3)
        cv2.warpAffine(cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA), _mirror_and_scale(width, scale), target, dst=pixels,
                       flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
    return image


def _mirror_and_scale(width: int, scale: float) -> np.ndarray:
    """The affine map from a display pixel to the source pixel it shows, mirrored: the same pixel centres as
    ``cv2.resize`` then ``cv2.flip`` (to rounding), in one pass that costs a third of the two (0.18 against
    0.6 ms for 512x512 to 600x600)."""
    offset = 0.5 / scale - 0.5
    return np.array([[-1 / scale, 0.0, width - 1 - offset], [0.0, 1 / scale, offset]])


def _shrink(bgr: np.ndarray, target: tuple[int, int]) -> np.ndarray:
    """``bgr`` scaled down to ``target`` (width, height), smoothly and cheaply.

    OpenCV's area averaging is fast only for a whole-number factor (1280x720 to 760x428 by area costs
    7 ms a frame, 640x360 to 612x344 1.3 ms; bilinear 0.2-0.8 ms): so a whole-number area step first when
    the picture shrinks by 2 or more (bilinear alone would alias there), then bilinear for the rest, which
    is less than 2x.  For the whole-number step the picture loses its last rows and columns up to a
    multiple of the factor (at most factor - 1 pixels at the bottom and right: nothing anyone can see).
    """
    height, width = bgr.shape[:2]
    factor = int(min(width / target[0], height / target[1]))
    if factor >= 2:
        whole = bgr[: height - height % factor, : width - width % factor]
        bgr = cv2.resize(whole, (whole.shape[1] // factor, whole.shape[0] // factor), interpolation=cv2.INTER_AREA)
        if bgr.shape[1::-1] == target:
            return bgr
    return cv2.resize(bgr, target, interpolation=cv2.INTER_LINEAR)


def _default_source_factory(spec, loop: bool):
    from rehabcoach.vision.sources import open_source

    return open_source(spec, loop=loop)


def _default_pipeline_factory():
    from rehabcoach.vision.pipeline import FacePipeline

    return FacePipeline()


class CaptureThread(QThread):
    """Reads frames, runs the face pipeline, hands the newest result to the GUI.

    Signals are emitted from the worker thread and delivered queued to receivers on the GUI thread.
    """

    frame_ready = Signal()  # a new frame is waiting in the mailbox: call take_latest()
    opened = Signal(str, float)  # source name, frames per second
    source_lost = Signal(str)  # a camera stopped delivering frames
    source_ended = Signal()  # a recording reached its end (not looping)
    failed = Signal(str)  # could not open the source or the face model: a message for the patient

    def __init__(
        self,
        spec,
        *,
        loop: bool = False,
        pace_realtime: bool = True,
        lossless: bool = False,
        source_factory: Callable | None = None,
        pipeline_factory: Callable | None = None,
        parent=None,
    ):
        """``pace_realtime``: deliver a recording at its own frame rate (a camera paces itself).
        ``lossless``: wait for the GUI to take each frame instead of dropping (deterministic tests)."""
        super().__init__(parent)
        self.spec = spec
        self.loop = loop
        self.pace_realtime = pace_realtime and not isinstance(spec, int)
        self.lossless = lossless
        self._source_factory = source_factory or _default_source_factory
        self._pipeline_factory = pipeline_factory or _default_pipeline_factory
        self._lock = threading.Lock()
        self._taken = threading.Condition(self._lock)
        self._latest: CapturedFrame | None = None
        self._notified = False
        self._stop = threading.Event()
        self.frames_captured = 0
        self.frames_dropped = 0
        self.inference_seconds = 0.0
        # Set from the GUI thread: False while nothing needs faces (frames are read, not analysed).
        self.inference_enabled = True
        # Size of the widget showing the frames, set from the GUI thread (a tuple swap is atomic).
        self.display_size: tuple[int, int] | None = None

    # --- GUI side ---------------------------------------------------------------------------
    def take_latest(self) -> CapturedFrame | None:
        with self._lock:
            item, self._latest = self._latest, None
            self._notified = False
            self._taken.notify_all()
            return item

    def stop(self, wait_ms: int = 5000) -> None:
        self._stop.set()
        with self._lock:
            self._taken.notify_all()
        if self.isRunning():
            self.wait(wait_ms)

    # --- worker side ------------------------------------------------------------------------
    def run(self) -> None:  # noqa: D401 - QThread entry point
        try:
            source = self._source_factory(self.spec, self.loop)
        except UserError as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # an unexpected camera back-end error must not kill the app
            self.failed.emit(f"could not open {self.spec}: {exc}")
            return
        try:
            with source:
                try:
                    pipeline = self._pipeline_factory()
                except UserError as exc:
                    self.failed.emit(str(exc))
                    return
                with pipeline:
                    self.opened.emit(source.name or str(self.spec), float(source.fps or 0))
                    self._loop(source, pipeline)
        except Exception as exc:
            if isinstance(exc, SourceLost):
                self.source_lost.emit(str(exc) or "the camera stopped sending pictures")
            elif isinstance(exc, UserError):
                self.failed.emit(str(exc))
            else:
                raise

    def _loop(self, source: FrameSource, pipeline) -> None:
        wall_start: float | None = None
        first_ts = 0.0
        last_ts: float | None = None
        period = 1.0 / source.fps if source.fps else 1.0 / 30.0
        for frame in source:
            if self._stop.is_set():
                return
            ts = last_ts = moving_forward(last_ts, frame.timestamp, period)  # whatever source it was given
            if self.pace_realtime:
                if wall_start is None:
                    wall_start, first_ts = time.monotonic(), ts
                delay = wall_start + (ts - first_ts) - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
            captured_at = time.monotonic()
            if not self.inference_enabled:
                continue
            if ts != frame.timestamp:
                frame = Frame(frame.index, ts, frame.image)
            t0 = time.perf_counter()
            face = pipeline.process(frame)
            self.inference_seconds += time.perf_counter() - t0
            image = display_image(frame.image, self.display_size)
            paths = contour_paths(face.landmarks if face.face else None, image.width(), image.height())
            self._deliver(CapturedFrame(face, image, paths, captured_at, time.monotonic()))
        if not self._stop.is_set():
            self.source_ended.emit()

    def _deliver(self, item: CapturedFrame) -> None:
        with self._lock:
            if self.lossless:
                while self._latest is not None and not self._stop.is_set():
                    self._taken.wait(0.1)
            elif self._latest is not None:
                self.frames_dropped += 1
            self._latest = item
            self.frames_captured += 1
            notify = not self._notified
            self._notified = True
        if notify:
            self.frame_ready.emit()
