"""The guard monitor on synthetic measure traces: debounce, hysteresis, blinks, face loss, reference side."""

from __future__ import annotations

import dataclasses

import pytest
from synthetic_faces import REST, face_frame, resting_baseline, trace

from rehabcoach.coaching.guards import GuardMonitor
from rehabcoach.coaching.types import ResolvedGuard
from rehabcoach.vision.types import HeadPose

EYE = ResolvedGuard("eye", "eye_aperture", ("left", "right"), "decrease", threshold=0.25, min_duration=0.5)
MOUTH = (
    ResolvedGuard("mouth", "mouth_corner_lift", ("left", "right"), "increase", threshold=0.04, min_duration=0.5),
    ResolvedGuard("mouth", "mouth_corner_excursion", ("left", "right"), "increase", threshold=0.04, min_duration=0.5),
)
OPEN = REST["eye_aperture"]


def narrowing(amount: float, start: float, end: float):
    """Eye aperture narrowed by ``amount`` (fraction) between start and end seconds."""
    return lambda t: OPEN * (1 - amount) if start <= t < end else OPEN


def run(frames, guards=(EYE,), affected=None):
    monitor = GuardMonitor(guards, resting_baseline(), affected)
    seen_active = []
    for frame in frames:
        seen_active.append({(w.region, w.side) for w in monitor.update(frame)})
    events = monitor.pop_finished() + monitor.finish(frames[-1].timestamp)
    return events, seen_active


def test_short_deviation_is_debounced_and_long_one_reported_on_its_side():
    short, _ = run(trace(3.0, eye_aperture_left=narrowing(0.4, 1.0, 1.3)))
    assert short == []
    events, _ = run(trace(3.0, eye_aperture_left=narrowing(0.4, 1.0, 2.0)))
    assert len(events) == 1
    event = events[0]
    assert (event.region, event.side, event.measure) == ("eye", "left", "eye_aperture")
    # Reported from the start of the movement (the 5-frame median lags by two frames, 0.07 s).
    assert event.start_s == pytest.approx(1.0, abs=0.1)
    assert event.end_s == pytest.approx(2.0, abs=0.1)
    assert event.peak == pytest.approx(-0.4, abs=0.02)


def first_warned(amount: float) -> float:
    _, active = run(trace(3.0, eye_aperture_right=narrowing(amount, 1.0, 2.5)))
    return next(i for i, keys in enumerate(active) if ("eye", "right") in keys) / 30.0


def test_persistence_needed_shrinks_as_the_deviation_grows():
    # The median filter passes the step at 1.07 s.  Just over the 0.25 threshold the deviation must last the
    # guard's whole min_duration (0.5 s); 0.4 is 1.6 times the threshold (0.5 / 1.6 = 0.31 s); a deviation
    # four or more times the threshold still needs a quarter of it (0.125 s), never a single frame.
    assert 1.53 <= first_warned(0.26) <= 1.62
    assert 1.35 <= first_warned(0.4) <= 1.45
    assert 1.17 <= first_warned(1.0) <= 1.25


def test_hysteresis_keeps_one_warning_while_hovering_around_the_threshold():
    # Above the threshold, then hovering just under it (above the release level) with dips: one event.
    def hovering(t):
        if t < 1.0 or t >= 3.0:
            return OPEN
        if t < 1.6:
            return OPEN * 0.65
        return OPEN * (0.78 if int(t * 30) % 2 else 0.7)

    events, _ = run(trace(4.0, eye_aperture_left=hovering))
    assert len(events) == 1
    assert events[0].end_s == pytest.approx(3.0, abs=0.1)


def test_ordinary_blink_of_both_eyes_is_not_a_warning_even_with_a_short_debounce():
    quick = ResolvedGuard("eye", "eye_aperture", ("left", "right"), "decrease", threshold=0.25, min_duration=0.1)
    blink = narrowing(0.9, 1.0, 1.25)
    events, _ = run(trace(3.0, eye_aperture_left=blink, eye_aperture_right=blink), guards=(quick,))
    assert events == []
    # The same closure on one eye only is not a blink: it is reported, on that side.
    events, _ = run(trace(3.0, eye_aperture_left=blink), guards=(quick,))
    assert [(e.region, e.side) for e in events] == [("eye", "left")]


def test_missing_face_frames_raise_nothing_and_end_a_warning():
    frames = trace(2.0, eye_aperture_left=narrowing(0.4, 0.5, 2.0))
    frames += [face_frame(2.0 + i / 30, 60 + i, face=False) for i in range(60)]
    events, active = run(frames)
    assert len(events) == 1 and events[0].side == "left"
    assert events[0].end_s <= 2.05  # ended at the last frame with a face, not when the loss was noticed
    assert active[-1] == set()
    nothing, _ = run([face_frame(i / 30, i, face=False) for i in range(90)])
    assert nothing == []


def test_head_turned_far_from_calibration_is_ignored():
    frames = [face_frame(i / 30, i, pose=HeadPose(25.0, 0, 0), eye_aperture_left=OPEN * 0.5) for i in range(90)]
    events, _ = run(frames)
    assert events == []


def test_a_deviation_seen_between_head_turns_builds_up_but_only_over_the_frames_seen():
    # The left eye narrows by 0.3 (1.2 times the threshold: 0.42 s of persistence) from 1.0 s, while the head
    # turns past the pose limit for 0.2 s after every 0.2 s seen.  The turned frames say nothing either way:
    # the pending deviation waits through them (it used to be dropped after 0.15 s, so it never warned),
    # and only the seen time counts, so the warning needs about twice the plain persistence.
    def turned(i: int, t: float) -> bool:
        return t >= 1.0 and (i // 6) % 2 == 1

    frames = [dataclasses.replace(f, pose=HeadPose(25.0, 0, 0)) if turned(i, f.timestamp) else f
              for i, f in enumerate(trace(3.0, eye_aperture_left=narrowing(0.3, 1.0, 2.6)))]
    events, active = run(frames)
    assert [(e.region, e.side) for e in events] == [("eye", "left")]
    first = next(i for i, keys in enumerate(active) if ("eye", "left") in keys) / 30.0
    assert 1.7 <= first <= 2.1
    # A turn longer than the face-loss limit (0.6 s) does drop it: the persistence starts again.
    frames = [dataclasses.replace(f, pose=HeadPose(25.0, 0, 0)) if 1.3 <= f.timestamp < 2.0 else f
              for f in trace(3.0, eye_aperture_left=narrowing(0.3, 1.0, 2.3))]
    events, _ = run(frames)
    assert events == []


def test_other_side_is_a_reference_when_the_affected_side_is_known():
    both = narrowing(0.35, 1.0, 2.5)
    # A natural smile narrows both eyes: with the affected side known, that is not synkinesis ...
    events, _ = run(trace(3.0, eye_aperture_left=both, eye_aperture_right=both), affected="left")
    assert events == []
    # ... but without a reference, each side is only compared with its own baseline.
    events, _ = run(trace(3.0, eye_aperture_left=both, eye_aperture_right=both))
    assert sorted(e.side for e in events) == ["left", "right"]
    # The affected eye narrowing clearly more than the other one is reported, on the affected side only.
    events, _ = run(trace(3.0, eye_aperture_left=narrowing(0.6, 1.0, 2.5), eye_aperture_right=narrowing(0.25, 1.0, 2.5)),
                    affected="left")
    assert [(e.region, e.side) for e in events] == [("eye", "left")]


def test_several_guards_on_one_region_make_one_warning_named_after_the_strongest():
    corner_up = lambda t: REST["mouth_corner_lift"] + (0.08 if 1.0 <= t < 2.0 else 0.0)
    corner_out = lambda t: REST["mouth_corner_excursion"] + (0.05 if 1.0 <= t < 2.0 else 0.0)
    events, _ = run(trace(3.0, mouth_corner_lift_right=corner_up, mouth_corner_excursion_right=corner_out),
                    guards=MOUTH, affected="right")
    assert len(events) == 1
    assert (events[0].region, events[0].side, events[0].measure) == ("mouth", "right", "mouth_corner_lift")
    assert events[0].peak == pytest.approx(0.08, abs=0.01)


def test_warning_message_uses_plain_words_and_the_patients_side():
    monitor = GuardMonitor((EYE,), resting_baseline())
    warnings = []
    for frame in trace(2.0, eye_aperture_right=narrowing(0.5, 0.2, 2.0)):
        warnings = monitor.update(frame)
    assert [w.message for w in warnings] == ["Your right eye is narrowing"]


def test_threshold_never_drops_below_resting_noise():
    squint = trace(3.0, eye_aperture_left=narrowing(0.3, 1.0, 2.0))
    steady = GuardMonitor((EYE,), resting_baseline(jitter=0.002))
    jittery = GuardMonitor((EYE,), resting_baseline(jitter=0.05))  # landmark noise ~ 15 % of the eye opening
    for frame in squint:
        steady.update(frame)
        jittery.update(frame)
    assert [e.side for e in steady.finish(3.0)] == ["left"]
    assert jittery.finish(3.0) == []


def test_warnings_only_start_while_armed():
    frames = trace(3.0, eye_aperture_left=narrowing(0.5, 1.0, 2.5))
    monitor = GuardMonitor((EYE,), resting_baseline())
    for frame in frames:
        monitor.update(frame, armed=False)  # e.g. the eye narrows while the person is not smiling
    assert monitor.finish(3.0) == []
    # Armed only from 1.5 s: the warning starts then, not at the first narrowed frame.
    monitor = GuardMonitor((EYE,), resting_baseline())
    for frame in frames:
        monitor.update(frame, armed=frame.timestamp >= 1.5)
    events = monitor.finish(3.0)
    assert [(e.side, round(e.start_s, 1)) for e in events] == [("left", 1.5)]


def test_a_pending_deviation_survives_a_dip_as_long_as_a_warning_would():
    # A pulsing hold: 0.2 s over the threshold, a quarter of a second under it, 0.2 s over again.  Neither
    # stretch alone lasts the 0.31 s that a 40 % narrowing needs, but together they do: the dip, which would
    # not end a raised warning (RELEASE_SECONDS), does not cancel the pending one either.
    def pulsing(t):
        return OPEN * 0.6 if 1.0 <= t < 1.2 or 1.45 <= t < 1.65 else OPEN

    events, _ = run(trace(3.0, eye_aperture_left=pulsing))
    assert [(e.region, e.side) for e in events] == [("eye", "left")]
    # Over for 0.2 s once is still too short.
    events, _ = run(trace(3.0, eye_aperture_left=narrowing(0.4, 1.0, 1.2)))
    assert events == []


def pulses(*spans: tuple[float, float], amount: float = 0.4):
    """The left eye narrowed by ``amount`` during each (start, end) span."""
    return lambda t: OPEN * (1 - amount) if any(a <= t < b for a, b in spans) else OPEN


def test_a_warning_raised_again_within_a_second_is_the_same_episode():
    # Warned, released (the eye opens for 0.6 s), warned again: one unwanted movement, one event over both.
    events, active = run(trace(5.0, eye_aperture_left=pulses((1.0, 2.0), (2.6, 3.6))))
    assert len(events) == 1
    assert events[0].start_s == pytest.approx(1.0, abs=0.1) and events[0].end_s == pytest.approx(3.6, abs=0.1)
    # The display is unchanged: the warning was cleared in the gap and shown again.
    shown = [("eye", "left") in keys for keys in active]
    assert shown[int(1.8 * 30)] and not shown[int(2.5 * 30)] and shown[int(3.4 * 30)]


def test_a_warning_raised_again_after_longer_is_a_new_episode():
    events, _ = run(trace(6.0, eye_aperture_left=pulses((1.0, 2.0), (3.3, 4.3))))
    assert [(round(e.start_s), round(e.end_s)) for e in events] == [(1, 2), (3, 4)]


def test_an_episode_kept_back_is_given_out_once_the_movement_stays_away_or_at_finish():
    monitor = GuardMonitor((EYE,), resting_baseline())
    frames = trace(4.0, eye_aperture_left=pulses((1.0, 2.0)))
    given = {}
    for frame in frames:
        monitor.update(frame)
        for event in monitor.pop_finished():
            given[round(frame.timestamp, 2)] = event
    (when, event), = given.items()
    assert 2.9 < when < 3.2  # ended at 2.0 s (released from about 2.07), given out a second after
    assert event.end_s == pytest.approx(2.0, abs=0.1)
    # At the end of a hold the episode is closed at once.
    monitor = GuardMonitor((EYE,), resting_baseline())
    for frame in trace(2.5, eye_aperture_left=pulses((1.0, 2.0))):
        monitor.update(frame)
    assert monitor.pop_finished() == [] and len(monitor.finish(2.5)) == 1
