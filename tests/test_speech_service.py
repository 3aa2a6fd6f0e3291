"""The speech service with a recording speaker: never blocks, one thread, interrupts, mutes, fails quietly."""

from __future__ import annotations

import threading
import time

import pytest

from rehabcoach.coaching.events import PhaseChanged, SpeakRequest
from rehabcoach.speech import RecordingSpeaker, SpeechService, SpeechUnavailable


def wait_until(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return bool(predicate())


@pytest.fixture
def slow_speaker():
    return RecordingSpeaker(seconds_per_utterance=0.3)


def make_service(speaker, **kwargs) -> SpeechService:
    return SpeechService(lambda: speaker, **kwargs)


def test_say_never_blocks_and_speaks_in_order_on_one_other_thread(slow_speaker):
    created_on = []

    def factory():
        created_on.append(threading.get_ident())
        return slow_speaker

    service = SpeechService(factory)
    try:
        started = time.perf_counter()
        for text in ("Get ready", "Smile gently", "Hold"):
            assert service.say(text)
        assert time.perf_counter() - started < 0.05, "say() must only queue"
        assert wait_until(lambda: slow_speaker.said == ["Get ready", "Smile gently", "Hold"] and not service.busy)
        assert service.available and service.spoken == 3
        assert slow_speaker.threads == set(created_on) and threading.get_ident() not in created_on
    finally:
        service.close()


def test_interrupt_drops_stale_cues_and_cuts_the_current_one():
    speaker = RecordingSpeaker(seconds_per_utterance=2.0)
    service = make_service(speaker)
    try:
        service.say("Relax your face and breathe slowly")
        assert wait_until(lambda: speaker.said == ["Relax your face and breathe slowly"])
        service.say("3")
        service.say("2")
        started = time.perf_counter()
        service.say("Get ready", interrupt=True)
        assert wait_until(lambda: speaker.said[-1] == "Get ready")
        assert time.perf_counter() - started < 1.0, "the long cue was cut short"
        assert speaker.said == ["Relax your face and breathe slowly", "Get ready"]
        assert speaker.interrupted == ["Relax your face and breathe slowly"]
        assert service.dropped == 2
    finally:
        service.close()


def test_stale_cues_are_dropped_instead_of_said_late():
    speaker = RecordingSpeaker(seconds_per_utterance=0.4)
    service = make_service(speaker, max_wait=0.2)
    try:
        service.say("Hold")
        service.say("Relax")  # waits 0.4 s behind "Hold": too late to be right
        assert wait_until(lambda: not service.busy)
        assert speaker.said == ["Hold"] and service.dropped == 1
    finally:
        service.close()


def test_muted_says_nothing_until_unmuted(slow_speaker):
    service = make_service(slow_speaker)
    try:
        service.set_muted(True)
        assert service.say("Hold") is False
        service.set_muted(False)
        assert service.say("Relax")
        assert wait_until(lambda: slow_speaker.said == ["Relax"])
    finally:
        service.close()


def test_rate_and_files_run_on_the_speech_thread(tmp_path):
    speaker = RecordingSpeaker()
    service = make_service(speaker)
    try:
        service.set_rate(150)
        service.save_to_file("Smile gently", tmp_path / "cue.wav").result(timeout=2)
        assert speaker.rates == [150]
        assert (tmp_path / "cue.wav").read_text() == "Smile gently"
        assert len(speaker.threads) == 1 and threading.get_ident() not in speaker.threads
        with pytest.raises(ValueError):
            service.set_rate(5)
    finally:
        service.close()


def test_without_a_speech_engine_it_stays_silent_and_says_why_once(caplog):
    def broken():
        raise SpeechUnavailable("no speech engine could be started: espeak-ng not found")

    with caplog.at_level("WARNING"):
        service = SpeechService(broken)
        assert not service.available
        assert "espeak-ng not found" in service.status_message
        assert service.say("Get ready") is False
        assert service.say("Hold") is False
        with pytest.raises(RuntimeError):
            service.save_to_file("x", "/nonexistent/x.wav").result(timeout=1)
        service.close()
    assert [r.message for r in caplog.records].count(service.status_message) == 1


def test_playback_failure_turns_speech_off_once(caplog):
    class NoSoundCard(RecordingSpeaker):
        def speak(self, text):
            super().speak(text)
            raise SpeechUnavailable("cannot play sound (audio open error)")

    speaker = NoSoundCard()
    with caplog.at_level("WARNING"):
        service = make_service(speaker)
        service.say("Get ready")
        assert wait_until(lambda: not service.available)
        assert service.say("Hold") is False
        service.close()
    assert speaker.said == ["Get ready"]
    assert "cannot play sound" in service.status_message
    assert len([r for r in caplog.records if "cannot play sound" in r.message]) == 1


def test_session_speak_requests_are_spoken_and_other_events_ignored():
    speaker = RecordingSpeaker()
    service = make_service(speaker)
    try:
        service.handle_session_event(PhaseChanged("gentle-smile", "hold", 1, 5.0, "Hold", 0.0))
        service.handle_session_event(SpeakRequest("Hold", "phase", interrupt=True))
        assert wait_until(lambda: speaker.said == ["Hold"])
    finally:
        service.close()


def test_close_stops_the_thread_even_while_speaking():
    speaker = RecordingSpeaker(seconds_per_utterance=5.0)
    service = make_service(speaker)
    service.say("A long relaxation cue")
    assert wait_until(lambda: speaker.said)
    started = time.perf_counter()
    service.close()
    assert time.perf_counter() - started < 1.0
    assert not service._thread.is_alive()
    assert service.say("Hold") is False
