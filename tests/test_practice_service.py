"""The practice service (rehabcoach/practice.py): "start routine R for patient P" exists once.

Headless: the plan a profile and its prescription give (a bundled routine included), the recorder it
creates, what it says about storage.  With the window: the window and ``rehabcoach session`` get the
same plan and the same recording set-up from it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from records_support import rep

from rehabcoach.coaching.events import RepCompleted, SessionFinished, SessionStarted
from rehabcoach.coaching.summary import SessionSummary
from rehabcoach.errors import UserError
from rehabcoach.practice import PracticeService, SessionPlan, StorageNews
from rehabcoach.records import profiles, sessions
from rehabcoach.records.backends import open_records
from rehabcoach.records.prescription_store import import_prescription
from rehabcoach.records.recorder import BackgroundRecorder, SessionRecorder, StorageStatus
from rehabcoach.routines.loader import load_library

UI_LIBRARY = Path(__file__).resolve().parent / "ui_library"
ROUTINE = """\
kind: routine
id: anna-routine
title: Anna's routine
description: The short smile, twice.
items:
  - exercise: test-gentle-smile
  - exercise: test-gentle-smile
    reps: 1
"""
PRESCRIPTION = """\
kind: prescription
title: Custom
starts_on: 2026-01-01
routines:
  - routine: anna-routine
    times: 2
    per: day
exercises:
  test-gentle-smile:
    thresholds:
      eye_aperture: 0.07
bundle:
  - custom
"""


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("REHABCOACH_DATA_DIR", str(tmp_path / "data"))
    with open_records(str(tmp_path / "records.db")) as opened:
        yield opened


@pytest.fixture
def anna(store, tmp_path):
    """Anna (left side) with a prescription whose routine only its bundle holds."""
    bundle = tmp_path / "rx" / "custom"
    bundle.mkdir(parents=True)
    (bundle / "anna-routine.yaml").write_text(ROUTINE)
    (tmp_path / "rx" / "p.yaml").write_text(PRESCRIPTION)
    profiles.add_profile(store, "Anna", "left")
    import_prescription(store, "Anna", tmp_path / "rx" / "p.yaml", library_root=UI_LIBRARY)
    return profiles.get_profile(store, "Anna")


def _outline(exercises) -> list[tuple]:
    return [(e.id, e.reps, e.threshold_of("eye_aperture"), e.affected_side) for e in exercises]


def test_a_bundled_routine_is_planned_as_prescribed_for_the_patient(store, anna):
    library = load_library(UI_LIBRARY)
    practice = PracticeService(library, store)
    assert "anna-routine" not in library.routines
    practice.choose_profile("Anna")
    plan = practice.plan_routine("anna-routine")
    assert plan.routine_id == "anna-routine"
    # The bundle's routine, the prescription's threshold (not the exercise's), written for the left side.
    assert _outline(plan.exercises) == [("test-gentle-smile", 2, 0.07, "left"), ("test-gentle-smile", 1, 0.07, "left")]
    assert practice.affected_side("right") == "left"  # the profile's side wins over a default


def test_a_threshold_saved_after_choosing_applies_to_the_next_plan(store, anna):
    practice = PracticeService(load_library(UI_LIBRARY), store)
    practice.choose_profile("Anna")
    profiles.set_threshold(store, "Anna", "test-gentle-smile", "eye_aperture", 0.12, source="session")
    plan = practice.plan_exercise("test-gentle-smile")
    assert plan.routine_id == "exercise:test-gentle-smile"
    assert _outline(plan.exercises) == [("test-gentle-smile", 2, 0.12, "left")]


def test_without_a_profile_the_library_is_practised_as_it_is_and_nothing_is_recorded(store):
    library = load_library(UI_LIBRARY)
    practice = PracticeService(library, store)
    plan = practice.plan_routine("test-short-routine")
    assert [e.id for e in plan.exercises] == [item.exercise for item in library.routine("test-short-routine").items]
    assert practice.affected_side("right") == "right"
    assert practice.record(plan) == [] and practice.recorder is None
    assert not practice.mark(1.0, "note")
    assert practice.records_status() == "Practising without a profile: nothing is recorded."


def test_records_that_cannot_be_opened_leave_practice_unrecorded_and_say_why(tmp_path):
    damaged = tmp_path / "records.db"
    damaged.write_bytes(b"not a database " * 100)
    practice = PracticeService.open(load_library(UI_LIBRARY), str(damaged))
    assert practice.store is None and practice.uses_records and "damaged" in practice.records_problem
    assert practice.records_status().startswith("Records are not available, so nothing is recorded:")
    with pytest.raises(UserError, match="not available"):
        practice.choose_profile("Anna")
    assert practice.record(practice.plan_routine("test-short-routine")) == []
    assert not PracticeService(load_library(UI_LIBRARY)).uses_records  # none asked for: no Patient menu


@pytest.mark.parametrize("in_background", [True, False])
def test_the_recorder_keeps_the_session_with_its_prescription(store, anna, in_background):
    practice = PracticeService(load_library(UI_LIBRARY), store, record_in_background=in_background)
    practice.choose_profile("Anna")
    practice.supervised = True
    plan = practice.plan_routine("anna-routine")
    (listener,) = practice.record(plan)
    assert isinstance(practice.recorder, BackgroundRecorder if in_background else SessionRecorder)
    listener(SessionStarted(at=10.0, exercise_ids=tuple(e.id for e in plan.exercises)))
    listener(RepCompleted(summary=rep("test-gentle-smile", 1, started=11.0)))
    assert practice.mark(12.0, "left eye")
    status = practice.close()
    assert status is not None and status.ok and status.saved_reps == 1 and practice.recorder is None
    (record,) = sessions.load_sessions(store, anna.id)
    assert (record.routine_id, record.status, record.supervised) == ("anna-routine", "stopped", True)
    assert record.prescription_id is not None
    assert record.reps[0].target_measure == "mouth_corner_lift" and record.reps[0].started_s == 1.0
    assert [(m.note, m.at_s) for m in record.marks] == [("left eye", 2.0)]


def test_a_new_session_lets_the_previous_recorder_finish_first(store, anna):
    practice = PracticeService(load_library(UI_LIBRARY), store)
    practice.choose_profile("Anna")
    plan = practice.plan_exercise("test-gentle-smile")
    (first,) = practice.record(plan)
    first(SessionStarted(at=0.0, exercise_ids=("test-gentle-smile",)))
    first(RepCompleted(summary=rep("test-gentle-smile", 1)))
    (second,) = practice.record(plan)
    second(SessionStarted(at=0.0, exercise_ids=("test-gentle-smile",)))
    second(SessionFinished(summary=SessionSummary(started_s=0.0, ended_s=1.0, completed=True, affected_side="left", exercises=())))
    practice.close()
    first_record, second_record = sessions.load_sessions(store, anna.id)
    assert (first_record.status, [r.rep for r in first_record.reps]) == ("stopped", [1])
    assert second_record.status == "completed"


def test_storage_news_says_problems_and_their_end_and_marks_a_repeat():
    practice = PracticeService(load_library(UI_LIBRARY))
    heard: list[StorageNews] = []
    practice.on_storage_news(heard.append)
    for status in [StorageStatus(True, 1, 0, "Saved: 1 repetition."),
                   StorageStatus(False, 1, 1, "Saving is paused: locked."),
                   StorageStatus(False, 1, 1, "Saving is paused: locked."),  # a retry that failed again
                   StorageStatus(False, 1, 2, "Saving is paused: locked (2)."),
                   StorageStatus(True, 3, 0, "Saved: 3 repetitions."),
                   StorageStatus(True, 4, 0, "Saved: 4 repetitions.")]:
        practice._tell(status)
    assert [(n.message, n.ok, n.repeated) for n in heard] == [
        ("Saving is paused: locked.", False, False),
        ("Saving is paused: locked.", False, True),
        ("Saving is paused: locked (2).", False, False),
        ("Saved: 3 repetitions.", True, False),
    ]


def test_the_window_and_the_session_command_get_the_same_set_up(qtbot, store, anna, tmp_path):
    """The same patient, the same bundled routine: the window's engine and `rehabcoach session` practise the
    same exercises and record the same kind of session, because both ask the one practice service."""
    from ui_doubles import RecordingSpeech

    from rehabcoach.cli.records_commands import open_practice
    from rehabcoach.clock import ManualClock
    from rehabcoach.ui.main_window import MainWindow
    from rehabcoach.ui.settings import open_app_settings

    window_library = load_library(UI_LIBRARY)
    window = MainWindow(window_library, open_app_settings(tmp_path / "settings.ini"), speech=RecordingSpeech(),
                        clock_factory=lambda: ManualClock(0.0), practice=PracticeService(window_library, store))
    qtbot.addWidget(window)
    try:
        window.patient_menu.set_profile(anna)
        window.start_routine("anna-routine")
        window_plan = SessionPlan("anna-routine", tuple(window.engine.exercises))
        window_recorder = window.practice.recorder
        assert isinstance(window_recorder, BackgroundRecorder)  # never on the GUI thread
        window.stop()
        window.practice.close()
    finally:
        window._end_session()

    args = argparse.Namespace(profile="Anna", database=str(tmp_path / "records.db"))
    command = open_practice(args, load_library(UI_LIBRARY))
    command_plan = command.plan_routine("anna-routine")
    assert command_plan == window_plan
    assert _outline(command_plan.exercises) == [("test-gentle-smile", 2, 0.07, "left"),
                                                ("test-gentle-smile", 1, 0.07, "left")]
    for listener in command.record(command_plan):
        listener(SessionStarted(at=0.0, exercise_ids=tuple(e.id for e in command_plan.exercises)))
    assert isinstance(command.recorder, SessionRecorder)  # a command records on the session's own thread
    assert command.affected_side() == window.current_affected_side() == "left"
    command.close()

    window_record, command_record = sessions.load_sessions(store, anna.id)
    assert (window_record.routine_id, window_record.prescription_id, window_record.supervised) == \
        (command_record.routine_id, command_record.prescription_id, command_record.supervised) == \
        ("anna-routine", anna_prescription_id(store, anna), False)


def anna_prescription_id(store, profile) -> int:
    from rehabcoach.records.prescription_store import active_prescription

    prescription = active_prescription(store, profile)
    assert prescription is not None
    return prescription.id
