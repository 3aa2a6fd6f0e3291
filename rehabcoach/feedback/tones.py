"""The sounds themselves, synthesised with numpy: the movement tone and the phase chimes.

The tone is meant to be calm, never alarming: a soft sine (with a little second harmonic, so small
laptop speakers can play it) that is silent while the guarded regions rest, fades in as a deviation
approaches its threshold, and above the threshold grows louder and rises by up to a fourth.  Each side
has its own voice, panned to that side's ear (the patient's left side in the left ear).  Levels glide
(a few tens of milliseconds up, a little longer down) so the sound never clicks or flutters with the
landmarks' jitter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rehabcoach.vision.catalogue import Side

SIDES: tuple[Side, Side] = ("left", "right")
FADE_IN_FROM = 0.5  # silent below half the threshold
LEVEL_AT_THRESHOLD = 0.35  # quiet but clear when the deviation reaches its threshold
FULL_AT = 2.0  # full level (and the highest pitch) at twice the threshold
BASE_HZ = 392.0  # G4: low enough to be soft, high enough for laptop speakers
RISE_SEMITONES = 5  # a fourth up at FULL_AT
MAX_AMPLITUDE = 0.3  # at volume 100: leaves room for the voice
ATTACK_S = 0.02
RELEASE_S = 0.08  # from full level to inaudible in about 0.4 s
DUCK_GAIN = 0.25  # the tone while a cue is spoken: still there, never over the words
DUCK_S = 0.05
AUDIBLE = 10 ** (-60 / 20)  # -60 dBFS: the first sample counted as heard
# Each side mostly in its own ear, a little in the other: comfortable in headphones, clear on speakers.
PAN_GAINS = {"left": (1.0, 0.2), "right": (0.2, 1.0)}

# Chimes: short bell-like notes (a sine and a soft inharmonic partial, decaying), a rising pair for
# "move", one note for "hold", a falling pair for "relax"; centred, under the voice.
CHIME_NOTES = {
    "move": (523.25, 659.25),
    "hold": (659.25,),
    "relax": (659.25, 523.25),
}
CHIME_NOTE_GAP_S = 0.16
CHIME_DECAY_S = 0.15
CHIME_LENGTH_S = 0.9  # long enough to decay below hearing: no click at the end
CHIME_FADE_S = 0.1
CHIME_AMPLITUDE = 0.22


def tone_level(ratio: float) -> float:
    """Loudness (0..1) for a deviation at ``ratio`` of its threshold."""
    if not math.isfinite(ratio) or ratio <= FADE_IN_FROM:
        return 0.0
    if ratio < 1.0:
        x = (ratio - FADE_IN_FROM) / (1.0 - FADE_IN_FROM)
        return LEVEL_AT_THRESHOLD * x * x * (3 - 2 * x)  # smoothstep: a gentle fade-in
    x = min(1.0, (ratio - 1.0) / (FULL_AT - 1.0))
    return LEVEL_AT_THRESHOLD + (1.0 - LEVEL_AT_THRESHOLD) * x


def tone_pitch(ratio: float) -> float:
    """Frequency (Hz): steady up to the threshold, then rising with the deviation."""
    over = min(1.0, max(0.0, (ratio - 1.0) / (FULL_AT - 1.0))) if math.isfinite(ratio) else 0.0
    return BASE_HZ * 2 ** (over * RISE_SEMITONES / 12)


def volume_gain(volume: int) -> float:
    """The volume setting (0-100) as an amplitude: a square law sounds even across the range."""
    v = max(0, min(100, int(volume))) / 100.0
    return v * v * MAX_AMPLITUDE


def chime_samples(phase: str, samplerate: int) -> np.ndarray | None:
    """The chime for a phase as mono samples at full chime amplitude (None: no chime for it)."""
    notes = CHIME_NOTES.get(phase)
    if not notes:
        return None
    length = int(CHIME_LENGTH_S * samplerate + CHIME_NOTE_GAP_S * samplerate * (len(notes) - 1))
    out = np.zeros(length, np.float32)
    t = np.arange(int(CHIME_LENGTH_S * samplerate)) / samplerate
    attack = np.minimum(1.0, t / 0.005)  # 5 ms: no click
    attack *= np.minimum(1.0, (CHIME_LENGTH_S - t) / CHIME_FADE_S)  # and a fade to nothing at the end
    for n, freq in enumerate(notes):
        note = (np.sin(2 * np.pi * freq * t) + 0.25 * np.sin(2 * np.pi * freq * 2.76 * t) * np.exp(-t / 0.08))
        note *= attack * np.exp(-t / CHIME_DECAY_S)
        start = int(n * CHIME_NOTE_GAP_S * samplerate)
        out[start:start + note.size] += note.astype(np.float32)
    return out * (CHIME_AMPLITUDE / max(1e-9, float(np.abs(out).max())))


@dataclass
class _Voice:
    phase: float = 0.0
    amplitude: float = 0.0  # current (smoothed) amplitude, before volume
    freq: float = BASE_HZ


class ToneSynth:
    """Renders stereo blocks from the current per-side ratios.  Not thread-safe: one caller (the
    output's thread or callback) renders; the service hands it targets under its lock."""

    def __init__(self, samplerate: int = 48000):
        self.samplerate = samplerate
        self.voices = {side: _Voice() for side in SIDES}
        self.duck = 1.0
        self._chimes: list[list] = []  # [samples, position]

    def add_chime(self, phase: str) -> bool:
        samples = chime_samples(phase, self.samplerate)
        if samples is None:
            return False
        self._chimes.append([samples, 0])
        return True

    @property
    def silent(self) -> bool:
        return not self._chimes and all(v.amplitude < AUDIBLE * 0.1 for v in self.voices.values())

    def render(self, frames: int, ratios: dict[str, float], *, volume: float, chime_volume: float,
               ducked: bool) -> tuple[np.ndarray, dict[str, int]]:
        """``frames`` x 2 float32 samples, and per side the index of the first sample at which that side's
        tone became audible in this block (only for sides that were silent before it)."""
        if (not self._chimes and all(tone_level(r) == 0.0 for r in ratios.values())
                and all(v.amplitude == 0.0 for v in self.voices.values())):
            # Nothing sounds (most of the time: the guards' levels sit below the fade-in while the face is
            # quiet): no synthesis, just silence, so an idle tone costs no CPU 100 times a second.
            self.duck = DUCK_GAIN if ducked else 1.0
            return np.zeros((frames, 2), np.float32), {}
        sr = self.samplerate
        n = np.arange(1, frames + 1, dtype=np.float64)
        out = np.zeros((frames, 2), np.float64)
        duck_target = DUCK_GAIN if ducked else 1.0
        duck = duck_target + (self.duck - duck_target) * np.exp(-n / (DUCK_S * sr))
        self.duck = float(duck[-1])
        onsets: dict[str, int] = {}
        for side, voice in self.voices.items():
            ratio = ratios.get(side, 0.0)
            target = tone_level(ratio)
            tau = ATTACK_S if target > voice.amplitude else RELEASE_S
            envelope = target + (voice.amplitude - target) * np.exp(-n / (tau * sr))
            was_audible = voice.amplitude * volume >= AUDIBLE
            voice.amplitude = float(envelope[-1])
            if voice.amplitude < 1e-6 and target == 0.0:
                voice.amplitude = 0.0
            # Glide the pitch across the block: no steps.
            freq_target = tone_pitch(ratio) if target > 0 else voice.freq
            freqs = voice.freq + (freq_target - voice.freq) * (n / frames)
            phases = voice.phase + np.cumsum(2 * np.pi * freqs / sr)
            voice.phase = float(phases[-1] % (2 * np.pi))
            voice.freq = float(freq_target)
            if not envelope.any():
                continue
            wave = (np.sin(phases) + 0.15 * np.sin(2 * phases)) / 1.15
            signal = wave * envelope * volume * duck
            gains = PAN_GAINS[side]
            out[:, 0] += signal * gains[0]
            out[:, 1] += signal * gains[1]
            if not was_audible:
                loud = np.nonzero(envelope * volume * duck >= AUDIBLE)[0]
                if loud.size:
                    onsets[side] = int(loud[0])
        for chime in list(self._chimes):
            samples, position = chime
            part = samples[position:position + frames] * chime_volume
            out[: part.size] += part[:, None]
            chime[1] = position + part.size
            if chime[1] >= samples.size:
                self._chimes.remove(chime)
        np.clip(out, -1.0, 1.0, out=out)
        return out.astype(np.float32), onsets
