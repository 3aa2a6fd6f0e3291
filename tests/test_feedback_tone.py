"""Sound feedback without Qt or a sound card: the recording output keeps every block with its play
time and both channels, on a virtual clock, so the tone's shape is checked exactly: silent at rest,
fading in towards the threshold and growing past it, in the moving side's ear, stopping when the
movement settles or the levels stop coming; a chime at each phase; ducked under speech; and silent,
with one message, when there is no sound device."""

from __future__ import annotations

import logging
import threading

import numpy as np
import pytest

from rehabcoach.coaching.guards import GuardMonitor
from rehabcoach.coaching.types import Baseline, ResolvedGuard
from rehabcoach.feedback import AUDIBLE, AudioUnavailable, FeedbackService, RecordingOutput, tone_level, tone_pitch
from rehabcoach.vision.types import FaceFrame, HeadPose


@pytest.fixture
def output():
    return RecordingOutput(samplerate=48000, blocksize=480)


@pytest.fixture
def service(output):
    service = FeedbackService(lambda: output, clock=output.now, volume=100)
    yield service
    service.close()


def hold(service, output, ratios, seconds, step=1 / 30):
    """Give the same levels every frame (30 fps) for ``seconds``; returns (times, samples) of that time."""
    start = output.now()
    for _ in range(round(seconds / step)):
        service.update(ratios, stamp=output.now())
        output.pump(step)
    return output.samples(since=start)


def rms(samples) -> np.ndarray:
    return np.sqrt((samples.astype(np.float64) ** 2).mean(axis=0)) if len(samples) else np.zeros(2)


def dominant_hz(mono, samplerate=48000) -> float:
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    return float(np.argmax(spectrum) * samplerate / len(mono))


def test_level_and_pitch_curves():
    assert tone_level(0.0) == tone_level(0.5) == 0.0
    levels = [tone_level(r) for r in (0.6, 0.8, 1.0, 1.5, 2.0, 3.0)]
    assert all(a < b for a, b in zip(levels, levels[1:-1])) and levels[-1] == levels[-2] == 1.0
    assert tone_pitch(0.7) == tone_pitch(1.0) < tone_pitch(1.5) < tone_pitch(2.0) == tone_pitch(5.0)
    assert tone_level(float("nan")) == 0.0


def test_silent_while_the_guarded_regions_rest(service, output):
    _, samples = hold(service, output, {"left": 0.0, "right": 0.3}, 1.0)
    assert np.abs(samples).max() < AUDIBLE
    assert not service.onsets


def test_tone_fades_in_towards_the_threshold_and_grows_past_it(service, output):
    loudness, pitch = [], []
    for ratio in (0.7, 0.9, 1.0, 1.5, 2.0):
        _, samples = hold(service, output, {"right": ratio}, 0.5)
        steady = samples[len(samples) // 2:]  # after the glide
        loudness.append(rms(steady)[1])
        pitch.append(dominant_hz(steady[:, 1]))
    assert all(a < b for a, b in zip(loudness, loudness[1:])), loudness
    assert loudness[0] > AUDIBLE and loudness[-1] < 0.3, "audible but calm"
    assert abs(pitch[0] - 392) < 10 and abs(pitch[2] - 392) < 10, pitch
    assert pitch[3] > pitch[2] + 15 and pitch[4] > pitch[3] + 15, "past the threshold the pitch rises"


@pytest.mark.parametrize("side, ear", [("left", 0), ("right", 1)])
def test_tone_is_panned_to_the_side_that_moves(service, output, side, ear):
    _, samples = hold(service, output, {side: 1.5}, 0.5)
    level = rms(samples)
    assert level[ear] > 3 * level[1 - ear], f"{side} side: {level}"


def test_tone_stops_when_the_movement_settles_and_when_levels_stop(service, output):
    hold(service, output, {"left": 1.5}, 0.5)
    times, samples = hold(service, output, {"left": 0.2}, 0.6)
    quiet_from = times[np.nonzero(np.abs(samples).max(axis=1) >= AUDIBLE)[0][-1]] - times[0]
    assert quiet_from < 0.6, "the tone must die away once the movement settles"
    assert np.abs(samples[-4800:]).max() < AUDIBLE

    hold(service, output, {"right": 1.5}, 0.5)
    start = output.now()
    output.pump(1.0)  # no more levels: the face was lost or the camera stalled
    _, after = output.samples(since=start + 0.8)
    assert np.abs(after).max() < AUDIBLE, "a tone must not hang on without fresh levels"

    hold(service, output, {"right": 1.5}, 0.5)
    service.silence()  # the guard is no longer armed (relax phase)
    start = output.now()
    output.pump(0.8)
    _, after = output.samples(since=start + 0.6)
    assert np.abs(after).max() < AUDIBLE


def test_onset_is_heard_within_a_block_of_the_frame(service, output):
    hold(service, output, {}, 0.2)
    frame_at = output.now()
    service.update({"left": 1.2}, stamp=frame_at)
    output.pump(0.1)
    (side, stamp, heard_at), = service.onsets
    assert side == "left" and stamp == frame_at
    assert 0 <= heard_at - frame_at <= output.blocksize / output.samplerate + 0.005
    times, samples = output.samples()
    first = times[np.nonzero(np.abs(samples[:, 0]) >= AUDIBLE)[0][0]]
    assert abs(first - heard_at) < 1e-3, "the recorded onset is where the samples become audible"


def test_a_chime_marks_each_phase_change(service, output):
    hold(service, output, {}, 0.2)
    for phase in ("move", "hold", "relax"):
        start = output.now()
        service.chime(phase)
        output.pump(1.3)
        times, samples = output.samples(since=start)
        loud = np.nonzero(np.abs(samples).max(axis=1) >= AUDIBLE)[0]
        assert loud.size and times[loud[0]] - start < 0.02, f"{phase}: the chime is heard at once"
        assert np.allclose(samples[:, 0], samples[:, 1]), "chimes are centred"
        assert np.abs(samples).max() <= 0.25
        assert times[loud[-1]] - start < 1.1, "a chime is short"
    assert [phase for phase, _ in service.chimes_played] == ["move", "hold", "relax"]
    service.chime("get_ready")  # no chime for it: the voice says it
    start = output.now()
    output.pump(0.3)
    assert np.abs(output.samples(since=start)[1]).max() < AUDIBLE


def test_the_tone_ducks_while_a_cue_is_spoken(output):
    speaking = {"now": False}
    service = FeedbackService(lambda: output, clock=output.now, speaking=lambda: speaking["now"], volume=100)
    _, plain = hold(service, output, {"left": 1.5}, 0.5)
    speaking["now"] = True
    _, ducked = hold(service, output, {"left": 1.5}, 0.5)
    assert rms(ducked[len(ducked) // 2:])[0] < 0.35 * rms(plain[len(plain) // 2:])[0]
    assert rms(ducked[len(ducked) // 2:])[0] > AUDIBLE, "ducked, not gone"


def test_volume_and_tone_off(service, output):
    _, loud = hold(service, output, {"left": 1.5}, 0.5)
    service.set_volume(30)
    _, soft = hold(service, output, {"left": 1.5}, 0.5)
    assert rms(soft[-4800:])[0] < 0.2 * rms(loud[-4800:])[0]
    service.set_enabled(tone=False, chime=True)
    _, off = hold(service, output, {"left": 1.5}, 0.8)
    assert np.abs(off[-4800:]).max() < AUDIBLE


def test_no_sound_device_runs_silently_and_says_so_once(caplog):
    def no_device():
        raise AudioUnavailable("no sound output device was found")

    with caplog.at_level(logging.WARNING):
        service = FeedbackService(no_device)
        service.update({"left": 2.0}, stamp=0.0)
        service.chime("hold")
        service.set_volume(80)
        service.close()
    assert not service.available
    assert service.status_message == "Sound feedback is off: no sound output device was found."
    assert [r.getMessage() for r in caplog.records].count(service.status_message) == 1


def test_sounddevice_output_reports_a_missing_device(monkeypatch):
    sounddevice = pytest.importorskip("sounddevice", exc_type=OSError)
    from rehabcoach.feedback.outputs import SounddeviceOutput

    def raise_no_device(*args, **kwargs):
        raise sounddevice.PortAudioError("Error querying device -1")

    monkeypatch.setattr(sounddevice, "query_devices", raise_no_device)
    with pytest.raises(AudioUnavailable, match="no sound output device"):
        SounddeviceOutput()


def test_samples_are_rendered_on_the_output_thread_not_the_callers():
    output = RecordingOutput(realtime=True)
    service = FeedbackService(lambda: output, volume=100)
    try:
        service.update({"right": 1.5}, stamp=0.0)
        deadline = threading.Event()
        for _ in range(100):
            if output.blocks:
                break
            deadline.wait(0.02)
        assert output.blocks, "the output thread rendered nothing"
        assert service.render_threads and threading.get_ident() not in service.render_threads
    finally:
        service.close()


# -- levels from face frames (what the window feeds the service) ----------------------------------------

def _baseline():
    measures = {"eye_aperture": {"left": 0.30, "right": 0.30}, "mouth_corner_lift": {"left": 0.0, "right": 0.0}}
    noise = {"eye_aperture": {"left": 0.003, "right": 0.003}, "mouth_corner_lift": {"left": 0.001, "right": 0.001}}
    return Baseline(measures=measures, noise=noise, pose=HeadPose(0, 0, 0), frames=60)


EYE_GUARD = ResolvedGuard("eye", "eye_aperture", ("left", "right"), "decrease", 0.25, 0.5)
MOUTH_GUARD = ResolvedGuard("mouth", "mouth_corner_lift", ("left", "right"), "increase", 0.03, 0.5)


def _frame(t, left_eye=0.30, right_eye=0.30, left_lift=0.0, right_lift=0.0):
    return FaceFrame(index=int(t * 30), timestamp=t, face=True, measures={
        "eye_aperture": {"left": left_eye, "right": right_eye},
        "mouth_corner_lift": {"left": left_lift, "right": right_lift},
    })


class Levels:
    """The engine's guard levels for a frame, as the window reads them (SessionState.guard_levels)."""

    def __init__(self, guards, baseline, affected_side=None):
        self.monitor = GuardMonitor(guards, baseline, affected_side)

    def levels(self, frame):
        self.monitor.update(frame, armed=True)
        return dict(self.monitor.levels)


def test_levels_follow_each_sides_deviation_against_its_threshold():
    levels = Levels([EYE_GUARD, MOUTH_GUARD], _baseline())
    for t in range(5):
        rest = levels.levels(_frame(t / 30))
    assert rest == {"left": 0.0, "right": 0.0}
    for t in range(5, 10):  # the left eye narrows to 80 % of rest (threshold 25 %): 0.8 of the threshold
        narrowing = levels.levels(_frame(t / 30, left_eye=0.24))
    assert narrowing["left"] == pytest.approx(0.8) and narrowing["right"] == 0.0
    for t in range(10, 15):  # the right mouth corner lifts 0.045 IOD (threshold 0.03): 1.5
        pulled = levels.levels(_frame(t / 30, right_lift=0.045))
    assert pulled["right"] == pytest.approx(1.5) and pulled["left"] == 0.0
    assert levels.levels(FaceFrame(index=99, timestamp=4.0, face=False)) == {}


def test_blinks_are_silent_and_the_other_side_is_the_reference_once_the_affected_side_is_known():
    levels = Levels([EYE_GUARD], _baseline())
    for t in range(5):
        blink = levels.levels(_frame(t / 30, left_eye=0.05, right_eye=0.05))
    assert blink == {"left": 0.0, "right": 0.0}
    both = Levels([EYE_GUARD], _baseline(), affected_side="left")
    for t in range(5):  # both eyes narrow alike with a smile: no difference between the sides, no tone
        same = both.levels(_frame(t / 30, left_eye=0.22, right_eye=0.22))
    assert same["left"] <= 0.0 and same["right"] <= 0.0
    for t in range(5, 10):
        one = both.levels(_frame(t / 30, left_eye=0.20, right_eye=0.29))
    assert one["left"] > 1.0 > one["right"]
