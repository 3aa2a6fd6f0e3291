"""The capture thread: newest-frame mailbox (drops, never queues), images that own their pixels
and are mirrored, real-time pacing of recordings, increasing timestamps when a recording loops,
and clear signals when a source fails or is lost.  Synthetic frames: no camera, no model."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

pytest.importorskip("pytestqt")

from rehabcoach.errors import UserError  # noqa: E402
from rehabcoach.ui.capture_worker import CaptureThread, display_image  # noqa: E402
from rehabcoach.vision.sources import FrameSource, SourceLost  # noqa: E402
from rehabcoach.vision.types import FaceFrame, Frame  # noqa: E402


class FakeSource(FrameSource):
    """Yields frames from ONE reused buffer (like a camera driver), optionally restarting its clock."""

    def __init__(self, count=20, fps=30.0, lose_after=None, restart_every=None):
        self.count, self.fps, self.lose_after, self.restart_every = count, fps, lose_after, restart_every
        self.name = "fake"
        self.buffer = np.zeros((48, 64, 3), np.uint8)
        self.closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True

    def __iter__(self):
        for i in range(self.count):
            if self.lose_after is not None and i == self.lose_after:
                raise SourceLost("camera 0 stopped delivering images")
            self.buffer[:] = 0
            self.buffer[:, :8] = (255, 0, 0)  # a blue band on the left of the un-mirrored image
            self.buffer[0, 0, 2] = i  # frame number in the red channel of the corner pixel
            local = i % self.restart_every if self.restart_every else i
            yield Frame(i, local / self.fps, self.buffer)
            self.buffer[:] = 255  # the driver reuses the buffer for the next frame


class FakePipeline:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def process(self, frame):
        return FaceFrame(index=frame.index, timestamp=frame.timestamp, face=True)


def run_capture(qtbot, source, *, take=True, **options):
    thread = CaptureThread(
        "fake", source_factory=lambda spec, loop: source, pipeline_factory=FakePipeline, **options
    )
    taken = []
    if take:
        thread.frame_ready.connect(lambda: taken.append(thread.take_latest()))
    with qtbot.waitSignal(thread.finished, timeout=10_000):
        thread.start()
    qtbot.wait(20)  # deliver the last queued notifications
    return thread, [t for t in taken if t is not None]


def test_display_image_is_mirrored_and_owns_its_pixels():
    bgr = np.zeros((4, 6, 3), np.uint8)
    bgr[:, 0] = (255, 0, 0)  # blue at the left of the camera image
    image = display_image(bgr)
    bgr[:] = 0  # the source reuses its buffer
    assert image.pixelColor(5, 0).blue() == 255 and image.pixelColor(0, 0).blue() == 0
    assert (image.width(), image.height()) == (6, 4)
    fitted = display_image(np.zeros((480, 640, 3), np.uint8), fit=(320, 400))
    assert (fitted.width(), fitted.height()) == (320, 240)


def test_lossless_delivers_every_frame_in_order(qtbot):
    thread, taken = run_capture(qtbot, FakeSource(count=20), lossless=True, pace_realtime=False)
    assert [t.face.index for t in taken] == list(range(20))
    assert thread.frames_dropped == 0
    # Each image kept its own frame's pixels although the source overwrote its buffer.
    assert [t.image.pixelColor(t.image.width() - 1, 0).red() for t in taken] == list(range(20))
    assert all(t.image.pixelColor(t.image.width() - 1, 5).blue() == 255 for t in taken)  # mirrored band


def test_a_busy_gui_gets_only_the_newest_frame(qtbot):
    thread, _ = run_capture(qtbot, FakeSource(count=30), take=False, pace_realtime=False)
    latest = thread.take_latest()
    assert latest is not None and latest.face.index == 29
    assert thread.frames_dropped == 29 and thread.frames_captured == 30
    assert thread.take_latest() is None


def test_recordings_are_paced_in_real_time(qtbot):
    start = time.monotonic()
    _, taken = run_capture(qtbot, FakeSource(count=16, fps=30.0), lossless=True, pace_realtime=True)
    assert len(taken) == 16
    assert time.monotonic() - start >= 15 / 30.0 - 0.02  # 15 frame intervals at 30 fps
    gaps = np.diff([t.captured_at for t in taken])
    assert gaps.min() > 0.02  # frames come about 33 ms apart, not in a burst


def test_timestamps_keep_increasing_when_a_recording_loops(qtbot):
    _, taken = run_capture(qtbot, FakeSource(count=25, restart_every=10), lossless=True, pace_realtime=False)
    stamps = [t.face.timestamp for t in taken]
    assert len(stamps) == 25 and all(b > a for a, b in zip(stamps, stamps[1:]))


def test_a_lost_camera_and_an_unopenable_source_are_reported(qtbot):
    lost = CaptureThread("fake", source_factory=lambda spec, loop: FakeSource(count=50, lose_after=5),
                         pipeline_factory=FakePipeline, pace_realtime=False)
    with qtbot.waitSignal(lost.source_lost, timeout=10_000) as blocker:
        lost.start()
    assert "stopped delivering" in blocker.args[0]
    lost.wait(5000)

    def refuse(spec, loop):
        raise UserError("camera 7 cannot be opened: is it connected and not in use by another program?")

    failing = CaptureThread(7, source_factory=refuse, pipeline_factory=FakePipeline)
    with qtbot.waitSignal(failing.failed, timeout=10_000) as blocker:
        failing.start()
    assert "camera 7 cannot be opened" in blocker.args[0]
    failing.wait(5000)


def test_stop_ends_a_long_recording_promptly(qtbot):
    source = FakeSource(count=100_000, fps=30.0)
    thread = CaptureThread("fake", source_factory=lambda spec, loop: source, pipeline_factory=FakePipeline,
                           pace_realtime=True)
    thread.start()
    qtbot.waitUntil(lambda: thread.frames_captured > 2, timeout=5000)
    started = time.monotonic()
    thread.stop()
    assert thread.isFinished() and time.monotonic() - started < 1.0
    assert source.closed


@pytest.mark.parametrize("shape, fit", [
    ((720, 1280, 3), (760, 570)),  # a 720p webcam in a laptop-sized view: shrinks by 1.7
    ((1080, 1920, 3), (500, 400)),  # shrinks by 3.8: a whole-number area step, then bilinear
    ((767, 1365, 3), (600, 300)),  # odd sizes: the whole-number step drops the last row and column
    ((480, 640, 3), (1000, 800)),  # enlarged
    ((480, 640, 3), (640, 480)),  # shown as it is
])
def test_display_image_at_every_scale_is_the_mirrored_picture(shape, fit):
    # A smooth picture (a ramp, with a sharp blue band at the camera image's left edge), so any
    # resampling method gives nearly the same pixels: what must hold is the size, the mirroring and
    # that the 4th byte path leaves no stray rows or columns.
    height, width = shape[:2]
    ramp = np.tile(np.linspace(0, 250, width, dtype=np.float32), (height, 1))
    bgr = np.dstack([np.zeros_like(ramp), ramp, ramp]).astype(np.uint8)
    bgr[:, : width // 8, 0] = 255
    image = display_image(bgr, fit=fit)
    scale = min(fit[0] / width, fit[1] / height)
    assert (image.width(), image.height()) == (round(width * scale), round(height * scale))
    shown = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    shown = shown[:, : image.width(), :3].astype(int)
    expected = cv2.resize(cv2.flip(bgr, 1), (image.width(), image.height()), interpolation=cv2.INTER_AREA).astype(int)
    inner = (slice(2, -2), slice(2, -2))  # edges differ by method; the picture must not
    assert np.abs(shown[inner] - expected[inner]).mean() < 2.0
    assert shown[image.height() // 2, -1, 0] == 255 and shown[image.height() // 2, 0, 0] == 0  # blue band on the right
