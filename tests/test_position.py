"""Where a session goes next, asked of the pure functions in coaching/position.py: no engine, no clock."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, replace

import pytest

from rehabcoach.coaching import position
from rehabcoach.coaching.position import (
    Position,
    ReturnPoint,
    StartReps,
    ToExercise,
    ToPhase,
    ToStep,
    at_phase,
    at_step,
    counted_rep,
    entry,
    progress,
    resume_at,
    time_passed,
    time_up,
)
from rehabcoach.coaching.session import SessionSettings


@dataclass(frozen=True)
class Step:
    seconds: float | None = None
    reps: int | None = None


@dataclass(frozen=True)
class Plan:
    category: str
    steps: tuple[Step, ...]
    reps: int | None = None
    hold_seconds: float | None = None
    rest_seconds: float | None = None


TIMING = SessionSettings(get_ready_seconds=2.0, move_seconds=1.5, done_seconds=3.0, seconds_per_rep=4.0,
                         countdown_from=3)
MASSAGE = Plan("massage", (Step(seconds=5), Step(reps=3)))
SMILE = Plan("movement", (Step(seconds=4), Step(seconds=6)), reps=2, hold_seconds=5.0, rest_seconds=3.0)


def entered(plan: Plan, move, here: Position) -> Position:
    """The position a move leads to (what the engine does with it, less the books and the events)."""
    if isinstance(move, ToStep):
        return at_step(plan, here, move, TIMING)
    if isinstance(move, StartReps):
        return at_phase(plan, here, "get_ready", move.rep, TIMING)
    assert isinstance(move, ToPhase)
    return at_phase(plan, here, move.phase, move.rep, TIMING)


def run_out(plan: Plan, here: Position) -> list[tuple]:
    """Let every step and phase of one exercise run its time; the places visited and the final move."""
    visited = []
    while True:
        move = time_up(plan, here)
        if isinstance(move, ToExercise):
            return visited + [move]
        here = entered(plan, move, here)
        visited.append((here.step, here.phase, here.rep, here.duration))


def test_a_movement_exercise_runs_its_steps_then_each_rep_s_phases_then_done():
    start = at_step(SMILE, Position(index=1, screen="movement"), ToStep(0, "instruction"), TIMING)
    assert (start.step, start.phase, start.duration) == (0, "instruction", 4)
    assert run_out(SMILE, start) == [
        (1, "instruction", 0, 6),
        (None, "get_ready", 1, 2.0), (None, "move", 1, 1.5), (None, "hold", 1, 5.0), (None, "relax", 1, 3.0),
        (None, "get_ready", 2, 2.0), (None, "move", 2, 1.5), (None, "hold", 2, 5.0), (None, "relax", 2, 3.0),
        (None, "done", 2, 3.0),
        ToExercise(2),  # "done" left the books closed already: nothing more to close
    ]


def test_only_the_end_of_a_hold_counts_a_rep_and_only_the_last_relax_completes_the_exercise():
    rep = replace(Position(screen="movement"), rep=1)
    assert time_up(SMILE, replace(rep, phase="move")) == ToPhase("hold", 1)
    assert time_up(SMILE, replace(rep, phase="hold")) == ToPhase("relax", 1, rep_completed=True)
    assert time_up(SMILE, replace(rep, phase="relax")) == ToPhase("get_ready", 2)
    assert time_up(SMILE, replace(rep, phase="relax", rep=2)) == ToPhase("done", 2, exercise_completed=True)


def test_a_massage_exercise_runs_its_steps_and_is_completed_after_the_last():
    start = at_step(MASSAGE, Position(index=0), ToStep(0, None), TIMING)
    assert (start.step, start.duration, start.massage_rep) == (0, 5, 0)
    # A step given in reps lasts reps x seconds_per_rep and counts from rep 1.
    assert run_out(MASSAGE, start) == [(1, None, 0, 12.0), ToExercise(1, leaving="completed")]
    assert at_step(MASSAGE, start, ToStep(1, None), TIMING).massage_rep == 1


def test_the_last_exercise_leads_one_past_the_end_of_the_routine():
    last = at_phase(SMILE, Position(index=4, screen="movement"), "done", 2, TIMING)
    assert time_up(SMILE, last) == ToExercise(5)


def test_a_movement_exercise_begins_once_there_is_a_camera_and_a_resting_face():
    ready = dict(camera=True, calibrated=True, movement_declined=False)
    assert entry(SMILE, **ready) == "start"
    assert entry(SMILE, **{**ready, "calibrated": False}) == "calibrate"
    assert entry(SMILE, **{**ready, "camera": False, "calibrated": False}) == "wait_for_camera"
    assert entry(SMILE, **{**ready, "camera": False, "movement_declined": True}) == "skip"
    # Massage and relaxation need neither.
    assert entry(MASSAGE, camera=False, calibrated=False, movement_declined=True) == "start"


def test_a_massage_step_in_reps_says_each_new_rep_once():
    here = at_step(MASSAGE, Position(), ToStep(1, None), TIMING)  # 3 reps of 4 s
    said = []
    for _ in range(11):
        here, number = time_passed(MASSAGE, here, 1.0, TIMING)
        said.append(number)
    assert said == [None, None, None, 2, None, None, None, 3, None, None, None]
    assert counted_rep(MASSAGE, here) == (3, 3)
    assert here.elapsed == 11.0


def test_the_hold_is_counted_down_below_its_length_each_number_once():
    here = at_phase(SMILE, Position(screen="movement", rep=1), "hold", 1, TIMING)
    assert here.countdown_next == 3  # 5 s hold: "Hold", then 3, 2, 1
    said = []
    for _ in range(19):
        here, number = time_passed(SMILE, here, 0.25, TIMING)
        said.append(number)
    assert [n for n in said if n is not None] == [3, 2, 1]
    assert said.index(3) == 7  # 2 s in: 3 s left
    # A short hold is counted from below its own length, and a 1 s hold not at all.
    short = replace(SMILE, hold_seconds=2.5)
    assert at_phase(short, Position(screen="movement"), "hold", 1, TIMING).countdown_next == 2
    assert at_phase(replace(SMILE, hold_seconds=1.0), Position(screen="movement"), "hold", 1, TIMING).countdown_next is None


def test_a_big_step_of_time_says_only_the_number_reached():
    here = at_phase(SMILE, Position(screen="movement", rep=1), "hold", 1, TIMING)
    here, number = time_passed(SMILE, here, 3.5, TIMING)  # a slow tick: 1.5 s left
    assert (number, here.countdown_next) == (2, 1)


def test_skip_goes_to_the_next_step_then_to_the_reps_or_the_next_exercise():
    instruction = Position(index=1, screen="movement", step=0, phase="instruction")
    assert position.skip(SMILE, instruction) == ToStep(1, "instruction")
    assert position.skip(SMILE, replace(instruction, step=1)) == StartReps()
    in_a_rep = Position(index=1, screen="movement", step=None, phase="hold", rep=1)
    assert position.skip(SMILE, in_a_rep) == ToExercise(2, leaving="skipped")
    massage_step = Position(index=0, screen="step", step=0)
    assert position.skip(MASSAGE, massage_step) == ToStep(1, None)
    assert position.skip(MASSAGE, replace(massage_step, step=1)) == ToExercise(1, leaving="skipped")
    for screen in ("calibration", "camera_missing"):
        assert position.skip(SMILE, Position(index=1, screen=screen, step=None)) == ToExercise(2, leaving="skipped")


def test_previous_goes_back_a_step_then_to_this_exercise_s_start_then_to_the_one_before():
    assert position.previous(SMILE, Position(index=1, screen="movement", step=1, phase="instruction")) == \
        ToStep(0, "instruction")
    assert position.previous(MASSAGE, Position(index=2, screen="step", step=1)) == ToStep(0, None)
    # During the reps, like a player's "previous": first back to this exercise's start.
    assert position.previous(SMILE, Position(index=1, screen="movement", step=None, phase="relax", rep=2)) == \
        ToExercise(1)
    assert position.previous(SMILE, Position(index=1, screen="movement", step=0, phase="instruction")) == \
        ToExercise(0)
    assert position.previous(MASSAGE, Position(index=0, screen="step", step=0)) == ToExercise(0)
    assert position.previous(SMILE, Position(index=3, screen="calibration", step=None)) == ToExercise(2)


def test_a_return_point_resumes_the_step_or_the_interrupted_rep_from_get_ready():
    in_a_hold = Position(index=1, screen="movement", step=None, phase="hold", rep=2, elapsed=3.0, duration=5.0)
    point = in_a_hold.here()
    assert point == ReturnPoint(1, None, "hold", 2)
    assert resume_at(SMILE, in_a_hold, point) == StartReps(2)  # half a hold is not a rep
    assert resume_at(SMILE, in_a_hold, ReturnPoint(1, 9, "relax", 9)) == StartReps(2)  # never past the last rep
    assert resume_at(SMILE, in_a_hold, ReturnPoint(1, 1, "instruction", 1)) == ToStep(1, "instruction")
    assert resume_at(SMILE, in_a_hold, ReturnPoint(1, None, "done", 2)) == ToPhase("done", 2)
    assert resume_at(MASSAGE, Position(), ReturnPoint(0, 1, None, 1)) == ToStep(1, None)
    # Before the reps begin, the point is the first rep (rep 0 is "not yet").
    assert Position(screen="movement", step=0, phase="instruction").here().rep == 1


def test_what_the_screen_counts_and_how_far_through_the_routine():
    hold = Position(index=1, screen="movement", step=None, phase="hold", rep=2, elapsed=2.5, duration=5.0)
    assert counted_rep(SMILE, hold) == (2, 2)
    assert counted_rep(SMILE, Position(index=1, screen="movement", step=0, phase="instruction")) == (None, None)
    assert counted_rep(MASSAGE, Position(screen="step", step=0)) == (None, None)  # a step by seconds
    # Exercise 1 of 4, rep 2 of 2, half way through its hold (phase 3 of 4): (1 + (1 + 2.5 / 4) / 2) / 4.
    assert progress(SMILE, hold, 4) == pytest.approx((1 + (1 + 2.5 / 4) / 2) / 4)
    assert progress(MASSAGE, Position(index=0, screen="step", step=1, elapsed=6.0, duration=12.0), 2) == \
        pytest.approx((0 + 1.5 / 2) / 2)
    assert progress(SMILE, replace(hold, phase="done"), 2) == 1.0
    assert progress(SMILE, Position(index=1, screen="calibration", step=None), 4) == 0.25


def test_guards_run_and_the_face_is_needed_only_where_the_exercise_asks_for_it():
    movement = Position(screen="movement", step=None)
    assert [p for p in ("instruction", "get_ready", "move", "hold", "relax", "done")
            if replace(movement, phase=p).watched] == ["move", "hold"]
    assert replace(movement, phase="relax").needs_face and not replace(movement, phase="done").needs_face
    assert Position(screen="calibration").needs_face and not Position(screen="step").needs_face


def test_a_position_is_a_value():
    here = Position()
    with pytest.raises(FrozenInstanceError):
        here.rep = 3  # type: ignore[misc]
    assert at_step(MASSAGE, here, ToStep(1, None), TIMING) != here and here == Position()


def test_a_movement_exercise_without_its_lengths_is_refused_clearly():
    with pytest.raises(ValueError, match="hold_seconds"):
        at_phase(replace(SMILE, hold_seconds=None), Position(screen="movement"), "hold", 1, TIMING)
    with pytest.raises(ValueError, match="not a rep phase"):
        at_phase(SMILE, Position(screen="movement"), "instruction", 1, TIMING)
