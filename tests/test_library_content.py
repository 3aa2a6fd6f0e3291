"""The built-in exercise library: the content the app promises, and illustrations that are safe to show.

tests/test_routines_loader.py checks that the library loads without mistakes; these tests check what
it holds: the exercises other parts of the app and the docs name, therapeutically sensible movement
sections, routines whose overrides really apply, and pictures that are plain, self-contained SVG.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rehabcoach.routines.loader import load_library, resolve_routine

REPO = Path(__file__).resolve().parents[1]
SVG_NS = "{http://www.w3.org/2000/svg}"
SUNNYBROOK_MOVEMENTS = ["brow-raise", "gentle-eye-closure", "open-mouth-smile", "snarl", "lip-pucker"]


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
    assert [exercise.id for exercise in resolved] == SUNNYBROOK_MOVEMENTS
    assert all(exercise.reps == 3 for exercise in resolved)


def test_the_tired_day_routine_needs_no_camera(library):
    assert all(exercise.category != "movement" for exercise in resolve_routine(library, "tired-day"))


def test_every_movement_guards_a_region_other_than_the_one_it_trains(library):
    """The point of movement retraining: one region moves, another must stay still."""
    for exercise in library.exercises.values():
        if exercise.movement is None:
            continue
        movement = exercise.movement
        assert movement.guards, f"{exercise.id} has no guard"
        assert all(guard.region != movement.target.region for guard in movement.guards), exercise.id
        # Consensus practice: slow holds of a few seconds, rests at least as long as half the hold.
        assert 1 <= movement.hold_seconds <= 10, exercise.id
        assert movement.rest_seconds >= movement.hold_seconds / 2, exercise.id


def test_oral_movements_guard_the_eyes_and_eye_movements_guard_the_mouth(library):
    """The two commonest synkinesis patterns (oral-ocular, ocular-oral) are watched where they occur."""
    for exercise_id in ("gentle-smile", "open-mouth-smile", "lip-pucker", "snarl", "brow-raise"):
        guards = library.exercise(exercise_id).movement.guards
        assert any(g.measure == "eye_aperture" and g.direction == "decrease" for g in guards), exercise_id
    guards = library.exercise("gentle-eye-closure").movement.guards
    assert {g.measure for g in guards if g.direction == "increase"} >= {"mouth_corner_lift", "mouth_corner_excursion"}


def test_massage_and_movement_descriptions_say_when_to_stop(library):
    for exercise in library.exercises.values():
        if exercise.category in ("massage", "movement"):
            assert "Stop if" in exercise.description, exercise.id


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
