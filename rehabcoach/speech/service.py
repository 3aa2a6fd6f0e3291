"""The speech service: spoken cues that never hold up the window or the session.

pyttsx3 allows one engine per process, created and used on one thread and kept alive (a second
engine raises ReferenceError; engines on successive threads crash), and speaking blocks while the
sound plays.  So the service owns one dedicated thread that creates the speaker and speaks from a
queue; callers only append to the queue.  Use one service for the whole process
(:meth:`SpeechService.shared`).

A cue that waited too long is dropped rather than said late, and ``say(..., interrupt=True)`` (a new
phase) drops the stale queue and cuts the utterance in progress short.  If no speech engine works,
the service stays silent and says why once (:attr:`available`, :attr:`status_message`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import Future
from pathlib import Path
from typing import Callable

from rehabcoach.speech.speakers import Pyttsx3Speaker, Speaker, SpeechUnavailable

log = logging.getLogger(__name__)


class SpeechService:
    _shared: "SpeechService | None" = None
    _shared_lock = threading.Lock()

    def __init__(
        self,
        speaker_factory: Callable[[], Speaker] = Pyttsx3Speaker,
        *,
        max_wait: float = 4.0,
        init_timeout: float = 5.0,
    ):
        """``max_wait``: a queued cue older than this many seconds is stale and dropped."""
        self.max_wait = max_wait
        self.available = False
        self.status_message = "Speech is starting."
        self.muted = False
        self.spoken = 0  # utterances finished (for status displays and tests)
        self.dropped = 0  # stale or interrupted cues never said
        self._factory = speaker_factory
        self._speaker: Speaker | None = None
        self._cues: deque[tuple[str, float]] = deque()
        self._jobs: deque[Callable[[Speaker], None]] = deque()  # rate changes, files: run in order, before cues
        self._wake = threading.Condition()
        self._closed = False
        self._current = False  # an utterance or job is running on the speech thread
        self._reported = False
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rehabcoach-speech", daemon=True)
        self._thread.start()
        # Starting espeak takes well under a second; waiting here makes `available` meaningful at once.
        self._ready.wait(init_timeout)

    @classmethod
    def shared(cls) -> "SpeechService":
        """The process's one speech service (created on first use)."""
        with cls._shared_lock:
            if cls._shared is None or cls._shared._closed:
                cls._shared = cls()
            return cls._shared

    # -- caller side: never blocks ------------------------------------------------------------------
    def say(self, text: str, *, interrupt: bool = False) -> bool:
        """Queue ``text``; with ``interrupt`` drop what is queued and cut the current utterance.

        Returns False when nothing will be said (muted, closed or no speech engine).
        """
        text = text.strip()
        with self._wake:
            if interrupt:
                self._interrupt_locked()
            if not text or self.muted or self._closed or (self._ready.is_set() and not self.available):
                return False
            self._cues.append((text, time.monotonic()))
            self._wake.notify()
        return True

    def set_rate(self, words_per_minute: int) -> None:
        """Speaking rate; about 130-170 is calm and clear, pyttsx3's default is 200."""
        if not 60 <= words_per_minute <= 400:
            raise ValueError(f"speech rate must be 60-400 words per minute, not {words_per_minute}")
        self._submit(lambda speaker: speaker.set_rate(words_per_minute))

    def set_muted(self, muted: bool) -> None:
        with self._wake:
            self.muted = muted
            if muted:
                self._interrupt_locked()

    def save_to_file(self, text: str, path: str | Path) -> Future:
        """Synthesise ``text`` into a WAV file on the speech thread; the future completes when written."""
        return self._submit(lambda speaker: speaker.save_to_file(text, Path(path)))

    def handle_session_event(self, event) -> None:
        """A session-engine listener: speak its SpeakRequests (``engine.subscribe(speech.handle_session_event)``)."""
        from rehabcoach.coaching.events import SpeakRequest

        if isinstance(event, SpeakRequest):
            self.say(event.text, interrupt=event.interrupt)

    def close(self, timeout: float = 3.0) -> None:
        with self._wake:
            self._closed = True
            self._interrupt_locked()
            self._wake.notify()
        self._thread.join(timeout)

    @property
    def busy(self) -> bool:
        """True while cues or jobs are waiting or being spoken."""
        with self._wake:
            return bool(self._cues or self._jobs or self._current)

    # -- internals ----------------------------------------------------------------------------------
    def _interrupt_locked(self) -> None:
        self.dropped += len(self._cues)
        self._cues.clear()
        if self._speaker is not None and self._current:
            self._speaker.stop()

    def _submit(self, job: Callable[[Speaker], object]) -> Future:
        future: Future = Future()

        def run(speaker: Speaker) -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(job(speaker))
                except BaseException as exc:  # handed to whoever waits on the future
                    future.set_exception(exc)

        with self._wake:
            # Jobs need only the engine: a file can be written even when no sound can be played.
            if self._closed or (self._ready.is_set() and self._speaker is None):
                future.set_exception(RuntimeError(self.status_message))
                return future
            self._jobs.append(run)
            self._wake.notify()
        return future

    def _report(self, message: str) -> None:
        self.status_message = message
        if not self._reported:  # once: a missing sound card must not fill the log
            self._reported = True
            log.warning("%s", message)

    def _run(self) -> None:
        try:
            speaker = self._factory()
        except Exception as exc:
            with self._wake:
                self.available = False
                self._fail_pending_jobs()
            self._report(f"Speech is off: {exc}.")
            self._ready.set()
            return
        with self._wake:
            self._speaker = speaker
            self.available = True
            self.status_message = "Speech is on."
        self._ready.set()
        try:
            self._serve(speaker)
        finally:
            try:
                speaker.close()
            except Exception:  # closing is best effort at shutdown
                log.debug("speaker close failed", exc_info=True)

    def _fail_pending_jobs(self) -> None:
        # Jobs queued before the speaker failed to start would wait forever: fail them now.
        jobs, self._jobs = list(self._jobs), deque()
        for job in jobs:
            job(_FailingSpeaker(self.status_message))

    def _serve(self, speaker: Speaker) -> None:
        while True:
            with self._wake:
                while not self._cues and not self._jobs and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                if self._jobs:
                    job, text = self._jobs.popleft(), None
                else:
                    job, (text, queued_at) = None, self._cues.popleft()
                    if time.monotonic() - queued_at > self.max_wait:
                        self.dropped += 1  # said late a cue is wrong ("Hold" during the rest)
                        continue
                self._current = True
            try:
                if job is not None:
                    job(speaker)
                elif text is not None:
                    speaker.speak(text)
                    self.spoken += 1
            except SpeechUnavailable as exc:  # e.g. no sound device: go silent rather than fail on every cue
                with self._wake:
                    self.available = False
                    self._cues.clear()
                self._report(f"Speech is off: {exc}.")
            except Exception as exc:
                self._report(f"Speech problem: {exc}.")
            finally:
                with self._wake:
                    self._current = False


class _FailingSpeaker:
    def __init__(self, message: str):
        self.message = message

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise RuntimeError(self.message)

        return fail
