"""Suggesting the next progression level after sessions with few unwanted movements."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from rehabcoach.coaching.types import MovementEvent
from rehabcoach.records.models import RepRecord, SessionRecord
from rehabcoach.records.progression import suggest_level
from rehabcoach.routines.loader import load_library

START = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def smile():
    return load_library().exercise("gentle-smile")  # three levels


def session(day, exercise_id="gentle-smile", reps=6, warnings=0, reached=0.9, turned_reps=0, turned_s=4.0):
    """``reps`` reps of 8 s; the first ``warnings`` warned; the last ``turned_reps`` with the head turned ``turned_s``."""
    when = START + timedelta(days=day)
    events = [MovementEvent("eye", "left", "eye_aperture", 1.0, 2.0, -0.3, 0.25)]
    records = tuple(
        RepRecord(exercise_id, n, 0.0, 8.0, "mouth_corner_lift", {"left": reached, "right": 1.0}, 0.0, {},
                  tuple(events) if n <= warnings else (), when,
                  turned_away_s=turned_s if n > reps - turned_reps else 0.0)
        for n in range(1, reps + 1)
    )
    return SessionRecord(f"s{day}", 1, "daily-practice", when, when, "completed", False, None, None, "t", records)


def test_three_calm_sessions_suggest_the_next_level(smile):
    suggestion = suggest_level(smile, [session(0), session(1, warnings=1), session(2)], current=1)
    assert (suggestion.suggested, suggestion.name, suggestion.sessions) == (2, "Longer hold", 3)
    assert suggestion.warnings_per_rep == pytest.approx(1 / 18, abs=0.01)
    assert "level 2" in suggestion.message and "therapist" in suggestion.message
    assert "held for 8 seconds" in suggestion.message  # what changes at that level


@pytest.mark.parametrize("history, kwargs", [
    ([session(0), session(1)], {}),  # too few sessions
    ([session(0), session(1, warnings=3), session(2, warnings=2)], {}),  # 5 warnings in 18 reps
    ([session(0, reached=0.5), session(1, reached=0.6), session(2, reached=0.7)], {}),  # target not reached
    ([session(0), session(1), session(2, reps=2)], {}),  # a session with too few reps does not count
    # reps done with the head turned half the time were not judged: the third session has only 2 that count
    ([session(0), session(1), session(2, turned_reps=4)], {}),
    ([session(0), session(1), session(2)], {"locked": True}),  # the prescription locks the level
    ([session(0), session(1), session(2)], {"since": START + timedelta(days=1)}),  # level set on day 1
])
def test_no_suggestion_without_enough_calm_sessions_at_this_level(smile, history, kwargs):
    assert suggest_level(smile, history, current=1, **kwargs) is None


def test_no_level_beyond_the_last_and_none_for_exercises_without_levels(smile):
    calm = [session(0), session(1), session(2)]
    assert suggest_level(smile, calm, current=3) is None
    assert suggest_level(load_library().exercise("snarl"), [session(d, "snarl") for d in range(3)], current=1) is None


def test_reps_turned_away_for_a_moment_still_count(smile):
    # 1 s of an 8 s rep (an eighth) is a glance: the rep was judged.
    history = [session(0, turned_reps=6, turned_s=1.0), session(1), session(2, turned_reps=6, turned_s=1.0)]
    assert suggest_level(smile, history, current=1).sessions == 3


def test_other_exercises_in_the_session_do_not_count(smile):
    assert suggest_level(smile, [session(d, "lip-pucker") for d in range(3)], current=1) is None


# --- with stored sessions, a patient's own level and a prescription ------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    from records_support import store_url

    from rehabcoach.records import profiles
    from rehabcoach.records.backends import open_records

    with open_records(store_url(request.param, tmp_path)) as opened:
        profiles.add_profile(opened, "Anna Berg", "left")
        yield opened


def practise(store, profile, days, reached=0.9):
    from records_support import rep

    from rehabcoach.records import sessions

    for day in days:
        uid, started = f"d{day}", START + timedelta(days=day)
        sessions.begin_session(store, sessions.SessionStart(uid, profile.id, "daily-practice", started, "test"))
        for number in range(1, 7):
            sessions.record_rep(store, uid, f"{uid}-{number}", rep("gentle-smile", number, left=reached, right=reached),
                                started + timedelta(seconds=10 * number), "mouth_corner_lift")
        sessions.end_session(store, uid, started + timedelta(minutes=10), "completed")


def test_suggestions_from_stored_sessions_follow_the_patients_level(store):
    from rehabcoach.records import profiles
    from rehabcoach.records.prescription_store import exercise_plan
    from rehabcoach.records.progression import suggestions_for

    library = load_library()
    profile = profiles.get_profile(store, "Anna Berg")
    practise(store, profile, [0, 1, 2])
    (suggestion,) = suggestions_for(store, profile, library, ["belly-breathing", "gentle-smile", "gentle-smile"])
    assert (suggestion.exercise_id, suggestion.current, suggestion.suggested) == ("gentle-smile", 1, 2)

    # The patient steps up: the plan uses level 2, and only sessions after that count towards level 3.
    profile = profiles.set_level(store, "Anna Berg", "gentle-smile", 2, now=START + timedelta(days=3))
    assert exercise_plan(library, "gentle-smile", profile).level == 2
    assert exercise_plan(library, "gentle-smile", profile).hold_seconds == 8
    assert suggestions_for(store, profile, library, ["gentle-smile"]) == []
    practise(store, profile, [4, 5, 6])
    (suggestion,) = suggestions_for(store, profile, library, ["gentle-smile"])
    assert (suggestion.current, suggestion.suggested, suggestion.name) == (2, 3, "In daily life")


def test_a_level_is_a_whole_number_from_one_to_five(store):
    from rehabcoach.errors import UserError
    from rehabcoach.records import profiles

    with pytest.raises(UserError, match="from 1 to 5"):
        profiles.set_level(store, "Anna Berg", "gentle-smile", 6)
    with pytest.raises(UserError, match="not an exercise id"):
        profiles.set_level(store, "Anna Berg", "Gentle Smile", 2)
