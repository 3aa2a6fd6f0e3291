"""Override resolution: exercise < routine item < patient setting, in one place."""

from __future__ import annotations

import pytest
from test_routines_samples import write_library

from rehabcoach.coaching.types import ResolvedGuard, ResolvedTarget
from rehabcoach.errors import UserError
from rehabcoach.routines.loader import load_library
from rehabcoach.routines.models import RoutineItem
from rehabcoach.routines.resolve import resolve_exercise, resolve_routine


@pytest.fixture
def library(tmp_path):
    return load_library(write_library(tmp_path))


def test_exercise_alone_keeps_its_own_settings(library, tmp_path):
    resolved = resolve_exercise(library.exercise("gentle-smile"))
    assert (resolved.reps, resolved.hold_seconds, resolved.rest_seconds) == (5, 5.0, 4.0)
    assert resolved.target == ResolvedTarget("mouth", "mouth_corner_excursion", ("left", "right"), "increase", 0.05)
    assert resolved.guards == (
        ResolvedGuard("eye", "eye_aperture", ("left", "right"), "decrease", 0.25, 0.5),
        ResolvedGuard("brow", "brow_height", ("left",), "either", 0.2, 1.0),
    )
    assert resolved.illustration == tmp_path / "assets" / "exercises" / "gentle-smile.svg"
    assert resolved.illustration.is_absolute() and resolved.illustration.is_file()
    # one 5 s step, then 5 reps of (5 s hold + 4 s rest + 2 s to get ready)
    assert resolved.duration_seconds == pytest.approx(5 + 5 * 11)


def test_routine_item_overrides_the_exercise_and_patient_overrides_both(library):
    exercise = library.exercise("gentle-smile")
    item = RoutineItem(exercise="gentle-smile", reps=2, rest_seconds=10,
                       thresholds={"eye_aperture": 0.3, "brow_height": 0.15})
    by_item = resolve_exercise(exercise, item)
    assert (by_item.reps, by_item.hold_seconds, by_item.rest_seconds) == (2, 5.0, 10.0)
    assert by_item.threshold_of("eye_aperture") == 0.3
    assert by_item.threshold_of("brow_height") == 0.15
    assert by_item.duration_seconds == pytest.approx(5 + 2 * 17)

    by_patient = resolve_exercise(exercise, item, {"eye_aperture": 0.4, "lip_width": 0.1})
    assert by_patient.threshold_of("eye_aperture") == 0.4  # patient beats routine item
    assert by_patient.threshold_of("brow_height") == 0.15  # routine item still applies
    assert by_patient.threshold_of("lip_width") is None  # not guarded by this exercise: ignored
    assert exercise.movement.guards[0].threshold == 0.25  # the loaded exercise is left untouched


def test_massage_exercise_has_no_movement_phase(library):
    resolved = resolve_exercise(library.exercise("cheek-strokes"))
    assert resolved.category == "massage"
    assert (resolved.reps, resolved.hold_seconds, resolved.rest_seconds, resolved.target) == (None,) * 4
    assert resolved.guards == ()
    assert resolved.duration_seconds == pytest.approx(10 * 4.0 + 10)
    assert [step.cue for step in resolved.steps] == ["Stroke towards your ears.", "Rest."]


def test_resolve_routine_in_order_with_patient_thresholds_per_exercise(library):
    resolved = resolve_routine(library, "morning", {"gentle-smile": {"eye_aperture": 0.35}})
    assert [r.id for r in resolved] == ["cheek-strokes", "gentle-smile"]
    assert resolved[1].reps == 3  # from the routine item
    assert resolved[1].threshold_of("eye_aperture") == 0.35
    assert resolve_routine(library, "morning")[1].threshold_of("eye_aperture") == 0.3


def test_wrong_inputs(library):
    with pytest.raises(ValueError, match="applied to exercise 'gentle-smile'"):
        resolve_exercise(library.exercise("gentle-smile"), RoutineItem(exercise="cheek-strokes"))
    with pytest.raises(UserError, match="at most 2"):
        resolve_exercise(library.exercise("gentle-smile"), None, {"eye_aperture": 5})
    with pytest.raises(UserError, match="unknown measure 'eye_apperture' \\(did you mean 'eye_aperture'"):
        resolve_exercise(library.exercise("gentle-smile"), None, {"eye_apperture": 0.2})
    with pytest.raises(UserError, match="did you mean 'morning'"):
        resolve_routine(library, "mornin")
