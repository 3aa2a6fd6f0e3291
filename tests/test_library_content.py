"""The built-in exercise library: the content the app promises, and illustrations that are safe to show.

tests/test_routines_loader.py checks that the library loads without mistakes; these tests check what
it holds: the exercises other parts of the app and the docs name, therapeutically sensible movement
sections (docs/clinical-basis.md gives the sources of each rule), routines whose overrides really
apply, and pictures that are plain, self-contained SVG whose marks match their exercise.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rehabcoach.routines.loader import check_files, find_routine_files, load_library, resolve_routine
from rehabcoach.vision.catalogue import REGIONS

REPO = Path(__file__).resolve().parents[1]
SVG_NS = "{http://www.w3.org/2000/svg}"
SUNNYBROOK_MOVEMENTS = ["brow-raise", "gentle-eye-closure", "open-mouth-smile", "snarl", "lip-pucker"]
CHECK_EXERCISES = ["check-brow-raise", "check-eye-closure", "check-open-mouth-smile", "check-snarl", "check-lip-pucker"]
# The largest target that still asks for a gentle movement (effort 2-3 out of 10), per measure and
# direction, on the measure's own scale; docs/routine-format.md explains the values.
GENTLE_TARGETS = {
    ("mouth_corner_lift", "increase"): 0.05,
    ("mouth_corner_excursion", "increase"): 0.05,
    ("lip_width", "decrease"): 0.15,
    ("lip_width", "increase"): 0.10,
    ("brow_height", "increase"): 0.08,
    ("brow_height", "decrease"): 0.06,
    ("nose_wrinkle", "increase"): 0.03,
    ("cheek_raise", "increase"): 0.03,
    ("eye_aperture", "decrease"): 0.6,  # a soft, complete closure: closing is the whole movement
}
# Exercises whose target is larger on purpose, with the words of their description that say why.
LARGER_ON_PURPOSE: dict[str, str] = {}
# Words of an exercise's text that name each area a picture's arrows may cover.
AREA_WORDS = {
    "forehead": ("forehead", "eyebrow"), "eye": ("eye",), "cheek": ("cheek",), "smile-line": ("smile line",),
    "lip": ("lip",), "chin": ("chin",), "ear": ("ear",), "jaw": ("jaw",), "neck": ("neck",),
    "belly": ("belly",), "shoulder": ("shoulder",), "mouth": ("mouth", "lip", "smile"), "brow": ("eyebrow",),
    "nose": ("nose",),
}


@pytest.fixture(scope="module")
def library():
    if not any((REPO / "exercises").rglob("*.yaml")):
        pytest.skip("exercises/ has no files")
    return load_library(REPO)


def test_the_library_has_enough_of_each_kind(library):
    by_category = {}
    for exercise in library.exercises.values():
        by_category.setdefault(exercise.category, []).append(exercise.id)
    assert len(by_category["massage"]) >= 6
    assert len(by_category["relaxation"]) >= 4
    assert len(by_category["movement"]) >= 10
    assert len(library.routines) >= 4


def test_the_exercises_named_elsewhere_exist(library):
    for exercise_id in ("gentle-smile", "small-smile-with-eye-control", *SUNNYBROOK_MOVEMENTS):
        assert library.exercise(exercise_id).category == "movement"


def test_five_movement_check_runs_the_sunnybrook_movements_in_order(library):
    resolved = resolve_routine(library, "five-movement-check")
    assert [exercise.id for exercise in resolved] == CHECK_EXERCISES
    assert all(exercise.reps == 3 for exercise in resolved)
    # The same movements as the practice exercises, in the scale's order.
    practice = [library.exercise(exercise_id).movement.target for exercise_id in SUNNYBROOK_MOVEMENTS]
    assert [(e.target.measure, e.target.direction) for e in resolved] == [(t.measure, t.direction) for t in practice]


def test_each_check_movement_watches_every_region_a_healthy_face_keeps_still(library):
    """Sunnybrook grades unwanted movement anywhere in the face during each movement, not in one region."""
    # Regions that move in a healthy face during the movement, so watching them would grade health.
    moves_anyway = {"check-open-mouth-smile": {"cheek"}, "check-snarl": {"cheek"}}
    for exercise in resolve_routine(library, "five-movement-check"):
        watched = {guard.region for guard in exercise.guards}
        expected = set(REGIONS) - {exercise.target.region} - moves_anyway.get(exercise.id, set())
        assert watched == expected, exercise.id
        assert {guard.sides for guard in exercise.guards} == {("left", "right")}, exercise.id


def test_the_tired_day_routine_needs_no_camera(library):
    assert all(exercise.category != "movement" for exercise in resolve_routine(library, "tired-day"))


def movement_exercises(library):
    return [exercise for exercise in library.exercises.values() if exercise.movement is not None]


def test_every_movement_guards_a_region_other_than_the_one_it_trains(library):
    """The point of movement retraining: one region moves, another must stay still."""
    for exercise in movement_exercises(library):
        movement = exercise.movement
        assert movement.guards, f"{exercise.id} has no guard"
        if movement.target is not None:
            # A guard may watch another measure of the trained region (a smile's sideways pull while it
            # lifts), never the trained measure itself, and at least one guard watches elsewhere.
            assert all(guard.measure != movement.target.measure for guard in movement.guards), exercise.id
            assert any(guard.region != movement.target.region for guard in movement.guards), exercise.id
        # Consensus practice: slow holds of a few seconds, rests at least as long as half the hold.
        for level in [movement, *movement.levels]:
            hold = level.hold_seconds or movement.hold_seconds
            rest = level.rest_seconds or movement.rest_seconds
            assert 1 <= hold <= 10, exercise.id
            assert rest >= hold / 2, exercise.id


def test_guard_thresholds_are_sensible_in_their_measures_units(library):
    """Relative measures are shares of the resting value; the rest are in inter-ocular distances (IOD)."""
    sensible = {"eye_aperture": (0.1, 0.35), "brow_height": (0.05, 0.2), "lip_width": (0.05, 0.2),
                "mouth_corner_lift": (0.02, 0.06), "mouth_corner_excursion": (0.02, 0.06),
                "cheek_raise": (0.02, 0.06), "nose_wrinkle": (0.02, 0.06)}
    for exercise in movement_exercises(library):
        thresholds = [(g.measure, g.threshold) for g in exercise.movement.guards]
        thresholds += [item for level in exercise.movement.levels for item in level.thresholds.items()]
        for measure, threshold in thresholds:
            low, high = sensible[measure]
            assert low <= threshold <= high, (exercise.id, measure, threshold)


def test_no_target_asks_for_more_than_a_gentle_movement_unless_it_says_why(library):
    for exercise in movement_exercises(library):
        target = exercise.movement.target
        if target is None:
            # No measure follows this movement: the description must say there is no meter.
            assert "no meter" in exercise.description, exercise.id
            continue
        limit = GENTLE_TARGETS[(target.measure, target.direction)]
        for achieved in [target.achieved] + [level.achieved for level in exercise.movement.levels if level.achieved]:
            if achieved > limit:
                reason = LARGER_ON_PURPOSE.get(exercise.id)
                assert reason and reason in exercise.description, (exercise.id, achieved, limit)


def test_movement_exercises_use_touch_where_the_consensus_does(library):
    """A hand (fingertip) on the part that should stay still, e.g. the corner of the mouth (PMC9682287)."""
    for exercise_id in ("gentle-smile", "open-mouth-smile", "gentle-eye-closure", "slow-blink", "brow-raise",
                        "lip-pucker", "oo-sound", "snarl", "lower-lip-down", "cheek-puff", "lip-sounds"):
        steps = library.exercise(exercise_id).steps
        assert any("fingertip" in step.instruction for step in steps), exercise_id


def test_every_routine_asks_once_to_notice_what_is_felt(library):
    """"Feel it, don't watch it": one step per routine turns attention to feeling rather than seeing."""
    for routine in library.routines.values():
        steps = [step.instruction.lower() for item in routine.items for step in library.exercise(item.exercise).steps]
        assert any("notice" in text and "feel" in text for text in steps), routine.id


def test_stretches_spend_longer_on_the_affected_side(library):
    """Facial Palsy UK: stretch the tight side; the affected side gets the longer hold wherever both appear."""
    both_sides = 0
    for exercise in library.exercises.values():
        affected = sum(step.seconds or 0 for step in exercise.steps if "{affected}" in step.instruction)
        other = sum(step.seconds or 0 for step in exercise.steps if "{other}" in step.instruction)
        if affected and other:
            both_sides += 1
            assert affected > other, exercise.id
    assert both_sides >= 3  # inner cheek, smile line and neck stretches


def test_the_library_validates_as_the_validate_command_checks_it():
    files, missing = find_routine_files([REPO / "exercises"])
    result = check_files(files)
    assert not missing and not result.mistakes, [str(m) for m in missing + result.mistakes]


def test_oral_movements_guard_the_eyes_and_eye_movements_guard_the_mouth(library):
    """The two commonest synkinesis patterns (oral-ocular, ocular-oral) are watched where they occur."""
    for exercise_id in ("gentle-smile", "open-mouth-smile", "lip-pucker", "snarl", "brow-raise"):
        guards = library.exercise(exercise_id).movement.guards
        assert any(g.measure == "eye_aperture" and g.direction == "decrease" for g in guards), exercise_id
    guards = library.exercise("gentle-eye-closure").movement.guards
    assert {g.measure for g in guards if g.direction == "increase"} >= {"mouth_corner_lift", "mouth_corner_excursion"}


def test_every_exercise_says_to_stop_on_pain(library):
    for exercise in library.exercises.values():
        assert re.search(r"Stop if [^.]*(hurts|pain)", exercise.description), exercise.id


def test_spoken_cues_are_short(library):
    """Cues are spoken to tired patients: one short sentence or two, never a paragraph."""
    for exercise in library.exercises.values():
        for step in exercise.steps:
            assert len(step.cue.split()) <= 16, (exercise.id, step.cue)


def test_routine_overrides_reach_the_resolved_exercises(library):
    resolved = {exercise.id: exercise for exercise in resolve_routine(library, "eye-protection")}
    exercise = library.exercise("small-smile-with-eye-control")
    assert exercise.movement.guards[0].threshold == pytest.approx(0.15)
    assert resolved["small-smile-with-eye-control"].threshold_of("eye_aperture") == pytest.approx(0.12)
    assert resolved["small-smile-with-eye-control"].reps == 8
    pucker = resolved["lip-pucker"]
    assert (pucker.reps, pucker.hold_seconds, pucker.rest_seconds) == (6, 3, 6)
    assert pucker.threshold_of("eye_aperture") == pytest.approx(0.15)


def test_each_exercise_has_its_own_picture_and_no_picture_is_orphaned(library):
    pictures = {path.stem for path in (REPO / "assets" / "exercises").glob("*.svg")}
    for exercise in library.exercises.values():
        assert exercise.illustration == f"assets/exercises/{exercise.id}.svg"
    assert pictures == set(library.exercises)


def _svg_files() -> list[Path]:
    return sorted((REPO / "assets" / "exercises").glob("*.svg"))


@pytest.mark.parametrize("path", _svg_files(), ids=lambda p: p.stem)
def test_pictures_are_plain_self_contained_svg(path):
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == "0 0 400 400"
    title = root.find(f"{SVG_NS}title")
    assert title is not None and title.text and title.text.strip()
    # Nothing that runs code, loads other files or embeds photos, and nothing QtSvg would skip.
    forbidden = {"script", "image", "foreignObject", "style", "marker", "filter", "use", "a"}
    for element in root.iter():
        name = element.tag.replace(SVG_NS, "")
        assert name not in forbidden, f"{path.name}: <{name}>"
        for attribute, value in element.attrib.items():
            assert not attribute.lower().startswith("on"), f"{path.name}: {attribute}"
            assert "href" not in attribute, f"{path.name}: {attribute}"
            assert "url(" not in value, f"{path.name}: {attribute}={value}"


@pytest.mark.parametrize("path", _svg_files(), ids=lambda p: p.stem)
def test_pictures_render_with_qt(qapp, path):
    """The app draws illustrations with QtSvg: each must parse and draw a real picture, not a blank."""
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(path))
    assert renderer.isValid()
    image = QImage(200, 200, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    colours = {image.pixel(x, y) for x in range(0, 200, 5) for y in range(0, 200, 5)}
    dark = sum(1 for x in range(0, 200, 2) for y in range(0, 200, 2) if QColor(image.pixel(x, y)).lightness() < 80)
    assert len(colours) >= 5, f"{path.name} looks blank"
    assert dark >= 100, f"{path.name} has no outlines"  # thick dark outlines are part of the style


def _marks(path: Path) -> dict[str, set[str]]:
    """The picture's marks by kind: moves/keep-still regions and arrows areas (ids like keep-still-eye-1)."""
    marks: dict[str, set[str]] = {"moves": set(), "keep-still": set(), "arrows": set()}
    for element in ET.parse(path).getroot().iter():
        found = re.fullmatch(r"(moves|keep-still|arrows)-([a-z-]+)-\d+", element.get("id", ""))
        if found:
            marks[found.group(1)].add(found.group(2))
    return marks


def test_illustration_marks_match_their_exercise(library):
    """Orange glow on the trained region, "keep still" rings on exactly the guarded regions, no arrow on
    a region that must keep still, and massage arrows only over parts the text names."""
    for exercise in library.exercises.values():
        marks = _marks(REPO / exercise.illustration)
        text = " ".join([exercise.description] + [s.instruction for s in exercise.steps]).lower()
        if exercise.movement is None:
            assert not marks["moves"] and not marks["keep-still"], exercise.id
            for area in marks["arrows"]:
                assert any(word in text for word in AREA_WORDS[area]), (exercise.id, area)
            continue
        target = exercise.movement.target
        guarded = {guard.region for guard in exercise.movement.guards}
        assert marks["moves"], f"{exercise.id}: nothing glows"
        if target is not None:
            assert marks["moves"] == {target.region}, exercise.id
            guarded -= {target.region}  # another measure of the glowing region: the glow covers it
        assert marks["keep-still"] == guarded, exercise.id
        assert not marks["arrows"] & marks["keep-still"], exercise.id
        for region in marks["keep-still"]:  # the text tells the patient what the rings mean
            assert any(word in text for word in AREA_WORDS[region]), (exercise.id, region)


def test_neck_strokes_picture_keeps_off_the_front_of_the_throat():
    root = ET.parse(REPO / "assets" / "exercises" / "neck-strokes.svg").getroot()
    group = next(e for e in root.iter(f"{SVG_NS}g") if e.get("id", "").startswith("arrows-neck"))
    starts = [tuple(map(float, re.match(r"M ([\d.]+) ([\d.]+)", p.get("d")).groups()))
              for p in group.iter(f"{SVG_NS}path")]
    assert starts and all(abs(x - 200) >= 20 for x, _ in starts), starts  # the throat is the middle


def test_clinical_basis_names_every_exercise_and_routine(library):
    """docs/clinical-basis.md gives each exercise's source: a new exercise needs its line there."""
    text = (REPO / "docs" / "clinical-basis.md").read_text(encoding="utf-8")
    for item_id in [*library.exercises, *library.routines]:
        assert f"`{item_id}`" in text, item_id


def test_pictures_are_what_the_drawing_script_makes(tmp_path):
    """The illustrations are generated: a hand edit (or a script change without redrawing) shows here."""
    import subprocess
    import sys

    subprocess.run([sys.executable, str(REPO / "assets" / "tools" / "draw_illustrations.py"), str(tmp_path)],
                   check=True, capture_output=True)
    for path in _svg_files():
        assert (tmp_path / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), path.name
