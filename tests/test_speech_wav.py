"""Real speech through pyttsx3/espeak-ng, written to WAV files (no sound card needed).

Runs in a child process: pyttsx3 allows one engine per process, and a crash in the speech library
must fail this test rather than take the whole test run down.
"""

from __future__ import annotations

import array
import json
import math
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None and shutil.which("espeak") is None,
                                reason="espeak-ng is not installed (apt-get install espeak-ng)")

CHILD = r"""
import json, sys, time
from rehabcoach.speech import Pyttsx3Speaker, SpeechService, SpeechUnavailable

normal, slow = sys.argv[1], sys.argv[2]
text = "Smile gently, and keep your eyes soft."
service = SpeechService()
result = {"available": service.available, "status": service.status_message}
service.save_to_file(text, normal).result(timeout=20)
service.set_rate(110)
service.save_to_file(text, slow).result(timeout=20)
try:
    Pyttsx3Speaker()
    result["second_engine"] = "created"
except SpeechUnavailable as exc:
    result["second_engine"] = str(exc)
started = time.perf_counter()
service.say("Get ready")
result["say_ms"] = (time.perf_counter() - started) * 1000
service.close()
print(json.dumps(result))
"""


def wav_stats(path: Path) -> tuple[float, float]:
    """(duration in seconds, RMS level as a fraction of full scale) of a 16-bit mono WAV."""
    with wave.open(str(path)) as wav:
        assert wav.getsampwidth() == 2 and wav.getnchannels() == 1
        samples = array.array("h", wav.readframes(wav.getnframes()))
        duration = wav.getnframes() / wav.getframerate()
    rms = math.sqrt(sum(s * s for s in samples) / max(1, len(samples))) / 32768
    return duration, rms


def test_speech_is_synthesised_to_wav_with_sound_and_rate(tmp_path):
    normal, slow = tmp_path / "normal.wav", tmp_path / "slow.wav"
    run = subprocess.run([sys.executable, "-c", CHILD, str(normal), str(slow)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 1, f"the speech library printed to stdout: {lines}"
    result = json.loads(lines[0])
    assert result["available"], result["status"]
    assert "already started" in result["second_engine"]
    assert result["say_ms"] < 50, "say() must not wait for speech"

    duration, rms = wav_stats(normal)
    assert 1.0 < duration < 6.0
    assert rms > 0.02, "the file is (nearly) silent"
    slow_duration, _ = wav_stats(slow)
    assert slow_duration > duration * 1.4, "set_rate(110) speaks more slowly than the default 200"
