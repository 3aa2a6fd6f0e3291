"""Evaluation logic on hand-made data: finding smiles and closures in traces, building cases, replaying
them with warps, and scoring events (detections, false alarms per minute, the plain threshold detector)."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from lab import eval_cases
from lab.__main__ import main
from lab.eval_cases import (
    Case,
    ClipTrace,
    Movement,
    WarpedSource,
    brief_cases,
    build_cases,
    calibration_window,
    closure_intervals,
    closures_with_resting_mouth,
    find_intervals,
    place_closures,
    smile_intervals,
    smiles_with_open_eyes,
    split_long,
)
from lab.evaluate import (
    CaseResult,
    Score,
    overlaps,
    score_events,
    select_cases,
    threshold_events,
    totals,
    write_json,
)
from rehabcoach.coaching.types import Baseline, MovementEvent, ResolvedGuard
from rehabcoach.vision.types import HeadPose

FPS = 10.0


def make_trace(seconds: float, *, smiles=(), closures=(), blinks=(), no_face=(), name="clip.mp4",
               landmarks: np.ndarray | None = None) -> ClipTrace:
    """A trace at 10 fps: smile/blink blendshapes 0.9 inside the given (start, end) spans, 0.05 elsewhere."""
    n = int(round(seconds * FPS))
    times = np.arange(n) / FPS
    smile = np.full((n, 2), 0.05)
    blink = np.full((n, 2), 0.05)
    face = np.ones(n, dtype=bool)
    for a, b in smiles:
        smile[(times >= a) & (times < b)] = 0.9
    for a, b in list(closures) + list(blinks):
        blink[(times >= a) & (times < b)] = 0.9
    for a, b in no_face:
        face[(times >= a) & (times < b)] = False
    lms = np.zeros((n, 478, 3), dtype=np.float32) if landmarks is None else np.repeat(landmarks[None], n, 0)
    return ClipTrace(name=name, fps=FPS, times=times, face=face, landmarks=lms.astype(np.float32), smile=smile,
                     blink=blink, eye_aperture=np.full((n, 2), 0.3), mouth_corner_lift=np.full((n, 2), -1.0))


def event(region, side, start, end, peak=-0.3):
    return MovementEvent(region=region, side=side, measure="eye_aperture", start_s=start, end_s=end, peak=peak,
                         threshold=0.25)


# -- traces -------------------------------------------------------------------------------------------
def test_find_intervals_merges_short_dips_and_drops_short_runs():
    times = np.arange(50) / FPS
    active = np.zeros(50, dtype=bool)
    active[10:20] = True  # 1.0-2.0 s
    active[22:30] = True  # 2.2-3.0 s: a 0.2 s dip, merged
    active[40:43] = True  # 0.3 s: too short
    assert find_intervals(times, active, min_seconds=0.5, merge_gap=0.25) == [(1.0, 3.0)]
    assert find_intervals(times, active, min_seconds=0.5, merge_gap=0.1) == [(1.0, 2.0), (2.2, 3.0)]
    active[45:] = True  # still on at the end: closes one frame after the last
    assert find_intervals(times, active, min_seconds=0.5, merge_gap=0.1)[-1] == (4.5, pytest.approx(5.0))


def test_smiles_and_deliberate_closures_are_found_but_not_blinks():
    trace = make_trace(12, smiles=[(3.0, 5.0), (8.0, 8.3)], closures=[(6.0, 7.0)], blinks=[(2.0, 2.2), (9.0, 9.4)])
    assert smile_intervals(trace) == [(3.0, 5.0)]  # the 0.3 s flicker is no smile
    assert closure_intervals(trace) == [(6.0, 7.0)]  # blinks of 0.2 and 0.4 s are not closures


def test_smiles_with_shut_eyes_carry_no_narrowing_and_smiling_closures_are_no_gentle_closure():
    # Laughing with the eyes shut (4-6 s), a smile with open eyes (8-10 s), a closure at rest (12-13 s).
    trace = make_trace(15, smiles=[(4.0, 6.0), (8.0, 10.0)], closures=[(4.0, 6.0), (12.0, 13.0)])
    assert smiles_with_open_eyes(trace) == [(8.0, 10.0)]
    assert closures_with_resting_mouth(trace) == [(12.0, 13.0)]


def test_a_smile_needs_both_sides():
    trace = make_trace(8)
    trace.smile[30:60, 0] = 0.9  # one-sided smile (patient's right only)
    assert smile_intervals(trace) == []


def test_calibration_window_is_the_clip_start_when_it_rests_else_a_resting_stretch():
    assert calibration_window(make_trace(10, smiles=[(4.0, 6.0)], blinks=[(0.5, 0.7)])) is None
    window = calibration_window(make_trace(10, smiles=[(0.5, 2.5), (6.5, 9.0)]))
    assert window is not None
    start, end = window
    assert 2.5 <= start < end <= 6.5
    assert end - start == pytest.approx(eval_cases.CALIBRATION_SECONDS)


def test_a_pucker_is_not_a_resting_face_to_calibrate_on():
    # A clip that opens with a pucker held still (the calibrator does not reject a face that does not move):
    # its start is not calibrated on; the resting stretch after the pucker is looped in front instead.
    trace = make_trace(10, smiles=[(6.5, 9.0)])
    trace.pucker = np.full(len(trace.times), 0.05)
    trace.pucker[trace.times < 1.2] = 0.9
    window = calibration_window(trace)
    assert window is not None
    start, end = window
    assert 1.2 <= start < end <= 6.5
    trace.pucker[:] = 0.05
    assert calibration_window(trace) is None


def test_closures_are_placed_inside_stretches_and_apart():
    placed = place_closures([(0.0, 6.0), (10.0, 11.0)], seconds=1.6, gap=1.2)
    assert placed == [(0.2, 1.8), (3.0, 4.6)]  # the 1 s stretch holds none


# -- cases ----------------------------------------------------------------------------------------------
def test_smile_cases_narrow_the_affected_eye_during_smiles_and_controls_induce_nothing():
    trace = make_trace(12, smiles=[(3.0, 5.0), (7.0, 9.0)])
    cases = {c.name: c for c in build_cases(trace, exercises=["gentle-smile"])}
    assert set(cases) == {"clip-smile-left", "clip-smile-left-control", "clip-smile-right", "clip-smile-right-control"}
    case = cases["clip-smile-left"]
    assert case.lead_in == 0.0 and case.calibration is None  # the clip starts at rest
    assert case.induced == [(3.0, 5.0), (7.0, 9.0)]
    assert all(m.kind == "narrow_eye" and m.side == "left" for m in case.movements)
    assert [m.amount for m in case.movements] == list(eval_cases.EYE_REDUCTIONS[:2])
    assert cases["clip-smile-right"].induced_movements[0].side == "right"
    assert cases["clip-smile-left-control"].induced == [] and cases["clip-smile-left-control"].control


def test_cases_shift_by_the_calibration_lead_in_when_the_clip_starts_smiling():
    trace = make_trace(12, smiles=[(0.3, 2.0), (7.0, 9.0)])
    case = next(c for c in build_cases(trace, exercises=["gentle-smile"]) if c.name == "clip-smile-left")
    assert case.calibration is not None
    assert case.lead_in == pytest.approx(1.5)  # the judge's calibration time
    # Both smiles count: the clip's own start is scored, the looped window in front is the calibration.
    assert case.induced == [(pytest.approx(1.8), pytest.approx(3.5)), (pytest.approx(8.5), pytest.approx(10.5))]
    assert case.clip_time(8.5) == pytest.approx(7.0)


def test_closure_cases_use_real_closures_and_add_synthetic_ones_in_quiet_stretches():
    trace = make_trace(14, closures=[(3.0, 4.0)], smiles=[(5.0, 6.0)])
    case = next(c for c in build_cases(trace, exercises=["gentle-eye-closure"]) if c.name == "clip-closure-right")
    assert case.closures == "real+synthetic"
    assert (3.0, 4.0) in case.induced
    synthetic = [m for m in case.movements if m.kind == "close_eyes"]
    assert synthetic, "quiet stretches after 6 s get warped closures"
    assert all(m.start >= 6.0 or m.end <= 2.7 for m in synthetic)  # clear of the real closure and the smile
    # Every closure, real or warped, carries a mouth pull on the affected side only.
    assert sorted(case.induced) == sorted([(3.0, 4.0)] + [(m.start, m.end) for m in synthetic])
    assert all(m.side == "right" for m in case.induced_movements)
    cases = {c.name: c for c in build_cases(trace, exercises=["gentle-eye-closure"])}
    control = cases["clip-closure-right-control"]
    assert control.induced == [] and [m.kind for m in control.movements] == ["close_eyes"] * len(synthetic)
    untouched = cases["clip-closure-right-untouched"]
    assert untouched.control and untouched.movements == ()


def test_long_smiles_carry_several_narrowings_with_untouched_smiling_between():
    assert split_long([(1.0, 3.0), (10.0, 17.0)], longer_than=4.0, piece=1.8, gap=1.5) == [
        (1.0, 3.0), (10.0, 11.8), (13.3, 15.1)]
    trace = make_trace(20, smiles=[(4.0, 12.5)])
    case = next(c for c in build_cases(trace, exercises=["gentle-smile"]) if c.name == "clip-smile-left")
    assert len(case.induced) == 3
    assert all(b - a == pytest.approx(eval_cases.SPLIT_PIECE_SECONDS) for a, b in case.induced)
    assert all(4.0 <= a and b <= 12.5 for a, b in case.induced)


def test_brief_narrowings_sit_at_the_smiles_strongest_open_eyed_frame():
    # Two smiles; the first is strongest at 4.5 s, but a blink covers 4.3-4.7 s, so its narrowing goes to the
    # strongest frames whose window has the eyes open (3.9-4.1 s); the second has no blink and goes to its peak.
    trace = make_trace(14, smiles=[(3.0, 5.5), (8.0, 10.0)], blinks=[(4.3, 4.7)])
    trace.smile[(trace.times >= 3.9) & (trace.times < 4.2)] = 0.95
    trace.smile[(trace.times >= 4.4) & (trace.times < 4.6)] = 0.99
    trace.smile[(trace.times >= 9.0) & (trace.times < 9.2)] = 0.97
    cases = {c.name: c for c in brief_cases(trace, exercises=["gentle-smile"])}
    assert set(cases) == {"clip-smile-left-brief", "clip-smile-right-brief"}
    left = cases["clip-smile-left-brief"]
    assert not left.control and left.kind == "natural" and left.twin == "clip-smile-left-control"
    first, second = left.induced_movements
    assert (first.end - first.start, second.end - second.start) == (pytest.approx(0.4), pytest.approx(0.6))
    assert first.start == pytest.approx(3.7)  # centred on the first of its strongest open-eyed frames (3.9 s)
    assert second.start == pytest.approx(8.7)  # 0.6 s centred on its peak (9.0 s)
    assert first.ramp == eval_cases.BRIEF_RAMP_SECONDS
    # The other side gets the next lengths and amounts, so both sides see every length.
    right = cases["clip-smile-right-brief"].induced_movements
    assert [round(m.end - m.start, 3) for m in right] == [0.6, 0.8]
    assert right[0].amount != first.amount
    # The same frames as the natural case's control, which grades them.
    control = next(c for c in build_cases(trace, exercises=["gentle-smile"]) if c.name == left.twin)
    assert (control.calibration, control.lead_in) == (left.calibration, left.lead_in)


def test_brief_pulls_sit_in_the_middle_of_each_closure():
    trace = make_trace(12, smiles=[(1.8, 2.6)], closures=[(3.0, 4.0)])
    case = brief_cases(trace, exercises=["gentle-eye-closure"], sides=["right"])[0]
    assert case.name == "clip-closure-right-brief" and case.twin == "clip-closure-right-control"
    real = next(m for m in case.induced_movements if m.start < 4.0)
    assert (real.start, real.end) == (pytest.approx(3.3), pytest.approx(3.7))
    assert all(m.kind == "pull_mouth" and m.side == "right" for m in case.induced_movements)
    # The warped closures the natural case shows are shown here too, each with a pull inside it.
    closures = [m for m in case.movements if m.kind == "close_eyes"]
    assert closures and all(any(c.start < m.start and m.end < c.end for c in closures)
                            for m in case.induced_movements if m is not real)


def test_select_cases_by_substring_or_glob():
    cases = build_cases(make_trace(12, smiles=[(3.0, 5.0)]), exercises=["gentle-smile"])
    assert [c.name for c in select_cases(cases, ["left"])] == ["clip-smile-left", "clip-smile-left-control"]
    assert [c.name for c in select_cases(cases, ["*-control"])] == ["clip-smile-left-control", "clip-smile-right-control"]
    assert select_cases(cases, ["nothing-like-this"]) == []
    assert len(select_cases(cases, None)) == 4


# -- replay ----------------------------------------------------------------------------------------------
def write_video(path: Path, frames: int, size=(160, 120)) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, size)
    assert writer.isOpened()
    for i in range(frames):
        image = np.full((size[1], size[0], 3), 200, dtype=np.uint8)
        cv2.putText(image, str(i), (5, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 2)  # which frame this is
        image[50:53, 100:130] = 20  # the patient's left eye's lids (image right)
        image[67:70, 100:130] = 20
        writer.write(image)
    writer.release()


def test_warped_source_loops_the_calibration_window_then_plays_the_clip_with_its_warps(tmp_path):
    video = tmp_path / "clip.avi"
    write_video(video, 30)
    landmarks = np.full((478, 3), 0.5)
    from rehabcoach.vision.landmarks import SIDE_LANDMARKS
    for side, cx in (("right", 45.0), ("left", 115.0)):
        lm = SIDE_LANDMARKS[side]
        landmarks[lm.eye_outer, :2] = (cx + 20 if side == "left" else cx - 20, 60)
        landmarks[lm.eye_inner, :2] = (cx - 20 if side == "left" else cx + 20, 60)
        for up, low in zip(lm.upper_lid, lm.lower_lid):
            landmarks[up, :2], landmarks[low, :2] = (cx, 51.5), (cx, 68.5)
    landmarks[:, 0] /= 160
    landmarks[:, 1] /= 120
    trace = make_trace(3.0, landmarks=landmarks.astype(np.float32))
    case = Case("clip-smile-left", "clip.avi", "gentle-smile", "left", False, (1.0, 1.5), 1.0,
                (Movement("narrow_eye", "left", 2.0, 3.5, 0.5),))
    with WarpedSource(video, case, trace) as source:
        frames = list(source)
        assert source.frame_count == 40
    assert len(frames) == 40
    assert [f.timestamp for f in frames] == pytest.approx([i / FPS for i in range(40)])
    assert [f.index for f in frames] == list(range(40))

    def lid_rows(image):
        return np.nonzero(image[40:80, 110:120, 0].mean(axis=1) < 110)[0]

    plain = lid_rows(frames[0].image)
    # Lead-in: clip frames 10..14 (1.0-1.5 s) twice, untouched; the clip then starts again from frame 0.
    reference = cv2.VideoCapture(str(video))
    clip = [reference.read()[1] for _ in range(30)]
    reference.release()
    for i, expected in enumerate([10, 11, 12, 13, 14] * 2 + list(range(30))):
        if not 2.0 < i / FPS < 3.5:
            assert np.array_equal(frames[i].image, clip[expected]), f"frame {i} should be clip frame {expected}"
    # Inside the movement the left eye's lids are squeezed together; the right eye's are not.
    held = frames[28].image  # t = 2.8 s: fully engaged
    squeezed = lid_rows(held)
    assert squeezed.max() - squeezed.min() < (plain.max() - plain.min()) * 0.75
    assert np.array_equal(held[:, :80], clip[18][:, :80])


# -- scoring ---------------------------------------------------------------------------------------------
def test_overlap_needs_shared_time():
    assert overlaps(event("eye", "left", 1.0, 2.0), (1.5, 3.0))
    assert overlaps(event("eye", "left", 1.0, 5.0), (2.0, 3.0))
    assert not overlaps(event("eye", "left", 1.0, 2.0), (2.0, 3.0))
    assert not overlaps(event("eye", "left", 3.5, 4.0), (2.0, 3.0))


def test_detection_needs_region_side_and_overlap_and_false_alarms_are_per_minute():
    induced = [(10.0, 12.0), (20.0, 22.0), (30.0, 32.0)]
    events = [
        event("eye", "left", 11.0, 13.0),  # detects the first
        event("eye", "right", 20.5, 21.0),  # wrong side: neither a detection nor (on the other side) an alarm
        event("mouth", "left", 20.5, 21.0),  # wrong region: no detection, but it overlaps: not an alarm
        event("eye", "left", 40.0, 41.0),  # away from any induced movement: false alarm
        event("mouth", "left", 50.0, 50.6),  # any region on the affected side: false alarm
        event("eye", "right", 55.0, 56.0),  # other side: ignored
    ]
    score = score_events(events, region="eye", side="left", induced=induced, scored_seconds=120.0)
    assert (score.induced, score.detected) == (3, 1)
    assert score.missed == [(20.0, 22.0), (30.0, 32.0)]
    assert score.false_alarms == 2
    assert [e.start_s for e in score.alarms] == [40.0, 50.0]
    assert score.minutes == pytest.approx(2.0)
    assert score.false_alarms_per_minute == pytest.approx(1.0)
    assert score.detection_rate == pytest.approx(1 / 3)


def test_one_event_spanning_two_movements_detects_both():
    score = score_events([event("eye", "left", 1.0, 10.0)], region="eye", side="left",
                         induced=[(2.0, 3.0), (5.0, 6.0)], scored_seconds=60)
    assert score.detected == 2 and score.false_alarms == 0


def test_controls_count_every_affected_side_event():
    score = score_events([event("eye", "left", 1.0, 2.0), event("brow", "left", 4.0, 5.0)], region="eye",
                         side="left", induced=[], scored_seconds=30)
    assert score.detection_rate is None
    assert score.false_alarms_per_minute == pytest.approx(4.0)


def test_scores_add_up():
    a, b = Score(induced=10, detected=9, false_alarms=1, minutes=1.0), Score(induced=10, detected=10, minutes=1.0)
    total = Score()
    total.add(a)
    total.add(b)
    assert (total.induced, total.detected, total.false_alarms, total.minutes) == (20, 19, 1, 2.0)
    assert total.detection_rate == pytest.approx(0.95) and total.false_alarms_per_minute == pytest.approx(0.5)


def test_totals_group_by_exercise_and_side_with_everything_last():
    def result(name, exercise, side, induced, detected, alarms):
        case = Case(name, "clip.mp4", exercise, side, induced == 0, None, 0.0)
        engine = Score(induced=induced, detected=detected, false_alarms=alarms, minutes=0.5)
        return CaseResult(case, engine, Score(induced=induced, detected=induced, false_alarms=9, minutes=0.5),
                          [], 2.0, 32.0, 1.0, [], [], 0)

    groups = totals([result("a", "gentle-smile", "left", 2, 1, 0), result("b", "gentle-smile", "right", 2, 2, 1),
                     result("c", "gentle-eye-closure", "left", 0, 0, 2)])
    assert list(groups) == ["gentle-smile", "gentle-smile left", "gentle-smile right", "gentle-eye-closure",
                            "gentle-eye-closure left", "all"]
    engine, plain = groups["gentle-smile"]
    assert (engine.induced, engine.detected, engine.false_alarms, engine.minutes) == (4, 3, 1, 1.0)
    assert (plain.detected, plain.false_alarms) == (4, 18)
    assert groups["gentle-smile left"][0].detection_rate == 0.5
    engine, _ = groups["all"]
    assert (engine.induced, engine.detected, engine.false_alarms) == (4, 3, 3)
    assert engine.false_alarms_per_minute == pytest.approx(2.0)


def baseline_at_rest() -> Baseline:
    return Baseline(
        measures={"eye_aperture": {"left": 0.30, "right": 0.30}},
        noise={"eye_aperture": {"left": 0.005, "right": 0.005}},
        pose=HeadPose(0, 0, 0), frames=30,
    )


def test_plain_threshold_detector_fires_on_every_run_of_frames_past_the_threshold():
    guard = ResolvedGuard(region="eye", measure="eye_aperture", sides=("left", "right"), direction="decrease",
                          threshold=0.25, min_duration=0.5)
    left = [0.30, 0.20, 0.21, 0.30, 0.20, 0.30, 0.30, 0.10, 0.10, 0.10]  # -33 %, -30 %, then -33 % x1, then -67 %
    times = [i * 0.1 for i in range(len(left))]
    measures = [{"eye_aperture": {"left": value, "right": 0.30}} for value in left]
    measures[5] = None  # a frame without a face ends nothing by itself but is never "on"
    events = threshold_events(times, measures, baseline_at_rest(), [guard])
    assert [(e.region, e.side) for e in events] == [("eye", "left")] * 3
    assert [round(e.start_s, 2) for e in events] == [0.1, 0.4, 0.7]
    assert [round(e.end_s, 2) for e in events] == [0.3, 0.5, 1.0]  # the last one runs to the end
    assert events[2].peak == pytest.approx(-2 / 3)
    # Widening is not what this guard watches.
    wide = [{"eye_aperture": {"left": 0.5, "right": 0.5}}] * 3
    assert threshold_events([0, 0.1, 0.2], wide, baseline_at_rest(), [guard]) == []


# -- output and command ------------------------------------------------------------------------------------
def test_json_is_written_whole_and_private(tmp_path):
    out = tmp_path / "eval.json"
    write_json(out, {"a": 1})
    assert out.read_text() == '{\n  "a": 1\n}\n'
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["eval.json"]


def test_first_pass_cache_is_private_and_round_trips(tmp_path):
    trace = make_trace(3.0, smiles=[(1.0, 2.0)])
    path = tmp_path / "trace.npz"
    trace.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["trace.npz"]
    loaded = ClipTrace.load(path)
    assert loaded.name == "clip.mp4" and loaded.fps == FPS
    assert np.array_equal(loaded.smile, trace.smile) and np.array_equal(loaded.face, trace.face)
    assert smile_intervals(loaded) == [(1.0, 2.0)]


def test_command_reports_a_missing_media_folder_plainly(tmp_path, capsys):
    assert main(["evaluate", "--media", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("rehabcoach: error: media folder not found") and "Traceback" not in err
    assert main(["evaluate", "--media", str(tmp_path)]) == 1
    assert "none of the evaluation clips" in capsys.readouterr().err


def test_cache_fingerprints_fall_back_to_the_version_in_a_bundle_without_sources(monkeypatch):
    """A PyInstaller bundle carries no .py files: importing the evaluation must not fail there."""
    normal = eval_cases._replay_code()

    def no_source(*_args, **_kwargs):
        raise OSError("could not get source code")

    monkeypatch.setattr(eval_cases.inspect, "getsource", no_source)
    monkeypatch.setattr(eval_cases.Path, "read_bytes", no_source)
    bundled = eval_cases._replay_code()
    assert bundled != normal and len(bundled) == 12
    assert eval_cases._measure_code() != eval_cases.measure_code_version()


def test_threshold_overrides_are_parsed_and_mistakes_named():
    from lab.evaluate_command import parse_thresholds
    from rehabcoach.errors import UserError

    assert parse_thresholds(["eye_aperture=0.2", "mouth_corner_lift = 0.03"]) == {
        "eye_aperture": 0.2, "mouth_corner_lift": 0.03}
    assert parse_thresholds([]) == {}
    for bad in ("eye_aperture", "eye_aperture=abc", "=0.2x"):
        with pytest.raises(UserError, match="MEASURE=VALUE"):
            parse_thresholds([bad])


# -- held cases ----------------------------------------------------------------------------------------------
def test_ping_pong_turns_at_the_ends_without_repeating_them():
    from lab.eval_cases import ping_pong

    assert ping_pong(3, 5, 9) == [3, 4, 5, 4, 3, 4, 5, 4, 3]
    assert ping_pong(7, 7, 3) == [7, 7, 7]


def test_held_timeline_rests_then_onsets_then_holds_around_the_peak_then_releases():
    from lab.eval_cases import held_timeline

    # A smile from 4.0 to 6.0 s peaking at 5.0 s, rest from 0.5 to 2.0 s, 10 fps, 100 frames.
    held = held_timeline((0.5, 2.0), FPS, 100, (4.0, 6.0), 5.0, 3.0)
    frames = list(held.frames)
    lead = int(np.ceil((eval_cases.CALIBRATION_SECONDS + eval_cases.REST_AFTER_CALIBRATION) * FPS))
    assert all(5 <= i < 20 for i in frames[:lead])  # the resting stretch, looped
    hold_from, hold_to = int(round(held.hold_start * FPS)), int(round(held.hold_end * FPS))
    assert hold_to - hold_from == 30  # 3 s at 10 fps
    onset = frames[lead:hold_from]
    assert onset == list(range(34, 48))  # 0.6 s before the smile starts, forwards, up to the hold window
    hold = frames[hold_from:hold_to]
    assert min(hold) == 48 and max(hold) == 52  # within HOLD_WINDOW (0.25 s) of the peak, frame 50
    assert sum(1 for a, b, c in zip(hold, hold[1:], hold[2:]) if (b - a) * (c - b) < 0) >= 5  # back and forth
    release = frames[hold_to:]
    assert release == list(range(hold[-1] + 1, 67))  # forwards from where the hold stopped, 0.6 s past the end
    assert held.hold_start == pytest.approx((lead + len(onset)) / FPS)


def held_trace() -> ClipTrace:
    trace = make_trace(20, smiles=[(4.0, 6.0)])
    trace.pucker = np.full(len(trace.times), 0.05)
    trace.pucker[(trace.times >= 9.0) & (trace.times < 10.5)] = 0.8  # a pucker
    trace.pucker[(trace.times >= 13.0) & (trace.times < 13.2)] = 0.9  # speech: a flicker, no pucker
    return trace


def test_puckers_are_found_but_not_speech_flickers():
    from lab.eval_cases import pucker_intervals

    assert pucker_intervals(held_trace()) == [(9.0, 10.5)]
    assert pucker_intervals(make_trace(5)) == []  # a trace without mouthPucker has no puckers


def test_natural_puckers_narrow_one_eye_with_the_untouched_clip_as_twin():
    from lab.evaluate import clip_cases

    trace = held_trace()
    cases = {c.name: c for c in build_cases(trace, exercises=["lip-pucker"])}
    assert set(cases) == {"clip-pucker-left", "clip-pucker-right", "clip-pucker-left-untouched",
                          "clip-pucker-right-untouched"}
    induced = cases["clip-pucker-left"]
    assert induced.kind == "natural" and induced.twin == "clip-pucker-left-untouched"
    assert [(m.kind, m.side, m.start, m.end) for m in induced.movements] == [("narrow_eye", "left", 9.0, 10.5)]
    twin = cases[induced.twin]
    assert twin.control and twin.movements == () and (twin.calibration, twin.lead_in) == (induced.calibration,
                                                                                          induced.lead_in)
    # The clip's cases hold that control once, not again as the untouched lip-pucker control.
    names = [c.name for c in clip_cases(trace, 0)]
    assert names.count("clip-pucker-left-untouched") == 1 and "clip-pucker-left" in names
    # Without puckers there is no induced pucker case; the untouched control still comes from untouched_cases.
    plain = [c.name for c in clip_cases(make_trace(12, smiles=[(3.0, 5.0)]), 0) if "pucker" in c.name]
    assert plain == ["clip-pucker-left-untouched", "clip-pucker-right-untouched"]


def test_held_cases_induce_during_the_hold_on_each_side_and_have_untouched_twins():
    from lab.eval_cases import held_cases

    cases = {c.name: c for c in held_cases(held_trace())}
    assert {"clip-held-smile1-left", "clip-held-smile1-right", "clip-held-smile1-control-left",
            "clip-held-smile1-control-right", "clip-held-pucker1-left", "clip-held-closure1-left"} <= set(cases)
    for short, exercise in (("smile", "gentle-smile"), ("pucker", "lip-pucker")):
        case = cases[f"clip-held-{short}1-left"]
        twin = cases[case.twin]
        assert case.exercise == exercise and case.kind == "held" and case.region == "eye" and not case.control
        assert twin.control and twin.timeline == case.timeline and twin.induced == []
        (movement,) = case.induced_movements
        assert movement.kind == "narrow_eye" and movement.side == "left"
        # The hold: the clip frames around the peak, shown again and again while the warp is on.
        shown = [case.timeline[int(round(t * FPS))] for t in np.arange(movement.start, movement.end, 1 / FPS)]
        assert len(set(shown)) <= 2 * round(eval_cases.HOLD_WINDOW * FPS) + 1
        assert eval_cases.HOLD_SECONDS[0] - 0.5 <= movement.end - movement.start <= eval_cases.HOLD_SECONDS[-1]
        assert movement.onset == pytest.approx(movement.start + eval_cases.HELD_RAMP_SECONDS / 2)
        # Both sides are induced, with different amounts.
        assert cases[f"clip-held-{short}1-right"].induced_movements[0].amount != movement.amount
    # No real closure in the clip: both eyes are warped shut on a quiet stretch, the pull inside the closure.
    closure = cases["clip-held-closure1-left"]
    (shut,) = [m for m in closure.movements if m.kind == "close_eyes"]
    (pull,) = closure.induced_movements
    assert pull.kind == "pull_mouth" and shut.start < pull.start and pull.end <= shut.end
    assert [m.kind for m in cases[closure.twin].movements] == ["close_eyes"]


def test_warped_source_plays_a_held_timeline_back_and_forth(tmp_path):
    video = tmp_path / "clip.avi"
    write_video(video, 30)
    trace = make_trace(3.0)
    timeline = (2, 3, 4, 10, 11, 12, 11, 10, 11, 12, 13, 29, 5)
    case = Case("clip-held-smile1-left", "clip.avi", "gentle-smile", "left", False, (0.2, 0.5), 0.0,
                kind="held", timeline=timeline, fps=FPS)
    with WarpedSource(video, case, trace) as source:
        frames = list(source)
        assert source.frame_count == len(timeline)
    reference = cv2.VideoCapture(str(video))
    clip = [reference.read()[1] for _ in range(30)]
    reference.release()
    assert [f.index for f in frames] == list(range(len(timeline)))
    for frame, expected in zip(frames, timeline):
        assert np.array_equal(frame.image, clip[expected])
    assert case.clip_time(0.5) == pytest.approx(1.2)  # replay frame 5 shows clip frame 12


# -- grades, latency, sets ---------------------------------------------------------------------------------------
def test_grades_bin_the_registered_excess():
    from lab.evaluate import grade_of

    assert [grade_of(x, "narrow_eye") for x in (0.02, 0.05, 0.08, 0.115, 0.2, None)] == [
        "below", "mild", "mild", "moderate", "moderate", "ungraded"]
    assert [grade_of(x, "pull_mouth") for x in (0.01, 0.02, 0.05)] == ["below", "mild", "moderate"]


def eye_result(case: Case, left: list[float], right: list[float], events=(), engine: Score | None = None) -> CaseResult:
    """A CaseResult whose frames (10 fps) carry the given eye apertures (rest 0.3 on both sides)."""
    measures = [{"eye_aperture": {"left": a, "right": b}} for a, b in zip(left, right)]
    times = [i / FPS for i in range(len(left))]
    return CaseResult(case, engine or Score(), Score(), list(events), 1.5, len(left) / FPS, 0.0, [], [], 0,
                      times=times, measures=measures, baseline=baseline_at_rest())


def test_registered_excess_is_the_affected_sides_extra_narrowing_against_the_twin():
    from lab.evaluate import assign_grades

    movement = Movement("narrow_eye", "left", 1.0, 3.0, 0.4, ramp=0.2)
    case = Case("c-left", "clip.mp4", "gentle-smile", "left", False, None, 0.0, (movement,), twin="c-control-left")
    twin_case = Case("c-control-left", "clip.mp4", "gentle-smile", "left", True, None, 0.0)
    # The twin smiles: both eyes at 0.24.  Warped, the left eye drops to 0.18 and the mesh leaks 0.015 into the right.
    plain_left = plain_right = [0.3] * 8 + [0.24] * 25
    warped_left = [0.3] * 8 + [0.18] * 25
    warped_right = [0.3] * 8 + [0.225] * 25
    result = eye_result(case, warped_left, warped_right)
    twin = eye_result(twin_case, plain_left, plain_right)
    assign_grades([result, twin])
    # (-0.015 / 0.3) on the other side minus (-0.06 / 0.3) on the affected side = 0.15.
    assert result.excess == [pytest.approx(0.15)]
    assert result.grades == ["moderate"]
    alone = eye_result(case, warped_left, warped_right)
    assign_grades([alone])  # the twin was not run: nothing to grade against
    assert alone.grades == ["ungraded"]


def test_sideways_pulls_are_the_same_cases_with_other_replays_graded_by_the_excursion(tmp_path):
    from lab.eval_cases import replay_key, with_mouth_pull
    from lab.evaluate import assign_grades

    closure = Movement("close_eyes", None, 0.5, 4.0, 0.9)
    pull = Movement("pull_mouth", "left", 1.0, 3.0, 0.08, ramp=0.2)
    case = Case("c-left", "clip.mp4", "gentle-eye-closure", "left", False, None, 0.0, (closure, pull),
                twin="c-control-left")
    twin_case = Case("c-control-left", "clip.mp4", "gentle-eye-closure", "left", True, None, 0.0, (closure,))
    sideways, twin_again = with_mouth_pull([case, twin_case], "sideways")
    assert [m.kind for m in sideways.movements] == ["close_eyes", "pull_mouth_sideways"]
    assert sideways.induced_movements == [replace(pull, kind="pull_mouth_sideways")]
    assert sideways.induced == case.induced and twin_again == twin_case
    (tmp_path / "clip.mp4").write_bytes(b"frames")
    assert replay_key(sideways, tmp_path) != replay_key(case, tmp_path)  # other frames, another replay
    assert replay_key(twin_again, tmp_path) == replay_key(twin_case, tmp_path)  # the twin's frames are the same

    # Graded by how much further out the pulled corner went than the other, against the twin: a sideways pull
    # hardly lifts the corner, so the lift would grade it as nothing.
    def mouth_result(c: Case, lift: float, out_left: float, out_right: float) -> CaseResult:
        measures = [{"mouth_corner_lift": {"left": lift, "right": lift},
                     "mouth_corner_excursion": {"left": out_left if 1.0 <= i / FPS < 3.0 else 0.45,
                                                "right": out_right if 1.0 <= i / FPS < 3.0 else 0.45}}
                    for i in range(40)]
        return CaseResult(c, Score(), Score(), [], 1.5, 4.0, 0.0, [], [], 0, times=[i / FPS for i in range(40)],
                          measures=measures, baseline=baseline_at_rest())

    for warped in (sideways, case):
        result = mouth_result(warped, 0.1, 0.50, 0.47)  # the mesh widens the whole mouth: +0.05 here, +0.02 there
        assign_grades([result, mouth_result(twin_case, 0.1, 0.45, 0.45)])
        if warped is sideways:
            assert result.excess == [pytest.approx(0.03)] and result.grades == ["mild"]
        else:
            assert result.excess == [pytest.approx(0.0)] and result.grades == ["below"]


def test_onset_latency_runs_from_half_the_warp_to_the_first_matching_event():
    from lab.evaluate import onset_latencies

    movements = (Movement("narrow_eye", "left", 2.0, 5.0, 0.4, ramp=0.3), Movement("narrow_eye", "left", 8.0, 9.0, 0.4),
                 Movement("narrow_eye", "left", 12.0, 13.0, 0.4))
    case = Case("c", "clip.mp4", "gentle-smile", "left", False, None, 0.0, movements)
    assert movements[0].onset == pytest.approx(2.15)
    events = [event("eye", "left", 2.5, 4.0), event("eye", "left", 3.0, 3.5), event("eye", "right", 8.0, 8.5),
              event("mouth", "left", 8.0, 8.5), event("eye", "left", 11.5, 12.5)]
    latencies = onset_latencies(events, case)
    assert latencies[0] == pytest.approx(0.35)
    assert latencies[1] is None  # other side or other region only: missed
    assert latencies[2] == pytest.approx(11.5 - 12.1)  # already on at the onset: negative


def test_warning_latency_is_when_the_warning_is_on_not_when_the_event_was_backdated_to():
    from lab.evaluate import warning_latencies
    from rehabcoach.analysis.analyze import FrameRow

    movement = Movement("narrow_eye", "left", 2.0, 5.0, 0.4, ramp=0.2)
    case = Case("c", "clip.mp4", "gentle-smile", "left", False, None, 0.0, (movement,))
    on = {("eye", "left")}
    rows = [FrameRow(i / FPS, True, "movement", {}, on if 2.7 <= i / FPS < 4.0 else set()) for i in range(60)]
    rows[10] = FrameRow(1.0, True, "movement", {}, {("eye", "left")})  # an earlier warning, before the event
    latencies = warning_latencies(rows, [event("eye", "left", 2.2, 4.0)], case)
    assert latencies == [pytest.approx(2.7 - 2.1)]
    assert warning_latencies(rows, [event("eye", "right", 2.2, 4.0)], case) == [None]


def test_clips_are_split_into_a_tuning_set_and_a_check_set():
    from lab.eval_cases import CHECK_CLIPS, CLIPS, clip_set, clips_in_set

    assert CHECK_CLIPS < set(CLIPS)
    assert set(clips_in_set("tune")) | set(clips_in_set("check")) == set(clips_in_set("all")) == set(CLIPS)
    assert not set(clips_in_set("tune")) & set(clips_in_set("check"))
    # Old and new clips on both sides of the split.
    assert {"liveportrait__driving_d13.mp4", "liveportrait__source_s29.mp4"} <= CHECK_CLIPS
    assert clip_set("liveportrait__driving_d9.mp4") == "tune" and clip_set("liveportrait__driving_d19.mp4") == "tune"
    with pytest.raises(ValueError):
        clips_in_set("everything")


def test_breakdown_and_bars_per_set_kind_and_grade():
    from lab.evaluate import bars, breakdown, format_breakdown

    def result(clip, kind, grades, latencies, *, control=False, alarms=0, minutes=0.0):
        movements = tuple(Movement("narrow_eye", "left", 2.0 + 3 * i, 4.0 + 3 * i, 0.4) for i in range(len(grades)))
        case = Case("c", clip, "gentle-smile", "left", control, None, 0.0, () if control else movements, kind=kind)
        r = CaseResult(case, Score(false_alarms=alarms, minutes=minutes), Score(), [], 1.5, 30.0, 0.0, [], [], 0,
                       latencies=list(latencies))
        r.grades = list(grades)
        return r

    tune, check = "liveportrait__driving_d9.mp4", "liveportrait__driving_d13.mp4"
    results = [
        result(tune, "held", ["moderate"] * 4, [0.2, 0.3, 0.5, 0.1]),
        result(tune, "held", ["mild", "mild", "below"], [0.6, None, None]),
        result(tune, "natural", ["mild", "moderate", "below"], [0.1, 0.2, None]),
        result(tune, "held", [], [], control=True, alarms=1, minutes=4.0),
        result(check, "held", ["moderate"], [None]),
        result(check, "natural", [], [], control=True, alarms=3, minutes=2.0),
    ]
    groups = breakdown(results)
    held = groups[("tune", "gentle-smile", "held", "moderate")]
    assert (held.induced, held.detected, held.median_latency) == (4, 4, pytest.approx(0.25))
    assert groups[("tune", "all", "all", "below")].induced == 2
    assert groups[("all", "all", "held", "moderate")].induced == 5
    assert groups[("check", "all", "all", "all")].false_alarms_per_minute == pytest.approx(1.5)
    assert groups[("all", "all", "all", "all")].false_alarms_per_minute == pytest.approx(4 / 6)
    verdicts = {b["bar"].split(":")[0]: b["verdict"] for b in bars(groups, "tune")}
    assert verdicts == {
        "held movements, excess >= 15 %": "PASS",  # 4/4
        "held movements, excess ~8 %": "FAIL",  # 1/2 (the below-grade one does not count)
        "natural-speed movements (graded)": "PASS",  # 2/2
        "controls": "PASS",  # 1 in 4 minutes
        "held movements (graded)": "PASS",  # median of 0.2, 0.3, 0.5, 0.1, 0.6 = 0.3 s
        "  ... to the warning being raised, s": "n/a",  # no warning times in these results
    }
    check_bars = {b["bar"].split(":")[0]: b["verdict"] for b in bars(groups, "check")}
    assert check_bars["held movements, excess >= 15 %"] == "FAIL" and check_bars["controls"] == "FAIL"
    assert check_bars["held movements, excess ~8 %"] == "n/a"
    text = "\n".join(format_breakdown(results))
    assert "== set tune ==" in text and "== set check ==" in text and "~15 %" in text


def test_chosen_cases_bring_their_twins():
    from lab.eval_cases import held_cases
    from lab.evaluate import with_twins

    cases = held_cases(held_trace())
    chosen = with_twins(select_cases(cases, ["held-smile1-left"]), cases)
    assert [c.name for c in chosen] == ["clip-held-smile1-left", "clip-held-smile1-control-left"]


def test_a_clips_cases_do_not_depend_on_the_set_chosen(monkeypatch, tmp_path):
    from lab import evaluate
    from lab.eval_cases import CLIPS

    monkeypatch.setattr(evaluate, "first_pass", lambda path, **kw: make_trace(20, smiles=[(4.0, 6.0)], name=path.name))
    clips = list(CLIPS)
    for clip in clips:
        (tmp_path / clip).write_bytes(b"")
    _, everything = evaluate.gather_cases(tmp_path, clips)
    _, alone = evaluate.gather_cases(tmp_path, clips[3:4])
    assert [c for c in everything if c.clip == clips[3]] == alone


def test_controls_are_also_reported_without_the_clip_of_posed_one_sided_movements():
    from lab.evaluate import bars, breakdown

    def control(clip, alarms):
        case = Case("c", clip, "gentle-eye-closure", "left", True, None, 0.0)
        return CaseResult(case, Score(false_alarms=alarms, minutes=2.0), Score(), [], 1.5, 30.0, 0.0, [], [], 0)

    results = [control("liveportrait__driving_d6.mp4", 6), control("liveportrait__driving_d9.mp4", 0)]
    lines = {b["bar"]: b for b in bars(breakdown(results), "tune", results)}
    assert lines["controls: false alarms per minute"]["value"] == pytest.approx(1.5)
    assert lines["controls: false alarms per minute"]["verdict"] == "FAIL"
    posed = lines["  ... without posed one-sided clips (d6)"]
    assert posed["value"] == 0.0 and posed["verdict"] == "PASS"


def test_natural_movements_of_at_most_0_9_s_are_also_reported_apart():
    # The natural-speed cases last 0.3-0.9 s; most of the evaluation's last longer.
    from lab.evaluate import bars, breakdown

    def natural(name, start, end, grade, latency, kind="natural"):
        movement = Movement("narrow_eye", "left", start, end, 0.4)
        case = Case(name, "clip.mp4", "gentle-smile", "left", False, None, 0.0, (movement,), kind=kind)
        return CaseResult(case, Score(), Score(), [], 1.5, 30.0, 0.0, [], [], 0, latencies=[latency],
                          grades=[grade])

    results = [natural("short-hit", 2.0, 2.6, "mild", 0.2), natural("short-missed", 2.0, 2.9, "moderate", None),
               natural("long-hit", 2.0, 3.8, "mild", 0.3), natural("short-below", 2.0, 2.5, "below", 0.1),
               natural("held-short", 2.0, 2.5, "mild", None, kind="held")]
    lines = {b["bar"]: b for b in bars(breakdown(results), "tune", results)}
    assert lines["natural-speed movements (graded): sensitivity"]["detail"] == "2/3"
    short = lines["  ... of those, lasting at most 0.9 s: sensitivity"]
    assert short["detail"] == "1/2" and short["value"] == 0.5 and short["verdict"] == "FAIL"
    # And by length: the held movement and the one below grade count nowhere.
    from lab.evaluate import format_natural_by_length, natural_by_length

    by_length = {row["length"]: (row["detected"], row["induced"]) for row in natural_by_length(results, "tune")}
    assert by_length == {"0-0.5 s": (0, 0), "0.5-0.7 s": (1, 1), "0.7-0.9 s": (0, 1), "over 0.9 s": (1, 1)}
    assert format_natural_by_length(results, "tune") == (
        "  natural-speed movements (graded) by length: 0-0.5 s 0/0 (-), 0.5-0.7 s 1/1 (1.00), 0.7-0.9 s 0/1 (0.00),"
        " over 0.9 s 1/1 (1.00)")


def test_a_replays_key_follows_the_clips_content_not_its_file_times(tmp_path):
    # The shared media folder is provided again at times with new file times: the replays stay valid.
    import os

    from lab.eval_cases import replay_key

    case = Case("c-left", "clip.mp4", "gentle-smile", "left", False, None, 0.0, ())
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"frames")
    before = replay_key(case, tmp_path)
    os.utime(clip, ns=(10**18, 10**18))
    assert replay_key(case, tmp_path) == before
    clip.write_bytes(b"other frames")
    assert replay_key(case, tmp_path) != before
