"""Loading and checking routine files: every kind of mistake, at the right line, with the right hint."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_routines_samples import CHEEK_STROKES, GENTLE_SMILE, MORNING, line_of, write_library

from rehabcoach.errors import UserError
from rehabcoach.routines.loader import (
    LIBRARY_FOLDERS,
    check_files,
    find_routine_files,
    library_folder_of,
    load_library,
)
from rehabcoach.routines.mistakes import Mistake

REPO = Path(__file__).resolve().parents[1]


def check_library(root: Path) -> list[Mistake]:
    files, mistakes = find_routine_files([root / name for name in LIBRARY_FOLDERS if (root / name).is_dir()])
    return mistakes + check_files(files).mistakes


def only(mistakes: list[Mistake]) -> Mistake:
    assert len(mistakes) == 1, "\n".join(map(str, mistakes))
    return mistakes[0]


# --- a clean library -----------------------------------------------------------------------------


def test_sample_library_loads_clean(tmp_path):
    write_library(tmp_path)
    assert check_library(tmp_path) == []
    library = load_library(tmp_path)
    assert sorted(library.exercises) == ["cheek-strokes", "gentle-smile"]
    assert list(library.routines) == ["morning"]
    assert library.exercise("gentle-smile").movement.guards[0].threshold == 0.25
    assert library.files["morning"] == tmp_path / "routines" / "morning.yaml"


def test_shipped_library_has_no_mistakes():
    folder = REPO / "exercises"
    if not any(folder.rglob("*.yaml")):
        pytest.skip("exercises/ has no files yet")
    mistakes = [m for m in check_library(REPO) if not m.warning]
    assert mistakes == [], "\n".join(map(str, mistakes))


# --- mistakes inside one file --------------------------------------------------------------------


def test_misspelled_key_reported_once_with_hint(tmp_path):
    text = GENTLE_SMILE.replace("      threshold: 0.25", "      treshold: 0.25")
    write_library(tmp_path, **{"gentle-smile": text})
    mistake = only(check_library(tmp_path))  # not also "threshold is missing"
    assert mistake.field == "movement.guards[0].treshold"
    assert (mistake.line, mistake.column) == (line_of(text, "treshold"), 7)
    assert mistake.hint == "threshold"
    assert str(mistake).startswith(f"{tmp_path / 'exercises/movement/gentle-smile.yaml'}:{mistake.line}:7: "
                                   "movement.guards[0].treshold: unknown key 'treshold'")
    assert str(mistake).endswith("(did you mean 'threshold'?)")


def test_bad_literal_values_suggest_the_nearest(tmp_path):
    text = CHEEK_STROKES.replace("category: massage", "category: massge")
    smile = GENTLE_SMILE.replace("measure: eye_aperture", "measure: eye_apperture")
    write_library(tmp_path, **{"cheek-strokes": text, "gentle-smile": smile})
    by_field = {m.field: m for m in check_library(tmp_path)}
    assert set(by_field) == {"category", "movement.guards[0].measure"}
    assert by_field["category"].hint == "massage"
    assert by_field["category"].line == line_of(text, "massge")
    assert "'massge' is not an allowed value" in by_field["category"].message
    assert by_field["movement.guards[0].measure"].hint == "eye_aperture"
    assert by_field["movement.guards[0].measure"].line == line_of(smile, "eye_apperture")


def test_misspelled_threshold_measure_in_routine_points_at_the_key(tmp_path):
    text = MORNING.replace("eye_aperture: 0.3", "eye_apperture: 0.3")
    write_library(tmp_path, morning=text)
    mistake = only(check_library(tmp_path))
    assert mistake.field == "items[1].thresholds.eye_apperture"
    assert (mistake.line, mistake.column) == (line_of(text, "eye_apperture"), 7)
    assert mistake.hint == "eye_aperture"


def test_every_mistake_in_every_file_in_one_run(tmp_path):
    smile = (GENTLE_SMILE.replace("reps: 5", "reps: 0")
             .replace("direction: increase", "direction: up")
             .replace("title: Gentle smile", "titel: Gentle smile"))
    cheek = CHEEK_STROKES.replace("    reps: 10\n", "")  # a step with neither seconds nor reps
    write_library(tmp_path, **{"gentle-smile": smile, "cheek-strokes": cheek})
    mistakes = check_library(tmp_path)
    found = {(m.path.name, m.field, m.line) for m in mistakes}
    assert found == {
        ("gentle-smile.yaml", "titel", line_of(smile, "titel")),
        ("gentle-smile.yaml", "movement.reps", line_of(smile, "reps: 0")),
        ("gentle-smile.yaml", "movement.target.direction", line_of(smile, "direction: up")),
        ("cheek-strokes.yaml", "steps[0]", line_of(cheek, "- instruction: Stroke")),
    }
    reps = next(m for m in mistakes if m.field == "movement.reps")
    assert "greater than or equal to 1" in reps.message and "(it is 0)" in reps.message
    assert next(m for m in mistakes if m.field == "titel").hint == "title"


def test_missing_key_points_at_its_section(tmp_path):
    text = GENTLE_SMILE.replace("    achieved: 0.05\n", "")
    write_library(tmp_path, **{"gentle-smile": text})
    mistake = only(check_library(tmp_path))
    assert mistake.field == "movement.target.achieved"
    assert mistake.line == line_of(text, "  target:")
    assert "required key 'achieved' is missing" in mistake.message


def test_region_that_does_not_match_the_measure(tmp_path):
    text = GENTLE_SMILE.replace("    region: mouth", "    region: eye")
    write_library(tmp_path, **{"gentle-smile": text})
    mistake = only(check_library(tmp_path))
    assert mistake.field == "movement.target"
    assert "belongs to region 'mouth'" in mistake.message


def test_movement_section_on_a_massage_exercise_points_at_it(tmp_path):
    text = CHEEK_STROKES + GENTLE_SMILE[GENTLE_SMILE.index("movement:"):]
    write_library(tmp_path, **{"cheek-strokes": text})
    mistake = only(check_library(tmp_path))
    assert mistake.line == line_of(text, "movement:")
    assert "has no 'movement' section" in mistake.message


def test_bad_id_gets_a_slug_hint(tmp_path):
    text = CHEEK_STROKES.replace("id: cheek-strokes", "id: Cheek_Strokes")
    write_library(tmp_path, **{"cheek-strokes": text})
    mistake = only(check_library(tmp_path))
    assert (mistake.field, mistake.line, mistake.hint) == ("id", 2, "cheek-strokes")


def test_missing_or_unknown_kind(tmp_path):
    write_library(tmp_path, **{"cheek-strokes": CHEEK_STROKES.replace("kind: exercise", "kind: exercize")})
    mistake = only(check_library(tmp_path))
    assert (mistake.field, mistake.line, mistake.hint) == ("kind", 1, "exercise")
    write_library(tmp_path, **{"cheek-strokes": CHEEK_STROKES.replace("kind: exercise\n", "")})
    assert "missing 'kind'" in only(check_library(tmp_path)).message


# --- unsafe or malformed YAML --------------------------------------------------------------------


def test_python_object_tag_is_rejected_and_never_run(tmp_path):
    marker = tmp_path / "executed"
    text = CHEEK_STROKES.replace(
        "title: Cheek strokes", f"title: !!python/object/apply:os.system ['touch {marker}']"
    )
    write_library(tmp_path, **{"cheek-strokes": text})
    mistake = only(check_library(tmp_path))
    assert not marker.exists()
    assert mistake.field == "title" and mistake.line == 3
    assert "tag '!!python/object/apply:os.system' is not allowed" in mistake.message


def test_custom_tags_and_aliases_are_rejected(tmp_path):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "tagged.yaml").write_text("kind: !thing exercise\n", encoding="utf-8")
    bomb = "kind: routine\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20)
    )
    (bundle / "bomb.yaml").write_text(bomb, encoding="utf-8")
    mistakes = check_files(sorted(bundle.iterdir())).mistakes
    messages = {m.path.name: m.message for m in mistakes}
    assert "tag '!thing' is not allowed" in messages["tagged.yaml"]
    assert "anchors and aliases" in messages["bomb.yaml"]


def test_duplicate_keys_reported_with_both_lines(tmp_path):
    text = CHEEK_STROKES.replace("category: massage\n", "category: massage\ncategory: relaxation\n")
    write_library(tmp_path, **{"cheek-strokes": text})
    mistake = only(check_library(tmp_path))
    assert (mistake.field, mistake.line) == ("category", 5)
    assert "duplicate key 'category' (first written on line 4)" in mistake.message


@pytest.mark.parametrize(
    ("content", "expected", "line"),
    [
        (b"", "the file is empty", None),
        (b"# only a comment\n", "the file is empty", None),
        (b"- kind: exercise\n", "holds a list", 1),
        (b"just words\n", "holds a single value", 1),
        (b"kind: exercise\ntitle: caf\xe9\n", "not UTF-8", 2),
        (b"kind: exercise\nsteps: [\n  - a\n", "YAML syntax", 3),
        (b"kind: exercise\n\tid: x\n", "YAML syntax", 2),
    ],
)
def test_files_that_are_not_routine_files(tmp_path, content, expected, line):
    path = tmp_path / "broken.yaml"
    path.write_bytes(content)
    mistake = only(check_files([path]).mistakes)
    assert expected in mistake.message
    if line is not None:
        assert mistake.line == line


def test_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"kind: exercise\n" + b"# padding\n" * 110_000)
    assert "must be under 1 MB" in only(check_files([path]).mistakes).message


# --- illustrations and the library folder --------------------------------------------------------


def test_library_folder_rule(tmp_path):
    assert library_folder_of(tmp_path / "lib" / "exercises" / "massage" / "a.yaml") == tmp_path / "lib"
    assert library_folder_of(tmp_path / "bundle" / "a.yaml") == tmp_path / "bundle"


def test_bundle_folder_illustration_is_relative_to_the_bundle(tmp_path):
    bundle = tmp_path / "anna"
    (bundle / "pictures").mkdir(parents=True)
    (bundle / "pictures" / "cheek.svg").write_text("<svg/>", encoding="utf-8")
    text = CHEEK_STROKES.replace("assets/exercises/cheek-strokes.svg", "pictures/cheek.svg")
    (bundle / "cheek-strokes.yaml").write_text(text, encoding="utf-8")
    assert check_files([bundle / "cheek-strokes.yaml"]).mistakes == []


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("assets/exercises/cheek-stroke.svg", "file not found"),
        ("/etc/passwd", "is an absolute path"),
        ("assets/../../secret.svg", "goes up with '..'"),
        ("assets\\..\\..\\secret.svg", "goes up with '..'"),
    ],
)
def test_bad_illustration_paths(tmp_path, written, expected):
    text = CHEEK_STROKES.replace("assets/exercises/cheek-strokes.svg", written)
    write_library(tmp_path, **{"cheek-strokes": text})
    mistake = only(check_library(tmp_path))
    assert mistake.field == "illustration" and mistake.line == line_of(text, "illustration:")
    assert expected in mistake.message
    if expected == "file not found":
        assert mistake.hint == "assets/exercises/cheek-strokes.svg"


def test_illustration_symlink_leading_out_of_the_library(tmp_path):
    outside = tmp_path / "outside.svg"
    outside.write_text("<svg/>", encoding="utf-8")
    library = write_library(tmp_path / "lib")
    link = library / "assets" / "exercises" / "cheek-strokes.svg"
    link.unlink()
    os.symlink(outside, link)
    mistake = only(check_library(library))
    assert "outside the library folder" in mistake.message


# --- mistakes across files -----------------------------------------------------------------------


def test_unknown_exercise_in_routine_suggests_a_known_id(tmp_path):
    text = MORNING.replace("exercise: gentle-smile", "exercise: gentle-smiles")
    write_library(tmp_path, morning=text)
    mistake = only(check_library(tmp_path))
    assert (mistake.field, mistake.line) == ("items[1].exercise", line_of(text, "gentle-smiles"))
    assert mistake.hint == "gentle-smile"


def test_duplicate_ids_across_files(tmp_path):
    write_library(tmp_path)
    copy = tmp_path / "exercises" / "massage" / "cheek-strokes-copy.yaml"
    copy.write_text(CHEEK_STROKES, encoding="utf-8")
    errors = [m for m in check_library(tmp_path) if not m.warning]
    mistake = only(errors)
    original = tmp_path / "exercises" / "massage" / "cheek-strokes.yaml"
    assert mistake.path in (copy, original) and mistake.field == "id" and mistake.line == 2
    other = original if mistake.path == copy else copy
    assert f"the id 'cheek-strokes' is already used by {other}" in mistake.message


def test_file_name_differing_from_id_is_a_warning_only(tmp_path):
    write_library(tmp_path)
    (tmp_path / "routines" / "morning.yaml").rename(tmp_path / "routines" / "mornings.yaml")
    mistake = only(check_library(tmp_path))
    assert mistake.warning and mistake.field == "id"
    assert "name it 'morning.yaml'" in mistake.message
    assert str(mistake).split(": ")[1] == "warning"
    assert "morning" in load_library(tmp_path).routines


def test_overrides_that_do_not_fit_the_exercise(tmp_path):
    text = MORNING.replace(
        "  - exercise: cheek-strokes\n", "  - exercise: cheek-strokes\n    reps: 2\n"
    ).replace("eye_aperture: 0.3", "eye_aperture: 0.3\n      lip_width: 0.2")
    write_library(tmp_path, morning=text)
    mistakes = check_library(tmp_path)
    assert [(m.field, m.line) for m in mistakes] == [
        ("items[0].reps", line_of(text, "reps: 2")),
        ("items[1].thresholds.lip_width", line_of(text, "lip_width")),
    ]
    assert "only applies to movement exercises" in mistakes[0].message
    assert "its guards watch: brow_height, eye_aperture" in mistakes[1].message


def test_missing_paths_are_mistakes(tmp_path):
    (tmp_path / "empty").mkdir()
    files, mistakes = find_routine_files([tmp_path / "nope.yaml", tmp_path / "empty"])
    assert files == []
    assert [m.message for m in mistakes] == ["no such file or folder", "no .yaml or .yml files in this folder"]


# --- the Library object --------------------------------------------------------------------------


def test_loading_a_library_with_mistakes_lists_them_all(tmp_path):
    write_library(
        tmp_path,
        **{"cheek-strokes": CHEEK_STROKES.replace("massage", "massge"),
           "morning": MORNING.replace("gentle-smile", "gentle-smil")},
    )
    with pytest.raises(UserError) as caught:
        load_library(tmp_path)
    text = str(caught.value)
    assert text.startswith("2 mistakes in the routine files")
    assert "cheek-strokes.yaml:4:11: category:" in text and "morning.yaml" in text


def test_unknown_ids_raise_user_errors_with_hints(tmp_path):
    library = load_library(write_library(tmp_path))
    with pytest.raises(UserError, match="did you mean 'gentle-smile'"):
        library.exercise("gentle-smiel")
    with pytest.raises(UserError, match="'morning' is a routine, not an exercise"):
        library.exercise("morning")
    with pytest.raises(UserError, match="'gentle-smile' is an exercise, not a routine"):
        library.routine("gentle-smile")


def test_prescription_bundle_added_on_top_of_the_library(tmp_path):
    library = load_library(write_library(tmp_path / "lib"))
    bundle = tmp_path / "anna"
    bundle.mkdir()
    (bundle / "anna-week-1.yaml").write_text(
        MORNING.replace("id: morning", "id: anna-week-1"), encoding="utf-8"
    )
    library.add(bundle)
    assert [item.exercise for item in library.routine("anna-week-1").items] == ["cheek-strokes", "gentle-smile"]

    clash = tmp_path / "clash"
    clash.mkdir()
    (clash / "morning.yaml").write_text(MORNING, encoding="utf-8")
    (clash / "extra.yaml").write_text(MORNING.replace("id: morning", "id: extra"), encoding="utf-8")
    with pytest.raises(UserError, match="the id 'morning' is already used by"):
        library.add(clash)
    assert "extra" not in library.routines  # nothing half-added


def test_load_library_needs_an_exercises_folder(tmp_path):
    with pytest.raises(UserError, match="no exercises/ folder"):
        load_library(tmp_path)
    with pytest.raises(UserError, match="library folder not found"):
        load_library(tmp_path / "missing")


# --- robustness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("kind: [exercise]\n", "a list is not a kind of file"),
        ("kind: routine\n1: x\n", "unknown key '1'"),
        ("? [a, b]\n: c\n", "keys must be plain words"),
        ("---\nkind: routine\n---\nkind: routine\n", "expected a single document"),
        ("[" * 5000, "nested too deeply"),
        ("kind: exercise\nillustration: ''\n", "the illustration path is empty"),
        ("kind: exercise\nmovement: 3\n", "movement: should be a section of indented 'key: value' lines"),
        ("kind: routine\nitems: !!int abc\n", "'abc' is not a valid int"),
        ("kind: routine\nitems: !!bool maybe\n", "'maybe' is not a valid bool"),
        ("kind: routine\nitems: !!str [1]\n", "the tag '!!str' does not fit this value"),
    ],
)
def test_odd_documents_give_mistakes_not_exceptions(tmp_path, content, expected):
    path = tmp_path / "odd.yaml"
    path.write_text(content, encoding="utf-8")
    assert any(expected in str(m) for m in check_files([path]).mistakes)


def test_randomly_damaged_files_never_crash_the_checker(tmp_path):
    import random

    rng = random.Random(7)
    sources = [CHEEK_STROKES, GENTLE_SMILE, MORNING]
    for number in range(150):
        chars = list(rng.choice(sources))
        for _ in range(rng.randint(1, 5)):
            at = rng.randrange(len(chars))
            if rng.random() < 0.5:
                del chars[at:at + rng.randint(1, 8)]
            else:
                chars.insert(at, rng.choice([*" :-\n\t[]{}&*!#'\"x0", "!!int ", "!!bool ", "!!float ", "!!map "]))
        (tmp_path / f"damaged-{number}.yaml").write_text("".join(chars), encoding="utf-8")
    result = check_files(sorted(tmp_path.iterdir()))
    assert len(result.errors) > 100  # most damage is a mistake somewhere
    for mistake in result.mistakes:
        assert mistake.path.parent == tmp_path and mistake.message
        assert mistake.line is None or mistake.line >= 1
