"""Speakers: the things that actually turn text into sound (or, for tests, into a list).

A speaker is created and used on the speech service's one thread; only :meth:`Speaker.stop` may be
called from another thread (to cut the utterance in progress short).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Protocol


class SpeechUnavailable(RuntimeError):
    """No working speech engine: the app goes on silently and says so once."""


class Speaker(Protocol):
    def speak(self, text: str) -> None:
        """Say ``text`` and return when done (or stopped).  Speech thread only."""

    def stop(self) -> None:
        """Cut the current utterance short.  Any thread."""

    def set_rate(self, words_per_minute: int) -> None:
        """Speech thread only."""

    def save_to_file(self, text: str, path: Path) -> None:
        """Write ``text`` as speech to a WAV file.  Speech thread only."""

    def close(self) -> None:
        """Speech thread only."""


_engine_created = False  # pyttsx3 allows one engine per process (stack notes): enforce it with a clear error
_engine_lock = threading.Lock()


class Pyttsx3Speaker:
    """pyttsx3 (espeak-ng on Linux, SAPI5 on Windows, NSSpeechSynthesizer on macOS).

    On Linux pyttsx3's own ``say()`` plays through ``aplay`` in a way that cannot be interrupted and
    prints ALSA errors on machines without sound; so there the text is synthesised to a private WAV
    file with ``save_to_file`` and played with an ``aplay`` process this class controls: ``stop()``
    ends that process, and a missing sound device is reported once instead of on every cue.
    """

    def __init__(self, rate: int | None = None):
        global _engine_created
        self._aplay = None
        if sys.platform.startswith("linux"):
            self._aplay = shutil.which("aplay")
            if self._aplay is None:  # pyttsx3's espeak driver plays through aplay too
                raise SpeechUnavailable("cannot play sound: aplay is missing (install alsa-utils)")
        try:
            import pyttsx3
        except Exception as exc:  # ImportError, or a broken platform backend
            raise SpeechUnavailable(f"the pyttsx3 package cannot be loaded ({exc})") from exc
        with _engine_lock:
            if _engine_created:
                raise SpeechUnavailable("a speech engine was already started in this process; "
                                        "share one SpeechService (SpeechService.shared())")
            try:
                self._engine = pyttsx3.init()
            except Exception as exc:  # espeak-ng missing, no SAPI voice...
                hint = " (install espeak-ng)" if sys.platform.startswith("linux") else ""
                raise SpeechUnavailable(f"no speech engine could be started: {exc}{hint}") from exc
            _engine_created = True
        self._silence_driver_prints()
        self._folder = Path(tempfile.mkdtemp(prefix="rehabcoach-speech-"))  # mkdtemp: user-only (0700)
        self._player: subprocess.Popen | None = None
        self._player_lock = threading.Lock()
        self._stopped = False
        self._rate: int | None = None
        if rate is not None:
            self.set_rate(rate)

    def _silence_driver_prints(self) -> None:
        # pyttsx3 2.99's espeak driver prints "Audio saved to ..." on every save_to_file, from
        # espeak's callback thread; shadow `print` in that module only, so our stdout stays clean.
        module = sys.modules.get("pyttsx3.drivers.espeak")
        if module is not None:
            setattr(module, "print", lambda *args, **kwargs: None)  # noqa: B010 - a module's global, not an attribute of ours

    def speak(self, text: str) -> None:
        self._stopped = False
        if self._aplay is None:
            self._apply_rate()
            self._engine.say(text)
            self._engine.runAndWait()
            return
        wav = self._folder / "cue.wav"
        self.save_to_file(text, wav)
        with self._player_lock:
            if self._stopped:  # interrupted while synthesising
                return
            self._player = subprocess.Popen([self._aplay, "-q", str(wav)], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _, err = self._player.communicate()
        finally:
            with self._player_lock:
                player, self._player = self._player, None
        if player.returncode != 0 and not self._stopped:
            detail = err.decode(errors="replace").strip().splitlines()[-1:] or [f"exit {player.returncode}"]
            raise SpeechUnavailable(f"cannot play sound ({detail[0]})")

    def stop(self) -> None:
        self._stopped = True
        with self._player_lock:
            if self._player is not None and self._player.poll() is None:
                self._player.terminate()

    def set_rate(self, words_per_minute: int) -> None:
        self._rate = int(words_per_minute)
        self._apply_rate()

    def _apply_rate(self) -> None:
        # pyttsx3 2.99 queues setProperty behind its own busy flag, and after a runAndWait the espeak
        # driver stays "busy", so a new rate was silently ignored; set on the driver directly once, it
        # was still lost now and then (1 run in 6, checked on WAV lengths).  So the rate is set on the
        # driver right before every synthesis; we are on the engine's own thread.
        if self._rate is None:
            return
        driver = getattr(getattr(self._engine, "proxy", None), "_driver", None)
        if driver is not None:
            driver.setProperty("rate", self._rate)
        else:
            self._engine.setProperty("rate", self._rate)

    def save_to_file(self, text: str, path: Path) -> None:
        self._apply_rate()
        self._engine.save_to_file(text, str(path))
        self._engine.runAndWait()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._folder, ignore_errors=True)
        # The engine itself is kept: espeak cannot be shut down and started again in one process.


class RecordingSpeaker:
    """Records what would have been said, for tests; optionally takes time like real speech."""

    def __init__(self, seconds_per_utterance: float = 0.0):
        self.seconds_per_utterance = seconds_per_utterance
        self.said: list[str] = []
        self.interrupted: list[str] = []
        self.rates: list[int] = []
        self.threads: set[int] = set()  # threads that used it (the service must use exactly one)
        self._stop = threading.Event()

    def speak(self, text: str) -> None:
        self.threads.add(threading.get_ident())
        self._stop.clear()
        self.said.append(text)
        if self.seconds_per_utterance and self._stop.wait(self.seconds_per_utterance):
            self.interrupted.append(text)

    def stop(self) -> None:
        self._stop.set()

    def set_rate(self, words_per_minute: int) -> None:
        self.threads.add(threading.get_ident())
        self.rates.append(words_per_minute)

    def save_to_file(self, text: str, path: Path) -> None:
        self.threads.add(threading.get_ident())
        Path(path).write_text(text)

    def close(self) -> None:
        self.threads.add(threading.get_ident())
