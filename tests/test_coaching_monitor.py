"""The movement monitor shared by the session engine and `analyze`: arming, peaks, the face-loss rule."""

from __future__ import annotations

import dataclasses

import pytest
from synthetic_faces import REST, resting_baseline, trace

from rehabcoach.coaching.monitor import (
    CLOSURE_LONGER_THAN,
    EVIDENCE_HANG_SECONDS,
    FACE_LOST_AFTER_SECONDS,
    PUCKER_LONGER_THAN,
    FaceLoss,
    MovementMonitor,
)
from rehabcoach.coaching.types import ResolvedGuard, ResolvedTarget

EYE_GUARD = ResolvedGuard("eye", "eye_aperture", ("left", "right"), "decrease", threshold=0.25, min_duration=0.5)
SMILE = ResolvedTarget("mouth", "mouth_corner_lift", ("left", "right"), "increase", achieved=0.05)
OPEN = REST["eye_aperture"]
LIFT = REST["mouth_corner_lift"]


def during(value, start, end, rest):
    return lambda t: value if start <= t < end else rest


def headless(frames, *, affected="left", blendshapes=None, guards=(EYE_GUARD,), target=SMILE, baseline=None):
    """Runs the monitor as `analyze` does (no phases); returns the events and the armed flag per frame."""
    monitor = MovementMonitor(guards, target, baseline or resting_baseline(), affected)
    armed = []
    events = []
    for frame in frames:
        if blendshapes is not None:
            frame = dataclasses.replace(frame, blendshapes=blendshapes(frame.timestamp))
        reading = monitor.update(frame)
        armed.append(reading.armed)
        events += monitor.pop_finished()
    events += monitor.finish(frames[-1].timestamp)
    return events, armed, monitor


def test_a_tiny_smile_with_one_eye_narrowing_warns_on_that_side():
    # A gentle closed-lip smile: 0.015 IOD of corner lift, under a third of the 0.05 target (the old gate
    # needed half), while the patient's left eye narrows by 40 % and the right one stays open.
    frames = trace(4.0, mouth_corner_lift_left=during(LIFT + 0.015, 1.0, 3.5, LIFT),
                   mouth_corner_lift_right=during(LIFT + 0.015, 1.0, 3.5, LIFT),
                   eye_aperture_left=during(OPEN * 0.6, 1.3, 3.3, OPEN))
    events, armed, _ = headless(frames)
    assert [(e.region, e.side) for e in events] == [("eye", "left")]
    assert events[0].start_s == pytest.approx(1.3, abs=0.1)


def test_a_smile_alone_warns_nothing():
    frames = trace(4.0, mouth_corner_lift_left=during(LIFT + 0.05, 1.0, 3.5, LIFT),
                   mouth_corner_lift_right=during(LIFT + 0.05, 1.0, 3.5, LIFT),
                   # a natural smile narrows both eyes a little, together
                   eye_aperture_left=during(OPEN * 0.85, 1.2, 3.4, OPEN),
                   eye_aperture_right=during(OPEN * 0.85, 1.2, 3.4, OPEN))
    events, armed, _ = headless(frames)
    assert events == []
    assert any(armed)


def test_a_blink_during_a_smile_warns_nothing():
    frames = trace(4.0, mouth_corner_lift_left=during(LIFT + 0.03, 0.5, 3.5, LIFT),
                   mouth_corner_lift_right=during(LIFT + 0.03, 0.5, 3.5, LIFT),
                   eye_aperture_left=during(OPEN * 0.1, 2.0, 2.25, OPEN),
                   eye_aperture_right=during(OPEN * 0.1, 2.0, 2.25, OPEN))
    events, _, _ = headless(frames)
    assert events == []


def test_one_eye_narrowing_without_the_smile_is_no_synkinesis():
    frames = trace(4.0, eye_aperture_left=during(OPEN * 0.6, 1.0, 3.0, OPEN))
    events, armed, _ = headless(frames)
    assert events == [] and not any(armed)


def test_the_matching_blendshape_alone_arms_the_guards():
    # The corner barely moves (a palsied side, or a smile the mesh does not register as lift), but the
    # smile blendshape shows it on one side.
    frames = trace(4.0, eye_aperture_left=during(OPEN * 0.6, 1.3, 3.3, OPEN))
    events, armed, _ = headless(frames, blendshapes=lambda t: {"mouthSmileRight": 0.4 if 1.0 <= t < 3.5 else 0.0})
    assert [(e.region, e.side) for e in events] == [("eye", "left")]
    # Armed from the first frame of evidence until the hang time after it faded.
    first = armed.index(True) / 30
    last = len(armed) - 1 - armed[::-1].index(True)
    assert first == pytest.approx(1.0, abs=0.04)
    assert last / 30 == pytest.approx(3.5 + EVIDENCE_HANG_SECONDS, abs=0.05)


def test_live_arming_comes_from_the_caller_not_the_target():
    # No smile at all: a session in its move/hold phases still watches the eyes (the exercise asked).
    frames = trace(3.0, eye_aperture_right=during(OPEN * 0.55, 1.0, 2.5, OPEN))
    monitor = MovementMonitor((EYE_GUARD,), SMILE, resting_baseline(), "right")
    for frame in frames:
        monitor.update(frame, armed=True)
    events = monitor.finish(3.0)
    assert [(e.region, e.side) for e in events] == [("eye", "right")]
    monitor.begin_rep()
    for frame in frames:
        assert monitor.update(frame, armed=False).warnings == []
    assert monitor.finish(3.0) == []


def test_region_peaks_give_how_much_and_the_excess_over_the_other_side():
    frames = trace(3.0, eye_aperture_left=during(OPEN * 0.7, 1.0, 2.5, OPEN),
                   eye_aperture_right=during(OPEN * 0.9, 1.0, 2.5, OPEN))
    monitor = MovementMonitor((EYE_GUARD,), SMILE, resting_baseline(), "left")
    for frame in frames:
        monitor.update(frame, armed=True)
    peaks = {(p.region, p.side): p for p in monitor.region_peaks()}
    assert peaks[("eye", "left")].peak_deviation == pytest.approx(0.3, abs=0.02)
    assert peaks[("eye", "left")].excess_over_other == pytest.approx(0.2, abs=0.02)
    assert peaks[("eye", "right")].peak_deviation == pytest.approx(0.1, abs=0.02)
    assert peaks[("eye", "right")].excess_over_other <= 0.01
    monitor.begin_rep()
    assert monitor.region_peaks() == ()


def test_face_loss_rule():
    loss = FaceLoss()
    loss.note(0.0, True)
    loss.note(1.0, False)
    assert not loss.lost(1.0 + FACE_LOST_AFTER_SECONDS - 0.01)
    assert loss.lost(1.0 + FACE_LOST_AFTER_SECONDS)
    loss.note(1.5, True)  # a 0.5 s loss is recorded
    loss.note(2.0, False)
    loss.note(2.1, True)  # a 0.1 s hiccup is not
    loss.note(3.0, False)
    loss.close(3.5)
    assert loss.intervals == [(1.0, 1.5), (3.0, 3.5)]


def test_the_eye_guard_hears_the_squint_blendshape_too():
    # The mesh registers only a 7 % narrowing of the left lids (under the eye's own floor, 0.35 x 0.25), while
    # the left eye's squint blendshape rises by 0.45 over its rest: the guard's eye signal is the mean of both.
    from rehabcoach.coaching.guards import eye_signal, squint_rise

    rest = dataclasses.replace(resting_baseline(), blendshapes={"eyeSquintLeft": 0.05, "eyeSquintRight": 0.05})
    frames = trace(4.0, mouth_corner_lift_left=during(LIFT + 0.03, 0.5, 3.5, LIFT),
                   mouth_corner_lift_right=during(LIFT + 0.03, 0.5, 3.5, LIFT),
                   eye_aperture_left=during(OPEN * 0.93, 1.0, 3.0, OPEN))
    squinting = lambda t: {"eyeSquintLeft": 0.5 if 1.0 <= t < 3.0 else 0.05, "eyeSquintRight": 0.05}
    frames = [dataclasses.replace(f, blendshapes=squinting(f.timestamp)) for f in frames]
    lids = rest.deviation("eye_aperture", "left", OPEN * 0.93)
    assert eye_signal(lids, squint_rise(rest, frames[60], "left")) == pytest.approx(0.5 * -0.07 - 0.5 * 0.45, abs=0.01)
    monitor = MovementMonitor((EYE_GUARD,), SMILE, rest, "left")
    for frame in frames:
        monitor.update(frame)
    assert [(e.region, e.side) for e in monitor.finish(4.0)] == [("eye", "left")]
    # Without the blendshapes (an older baseline) the lids alone decide, and 7 % is not enough; 10 % is (the
    # eye's own floor is 8.75 %, just above the smallest grade, ~8 %; it used to be 11.25 %).
    def lids_alone(factor: float) -> list[tuple[str, str]]:
        events, _, _ = headless(trace(4.0, mouth_corner_lift_left=during(LIFT + 0.03, 0.5, 3.5, LIFT),
                                      mouth_corner_lift_right=during(LIFT + 0.03, 0.5, 3.5, LIFT),
                                      eye_aperture_left=during(OPEN * factor, 1.0, 3.0, OPEN)))
        return [(e.region, e.side) for e in events]

    assert lids_alone(0.93) == []
    assert lids_alone(0.90) == [("eye", "left")]


def test_an_eye_does_not_warn_while_the_other_eyes_squint_rises_more():
    # A natural pucker as in d9: the left lids close 44 %, the right 10 %, but the RIGHT eye's squint rises
    # more (0.40 against 0.30 over rest).  The guarded mean has the left eye 0.12 ahead, well past the
    # 0.25 x 0.2 margin, yet the squint, the reading that knows its side, says the other eye: no warning.
    # When the squint agrees (the left rises more), the same lids warn on the left.
    rest = dataclasses.replace(resting_baseline(), blendshapes={"eyeSquintLeft": 0.05, "eyeSquintRight": 0.05})

    def warned(left_lids: float, right_lids: float, left_rise: float, right_rise: float) -> list[tuple[str, str]]:
        frames = trace(4.0, mouth_corner_lift_left=during(LIFT + 0.03, 0.5, 3.5, LIFT),
                       mouth_corner_lift_right=during(LIFT + 0.03, 0.5, 3.5, LIFT),
                       eye_aperture_left=during(OPEN * (1 + left_lids), 1.0, 3.0, OPEN),
                       eye_aperture_right=during(OPEN * (1 + right_lids), 1.0, 3.0, OPEN))
        squints = lambda t: ({"eyeSquintLeft": 0.05 + left_rise, "eyeSquintRight": 0.05 + right_rise}
                             if 1.0 <= t < 3.0 else {"eyeSquintLeft": 0.05, "eyeSquintRight": 0.05})
        events, _, _ = headless(frames, blendshapes=squints, baseline=rest)
        return [(e.region, e.side) for e in events]

    assert warned(-0.44, -0.10, 0.30, 0.40) == []
    assert warned(-0.44, -0.10, 0.40, 0.30) == [("eye", "left")]
    # The lids have no such say: the mesh leaks a narrowing into the other eye's lids, which may then close
    # a little more (-10 % against -7 %) while only the narrowed eye's squint rises (+0.21 against -0.10).
    assert warned(-0.07, -0.10, 0.21, -0.10) == [("eye", "left")]


def test_region_peaks_report_the_lids_not_the_squint():
    # The therapist's "how much" is the eye opening itself; the squint only helps the guard compare sides.
    rest = dataclasses.replace(resting_baseline(), blendshapes={"eyeSquintLeft": 0.05, "eyeSquintRight": 0.05})
    frames = trace(3.0, eye_aperture_left=during(OPEN * 0.8, 1.0, 2.5, OPEN))
    frames = [dataclasses.replace(f, blendshapes={"eyeSquintLeft": 0.6 if 1.0 <= f.timestamp < 2.5 else 0.05,
                                                  "eyeSquintRight": 0.05}) for f in frames]
    monitor = MovementMonitor((EYE_GUARD,), SMILE, rest, "left")
    for frame in frames:
        monitor.update(frame, armed=True)
    peaks = {(p.region, p.side): p for p in monitor.region_peaks()}
    assert peaks[("eye", "left")].peak_deviation == pytest.approx(0.2, abs=0.01)
    assert [(e.side) for e in monitor.finish(3.0)] == ["left"]


MOUTH_GUARD = ResolvedGuard("mouth", "mouth_corner_lift", ("left", "right"), "increase", threshold=0.03,
                            min_duration=0.5)
CLOSURE_EXERCISE = {"guards": (MOUTH_GUARD,),
                    "target": ResolvedTarget("eye", "eye_aperture", ("left", "right"), "decrease", achieved=0.6)}


def test_a_held_eye_closure_with_a_pulling_corner_warns_but_blinks_do_not_arm():
    # Blinks (0.2 s, both eyes) while the right mouth corner is pulled up 0.06 IOD: not the practised closure.
    blinks = [(1.0, 1.2), (2.0, 2.2), (3.0, 3.2)]

    def blinking(t):
        return OPEN * 0.1 if any(a <= t < b for a, b in blinks) else OPEN

    pulled = during(LIFT + 0.06, 0.8, 3.6, LIFT)
    events, armed, _ = headless(trace(4.0, eye_aperture_left=blinking, eye_aperture_right=blinking,
                                      mouth_corner_lift_right=pulled), affected="right", **CLOSURE_EXERCISE)
    assert events == [] and not any(armed)
    # The same pull while the eyes stay closed for 2 s: armed once the closure outlasts a blink, and warned.
    closed = during(OPEN * 0.1, 1.0, 3.0, OPEN)
    events, armed, _ = headless(trace(4.0, eye_aperture_left=closed, eye_aperture_right=closed,
                                      mouth_corner_lift_right=during(LIFT + 0.06, 1.4, 3.0, LIFT)),
                                affected="right", **CLOSURE_EXERCISE)
    assert [(e.region, e.side) for e in events] == [("mouth", "right")]
    assert armed.index(True) / 30 == pytest.approx(1.0 + CLOSURE_LONGER_THAN, abs=0.04)


PUCKER = ResolvedTarget("mouth", "lip_width", ("left", "right"), "decrease", achieved=0.15)


def test_a_pucker_arms_once_held_but_the_pucker_flickers_of_speech_do_not():
    frames = trace(4.0, eye_aperture_left=during(OPEN * 0.6, 1.5, 3.5, OPEN))

    def run(pucker_level):
        events, armed, _ = headless(frames, target=PUCKER, blendshapes=lambda t: {"mouthPucker": pucker_level(t)})
        return armed, events

    # Speech: mouthPucker past the evidence level in 0.2 s flickers, 0.3 s apart.
    armed, events = run(lambda t: 0.6 if (t % 0.5) < 0.2 else 0.0)
    assert not any(armed) and events == []
    # A held pucker: armed once it has lasted PUCKER_LONGER_THAN, and the narrowing eye is warned.
    armed, events = run(lambda t: 0.6 if 1.0 <= t < 3.6 else 0.0)
    assert armed.index(True) / 30 == pytest.approx(1.0 + PUCKER_LONGER_THAN, abs=0.04)
    assert [(e.region, e.side) for e in events] == [("eye", "left")]


def test_a_held_pucker_stays_armed_through_a_one_frame_dip_of_the_evidence():
    # A held pucker whose blendshape drops for single frames every second (as the tracker does on some faces):
    # once under way, the pucker need not prove again that it is longer than speech, so the guards stay armed
    # and the narrowing eye is warned.
    frames = trace(5.0, eye_aperture_left=during(OPEN * 0.75, 1.5, 4.5, OPEN))

    def glitching(t):
        return {"mouthPucker": 0.6 if 1.0 <= t < 4.8 and round(t * 30) % 30 != 0 else 0.0}

    events, armed, _ = headless(frames, target=PUCKER, blendshapes=glitching)
    first = armed.index(True)
    last = len(armed) - 1 - armed[::-1].index(True)
    assert all(armed[first:last + 1])
    assert [(e.region, e.side) for e in events] == [("eye", "left")]


def test_an_eye_narrowing_after_the_smile_has_ended_is_not_warned():
    # Headless, the release of a movement is not watched (live, the guards disarm at the end of the hold): a
    # strong narrowing that begins a quarter of a second after the smile's evidence has gone raises nothing,
    # while the same narrowing inside the smile is warned.
    def smile_until(end):
        return lambda t: {"mouthSmileRight": 0.4 if 1.0 <= t < end else 0.0}

    late = trace(5.0, eye_aperture_left=during(OPEN * 0.4, 2.25, 4.0, OPEN))
    events, _, _ = headless(late, blendshapes=smile_until(2.0))
    assert events == []
    events, _, _ = headless(late, blendshapes=smile_until(4.0))
    assert [(e.region, e.side) for e in events] == [("eye", "left")]
