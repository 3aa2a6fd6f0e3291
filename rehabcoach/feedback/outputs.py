"""Where the samples go: the sound card through sounddevice (PortAudio), or a recording for tests.

An output calls ``render(frames, play_time)`` whenever it needs the next block, from its own thread or
PortAudio's callback thread, never from the caller's: ``play_time`` is the ``time.monotonic()`` moment
the block's first sample will be heard (or, for a manual recording, the recording's own clock).
sounddevice was chosen over the alternatives in the package index (pyaudio, miniaudio, pygame,
pyalsaaudio) because mediapipe already brings it (nothing new to install but the PortAudio library on
Linux), it takes numpy blocks directly, and its callback streams keep latency to one short block.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable, Protocol

import numpy as np

Render = Callable[[int, float], np.ndarray]

SAMPLE_RATE = 48000
# 20 ms blocks: a tone starts at most one block after the frame that calls for it (the goal is 100 ms),
# and the sound thread wakes 50 times a second instead of 100 (each wake-up costs the app CPU, even silent).
BLOCK_FRAMES = SAMPLE_RATE // 50


class AudioUnavailable(RuntimeError):
    """No usable sound output: the app goes on silently and says so once."""


class AudioOutput(Protocol):
    samplerate: int
    latency: float  # seconds from a block being rendered to its first sample being heard (device's own)

    def start(self, render: Render) -> None:
        """Begin calling ``render`` for each block, on the output's own thread."""

    def close(self) -> None:
        """Stop; no more ``render`` calls once this returns."""


class SounddeviceOutput:
    """The default output device through PortAudio, with a callback stream of short blocks."""

    def __init__(self, samplerate: int = SAMPLE_RATE, blocksize: int = BLOCK_FRAMES):
        try:
            import sounddevice
        except OSError as exc:  # sounddevice imports, but PortAudio is missing (Linux: libportaudio2)
            raise AudioUnavailable(f"the PortAudio library is missing ({exc}; install libportaudio2)") from exc
        except ImportError as exc:
            raise AudioUnavailable(f"the sounddevice package cannot be loaded ({exc})") from exc
        self._sd = sounddevice
        try:
            device = sounddevice.query_devices(kind="output")
        except Exception as exc:  # PortAudioError or ValueError: no default output
            raise AudioUnavailable("no sound output device was found") from exc
        self.device_name = str(device.get("name", "")) if isinstance(device, dict) else ""
        self.samplerate = samplerate
        self.blocksize = blocksize
        self.latency = 0.0
        self._stream = None
        self._offset = 0.0  # monotonic - stream time

    def start(self, render: Render) -> None:
        sd = self._sd

        def callback(outdata, frames, timing, status) -> None:
            if self._stream is None:
                outdata.fill(0)
                return
            play_at = timing.outputBufferDacTime + self._offset if timing.outputBufferDacTime else time.monotonic()
            outdata[:] = render(frames, play_at)

        try:
            stream = sd.OutputStream(samplerate=self.samplerate, blocksize=self.blocksize, channels=2,
                                     dtype="float32", latency="low", callback=callback)
            self._stream = stream
            self._offset = time.monotonic() - stream.time
            self.latency = float(stream.latency)
            stream.start()
        except Exception as exc:  # PortAudioError: device busy, unsupported rate...
            self._stream = None
            raise AudioUnavailable(f"the sound output could not be opened ({exc})") from exc

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # closing is best effort at shutdown
                pass


class RecordingOutput:
    """Keeps every block rendered, with its play time, thread and channel data, for tests and the benchmark.

    ``realtime=True``: a thread of its own asks for a block every block's length, like a sound card.
    ``realtime=False``: nothing runs by itself; ``pump(seconds)`` renders that much on a virtual clock
    (``now()``), so a test checks what was played and when, exactly and fast.
    """

    def __init__(self, samplerate: int = SAMPLE_RATE, blocksize: int = BLOCK_FRAMES, *, realtime: bool = False,
                 latency: float = 0.0, keep_seconds: float | None = None, fail: str | None = None):
        """``keep_seconds``: keep only the last this many seconds of blocks (a long benchmark must not
        grow the memory it measures); None keeps everything (tests)."""
        if fail:
            raise AudioUnavailable(fail)
        self.samplerate = samplerate
        self.blocksize = blocksize
        self.realtime = realtime
        self.latency = latency
        keep = None if keep_seconds is None else max(1, round(keep_seconds * samplerate / blocksize))
        self.blocks: deque[tuple[float, np.ndarray]] = deque(maxlen=keep)
        self.threads: set[int] = set()
        self._render: Render | None = None
        self._clock = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._clock

    def start(self, render: Render) -> None:
        self._render = render
        if self.realtime:
            self._thread = threading.Thread(target=self._run, name="rehabcoach-audio-test", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        period = self.blocksize / self.samplerate
        next_at = time.monotonic()
        while not self._stop.is_set():
            self._render_block(time.monotonic() + self.latency)
            next_at += period
            delay = next_at - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)
            else:
                next_at = time.monotonic()  # fell behind (a busy machine): do not burst to catch up

    def _render_block(self, play_at: float) -> None:
        if self._render is None:  # never started (the service found it unusable): nothing plays
            return
        self.threads.add(threading.get_ident())
        block = self._render(self.blocksize, play_at)
        with self._lock:
            self.blocks.append((play_at, np.array(block, copy=True)))

    def pump(self, seconds: float) -> None:
        """Manual mode: render ``seconds`` of sound, advancing the virtual clock block by block."""
        for _ in range(max(1, round(seconds * self.samplerate / self.blocksize))):
            self._render_block(self._clock)
            self._clock += self.blocksize / self.samplerate

    def samples(self, since: float = float("-inf")) -> tuple[np.ndarray, np.ndarray]:
        """(times, samples): each sample's play time and its (left, right) values, from ``since`` on."""
        with self._lock:
            blocks = [(t, b) for t, b in self.blocks if t + len(b) / self.samplerate >= since]
        if not blocks:
            return np.zeros(0), np.zeros((0, 2), np.float32)
        times = np.concatenate([t + np.arange(len(b)) / self.samplerate for t, b in blocks])
        data = np.concatenate([b for _, b in blocks])
        keep = times >= since
        return times[keep], data[keep]

    def clear(self) -> None:
        with self._lock:
            self.blocks.clear()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
