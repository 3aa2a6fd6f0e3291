"""Text written for the affected side ({affected}, {other}) and progression levels: the format, their
checks with file/line messages, and resolution (level < routine item < prescription, side from the profile)."""

from __future__ import annotations

import pytest
from test_routines_samples import CHEEK_STROKES, GENTLE_SMILE, MORNING, line_of, write_library

from rehabcoach.errors import UserError
from rehabcoach.routines.loader import check_files, find_routine_files, load_library
from rehabcoach.routines.models import RoutineItem, side_words
from rehabcoach.routines.resolve import resolve_exercise, resolve_routine

SIDED_STROKES = CHEEK_STROKES.replace(
    "  - instruction: Stroke from the side of the nose towards the ear.\n    cue: Stroke towards your ears.\n",
    "  - instruction: Stroke your {affected} cheek first, then your {other} cheek.\n"
    "    cue: \"{Affected} cheek first, then the {other} one.\"\n",
)
LEVELS = """\
  levels:
    - name: Tiny and strict
      about: A tiny smile, with the coach watching your eyes closely.
      achieved: 0.03
      thresholds:
        eye_aperture: 0.15
    - name: Longer hold
      about: The same small smile, held longer.
      hold_seconds: 8
    - name: In daily life
      about: The smile while saying hello.
      steps:
        - instruction: Smile and say hello.
          cue: Smile, and say hello.
          seconds: 6
"""


def mistakes_in(root):
    files, missing = find_routine_files([root])
    return missing + check_files(files).mistakes


@pytest.mark.parametrize("side, expected", [
    ("left", "Stroke your left cheek first, then your right cheek."),
    ("right", "Stroke your right cheek first, then your left cheek."),
    (None, "Stroke your affected cheek first, then your other cheek."),
])
def test_side_words_are_filled_in_from_the_affected_side(tmp_path, side, expected):
    library = load_library(write_library(tmp_path, **{"cheek-strokes": SIDED_STROKES}))
    resolved = resolve_exercise(library.exercise("cheek-strokes"), affected_side=side)
    assert resolved.steps[0].instruction == expected
    assert resolved.steps[0].cue.split(" cheek")[0] == {"left": "Left", "right": "Right", None: "Affected"}[side]
    assert resolved.names_sides and resolved.affected_side == side
    assert "{" not in resolved.steps[0].cue


def test_for_side_rewords_a_resolved_exercise_and_routines_pass_the_side(tmp_path):
    library = load_library(write_library(tmp_path, **{"cheek-strokes": SIDED_STROKES}))
    unknown = resolve_routine(library, "morning")[0]
    assert "your affected cheek" in unknown.steps[0].instruction
    assert "your right cheek first" in unknown.for_side("right").steps[0].instruction
    assert unknown.for_side(None) is unknown  # nothing to change
    assert "your left cheek first" in resolve_routine(library, "morning", affected_side="left")[0].steps[0].instruction
    plain = resolve_exercise(library.exercise("gentle-smile"))
    assert not plain.names_sides and plain.for_side("left").steps == plain.steps


def test_side_words_leave_text_without_placeholders_alone():
    assert side_words("Smile gently.", "left") == "Smile gently."
    assert side_words("{Other} side: {other}.", "left") == "Right side: right."


@pytest.mark.parametrize("written, message", [
    ("{afected}", "unknown placeholder '{afected}' (did you mean '{affected}'?)"),
    ("{left}", "unknown placeholder '{left}': the side placeholders are {affected} and {other}"),
    ("only one {brace", "a '{' or '}' without its partner"),
])
def test_wrong_placeholders_are_reported_at_their_line(tmp_path, written, message):
    text = CHEEK_STROKES.replace("Rest your hands.", f"Rest your hands on the {written} side.")
    root = write_library(tmp_path, **{"cheek-strokes": text})
    (mistake,) = mistakes_in(root)
    assert message in mistake.message
    assert mistake.field == "steps[1].instruction"
    assert mistake.line == line_of(text, "Rest your hands on")


def test_a_level_changes_only_what_it_sets(tmp_path):
    library = load_library(write_library(tmp_path, **{"gentle-smile": GENTLE_SMILE + LEVELS}))
    exercise = library.exercise("gentle-smile")
    first = resolve_exercise(exercise)  # no choice: level 1
    assert (first.level, first.level_names) == (1, ("Tiny and strict", "Longer hold", "In daily life"))
    assert first.target.achieved == 0.03 and first.threshold_of("eye_aperture") == 0.15
    assert first.threshold_of("brow_height") == 0.2  # not set by the level: the exercise's
    second = resolve_exercise(exercise, level=2)
    assert (second.hold_seconds, second.target.achieved, second.threshold_of("eye_aperture")) == (8, 0.05, 0.25)
    third = resolve_exercise(exercise, level=3)
    assert [s.cue for s in third.steps] == ["Smile, and say hello."]
    assert third.duration_seconds == pytest.approx(6 + 5 * 11)


def test_routine_item_level_and_overrides_apply_on_top_of_the_level(tmp_path):
    routine = MORNING.replace("    reps: 3\n", "    reps: 3\n    level: 2\n")
    library = load_library(write_library(tmp_path, **{"gentle-smile": GENTLE_SMILE + LEVELS, "morning": routine}))
    smile = resolve_routine(library, "morning")[1]
    assert (smile.level, smile.hold_seconds, smile.reps) == (2, 8, 3)
    assert smile.threshold_of("eye_aperture") == 0.3  # the routine item's threshold beats the level's
    chosen = resolve_exercise(library.exercise("gentle-smile"), RoutineItem(exercise="gentle-smile", level=2), level=1)
    assert chosen.level == 1  # the patient's or prescription's choice beats the routine's


def test_level_mistakes(tmp_path):
    library = load_library(write_library(tmp_path, **{"gentle-smile": GENTLE_SMILE + LEVELS}))
    with pytest.raises(UserError, match="has levels 1 to 3, not 4"):
        resolve_exercise(library.exercise("gentle-smile"), level=4)
    with pytest.raises(UserError, match="'cheek-strokes' has no levels"):
        resolve_exercise(library.exercise("cheek-strokes"), level=1)


def test_a_routine_asking_for_a_missing_level_is_reported_at_its_line(tmp_path):
    routine = MORNING.replace("    reps: 3\n", "    reps: 3\n    level: 4\n")
    root = write_library(tmp_path, **{"gentle-smile": GENTLE_SMILE + LEVELS, "morning": routine})
    (mistake,) = mistakes_in(root)
    assert (mistake.field, mistake.line) == ("items[1].level", line_of(routine, "level: 4"))
    assert "'gentle-smile' has only levels 1 to 3" in mistake.message


def test_a_level_threshold_for_an_unguarded_measure_is_a_mistake(tmp_path):
    levels = LEVELS.replace("        eye_aperture: 0.15\n", "        lip_width: 0.15\n")
    (mistake,) = mistakes_in(write_library(tmp_path, **{"gentle-smile": GENTLE_SMILE + levels}))
    assert "level 1 sets 'thresholds' for lip_width, which no guard watches" in mistake.message


def test_a_movement_without_target_resolves_to_guards_only(tmp_path):
    start, end = GENTLE_SMILE.index("  target:"), GENTLE_SMILE.index("  guards:")
    library = load_library(write_library(tmp_path, **{"gentle-smile": GENTLE_SMILE[:start] + GENTLE_SMILE[end:]}))
    resolved = resolve_exercise(library.exercise("gentle-smile"))
    assert resolved.target is None and len(resolved.guards) == 2 and resolved.reps == 5
