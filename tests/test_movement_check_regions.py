"""The movement check's 0-3 estimate reflects unwanted movement in every region, not only the one
region the practice exercise watches (Sunnybrook grades synkinesis anywhere in the face)."""

from __future__ import annotations

from datetime import datetime, timezone

from rehabcoach.coaching.types import MovementEvent
from rehabcoach.records.models import RepRecord, SessionRecord
from rehabcoach.records.movement_check import estimate_session
from rehabcoach.routines.loader import load_library, resolve_routine

BASELINE = {"measures": {"eye_aperture": {"left": 0.345, "right": 0.345},
                         "brow_height": {"left": 0.4, "right": 0.4}}}


def event(region, measure, peak, threshold, side="left"):
    return MovementEvent(region=region, side=side, measure=measure, start_s=1.0, end_s=2.5, peak=peak,
                         threshold=threshold)


def session(exercise_id, target, *events):
    now = datetime(2026, 11, 2, tzinfo=timezone.utc)
    record = RepRecord(exercise_id, 1, 0.0, 8.0, target, {"left": 1.0, "right": 1.0}, 0.0, {}, tuple(events), now)
    return SessionRecord("s", 1, "five-movement-check", now, now, "completed", False, None, BASELINE, "t",
                         (record,))


def test_a_pucker_that_lifts_the_cheek_is_graded_without_any_eye_movement():
    # 0.02 IOD beyond the cheek threshold: 1.26 mm at 1 mm per point -> mild.
    result = estimate_session(session("check-lip-pucker", "lip_width", event("cheek", "cheek_raise", 0.05, 0.03)))
    pucker = result.movements["lip pucker"]
    assert (pucker.estimate, pucker.by_side, pucker.regions) == (1, {"left": 1, "right": 0}, ("cheek",))


def test_unwanted_movement_in_several_regions_grades_higher_than_in_one():
    eye = event("eye", "eye_aperture", -0.33, 0.25)  # 0.08 x 10 mm = 0.8 mm beyond: mild
    nose = event("nose", "nose_wrinkle", 0.045, 0.03)  # 0.95 mm beyond: mild on its own
    one = estimate_session(session("check-brow-raise", "brow_height", eye)).movements["brow raise"]
    two = estimate_session(session("check-brow-raise", "brow_height", eye, nose)).movements["brow raise"]
    assert (one.estimate, two.estimate) == (1, 2)
    assert two.regions == ("eye", "nose")
    severe = estimate_session(session("check-brow-raise", "brow_height",
                                      event("eye", "eye_aperture", -0.6, 0.25), nose)).movements["brow raise"]
    assert severe.estimate == 3  # capped at 3


def test_the_check_exercises_map_to_the_five_movements_even_without_a_target_measure():
    result = estimate_session(session("check-eye-closure", None, event("mouth", "mouth_corner_lift", 0.05, 0.03)))
    assert list(result.movements) == ["gentle eye closure"]


def test_every_check_exercise_guards_reach_the_estimate():
    """Each guarded region of the library's check, moving on its own, gives a non-zero estimate."""
    from rehabcoach.records.movement_check import movement_of

    for exercise in resolve_routine(load_library(), "five-movement-check"):
        for guard in exercise.guards:
            peak = (guard.threshold * 2) * (-1 if guard.direction == "decrease" else 1)
            record = session(exercise.id, exercise.target.measure,
                             event(guard.region, guard.measure, peak, guard.threshold))
            movement = movement_of(record.reps[0])
            assert estimate_session(record).movements[movement].estimate >= 1, (exercise.id, guard.measure)
