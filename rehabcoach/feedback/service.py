"""The feedback service: what the window talks to.  Thread-safe and never blocking: the window
hands it levels and chimes; the output's own thread (PortAudio's callback) asks it for samples.

If no sound output works the service stays silent and says why once (:attr:`available`,
:attr:`status_message`), as the speech service does.  While a cue is being spoken (``speaking()``
is true) the tone is ducked, so a tone never hides a spoken word.  Levels that stop arriving (no
face, the camera stalls) fade out after ``stale_after`` seconds: a tone never hangs on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Callable, Mapping

import numpy as np

from rehabcoach.feedback.outputs import AudioOutput, AudioUnavailable, SounddeviceOutput
from rehabcoach.feedback.tones import SIDES, ToneSynth, tone_level, volume_gain
from rehabcoach.vision.catalogue import Side

log = logging.getLogger(__name__)


class FeedbackService:
    def __init__(
        self,
        output_factory: Callable[[], AudioOutput] = SounddeviceOutput,
        *,
        clock: Callable[[], float] = time.monotonic,
        speaking: Callable[[], bool] | None = None,
        stale_after: float = 0.3,
        volume: int = 60,
    ):
        self.available = False
        self.status_message = "Sound feedback is starting."
        self.stale_after = stale_after
        # Bounded: a long session must not grow memory.  (side, stamp given with the levels, heard at)
        self.onsets: deque[tuple[str, float, float]] = deque(maxlen=10_000)
        self.chimes_played: deque[tuple[str, float]] = deque(maxlen=1000)  # (phase, heard at)
        self._clock = clock
        self._speaking = speaking
        self._lock = threading.Lock()
        self._ratios: dict[str, float] = {}
        self._stamps: dict[str, float] = {}  # a side's stamp when it last rose from silence
        self._updated_at: float | None = None
        self._tone_on = True
        self._chime_on = True
        self._volume = volume_gain(volume)
        self._chime_volume = self._volume / volume_gain(100) if volume_gain(100) else 0.0
        self._pending_chimes: list[str] = []
        self._output: AudioOutput | None = None
        self._reported = False
        self.render_threads: set[int] = set()
        try:
            output = output_factory()
            self._synth = ToneSynth(output.samplerate)
            output.start(self._render)
        except AudioUnavailable as exc:
            self._synth = ToneSynth()
            self._report(f"Sound feedback is off: {exc}.")
            return
        except Exception as exc:  # an unexpected driver error must not stop the app
            self._synth = ToneSynth()
            self._report(f"Sound feedback is off: {exc}.")
            return
        self._output = output
        self.available = True
        self.status_message = "Sound feedback is on."

    # -- caller side (the GUI thread): never blocks for long ---------------------------------------
    def update(self, ratios: Mapping[Side, float], stamp: float | None = None) -> None:
        """Each side's deviation as a share of its threshold now (0 at rest, 1 at the threshold).
        ``stamp``: when the frame behind these levels was captured (for latency figures; default now)."""
        now = self._clock()
        stamp = now if stamp is None else stamp
        with self._lock:
            for side in SIDES:
                value = float(ratios.get(side, 0.0) or 0.0)
                if tone_level(value) > 0 and tone_level(self._ratios.get(side, 0.0)) == 0:
                    self._stamps[side] = stamp
                self._ratios[side] = value
            self._updated_at = now

    def silence(self) -> None:
        """No guard is armed (a rest, a pause, another screen): the tone fades out."""
        with self._lock:
            self._ratios = {}
            self._updated_at = None

    def chime(self, phase: str) -> None:
        with self._lock:
            if self._chime_on and self.available:
                self._pending_chimes.append(phase)

    def set_volume(self, volume: int) -> None:
        with self._lock:
            self._volume = volume_gain(volume)
            self._chime_volume = self._volume / volume_gain(100)

    def set_enabled(self, *, tone: bool, chime: bool) -> None:
        with self._lock:
            self._tone_on, self._chime_on = tone, chime
            if not tone:
                self._ratios = {}

    def set_speaking(self, speaking: Callable[[], bool] | None) -> None:
        self._speaking = speaking

    def close(self) -> None:
        output, self._output = self._output, None
        if output is not None:
            output.close()

    # -- output side: the output's thread or callback -----------------------------------------------
    def _render(self, frames: int, play_at: float) -> np.ndarray:
        self.render_threads.add(threading.get_ident())
        speaking = False
        if self._speaking is not None:
            try:
                speaking = bool(self._speaking())
            except Exception:  # a broken speech service must not silence the tone too
                speaking = False
        with self._lock:
            stale = self._updated_at is None or self._clock() - self._updated_at > self.stale_after
            ratios = {} if stale or not self._tone_on else dict(self._ratios)
            chimes, self._pending_chimes = self._pending_chimes, []
            volume, chime_volume = self._volume, self._chime_volume
            stamps = dict(self._stamps)
        for phase in chimes:
            if self._synth.add_chime(phase):
                self.chimes_played.append((phase, play_at))
        block, onsets = self._synth.render(frames, ratios, volume=volume, chime_volume=chime_volume,
                                           ducked=speaking)
        samplerate = self._synth.samplerate
        for side, index in onsets.items():
            stamp = stamps.get(side)
            if stamp is not None:
                self.onsets.append((side, stamp, play_at + index / samplerate))
        return block

    def _report(self, message: str) -> None:
        self.available = False
        self.status_message = message
        if not self._reported:  # once: a missing sound card must not fill the log
            self._reported = True
            log.warning("%s", message)
