"""What the movement screen says about the active warnings: one line per region, both sides together,
never more lines than a laptop screen has room for."""

from __future__ import annotations

from rehabcoach.coaching import cues
from rehabcoach.coaching.guards import warning_message
from rehabcoach.coaching.types import ActiveWarning, ResolvedTarget

SMILE = ResolvedTarget(region="mouth", measure="mouth_corner_lift", direction="increase", achieved=0.05,
                       sides=("left", "right"))


def warned(region: str, side: str, measure: str, deviation: float) -> ActiveWarning:
    return ActiveWarning(region=region, side=side, measure=measure, since=0.0, deviation=deviation,
                         message=warning_message(region, side, measure, deviation))


def test_one_warning_is_the_spoken_sentence():
    eye = warned("eye", "left", "eye_aperture", -0.3)
    assert cues.warning_lines(SMILE, [eye]) == ["Your left eye is narrowing: soften the smile"]
    assert cues.warning_lines(SMILE, [eye]) == [cues.warning_sentence(SMILE, eye)]


def test_both_sides_of_a_region_make_one_line():
    lines = cues.warning_lines(SMILE, [warned("eye", "left", "eye_aperture", -0.3),
                                       warned("eye", "right", "eye_aperture", -0.4)])
    assert lines == ["Both eyes are moving: soften the smile"]


def test_regions_keep_their_order_and_the_lines_stop_at_the_limit():
    six = [warned(region, side, measure, 0.1) for region, measure in
           (("cheek", "cheek_raise"), ("nose", "nose_wrinkle"), ("mouth", "mouth_corner_excursion"))
           for side in ("left", "right")]
    assert cues.MAX_WARNING_LINES == 2
    lines = cues.warning_lines(None, six)
    assert lines == ["Both cheeks are moving: make the movement smaller and slower",
                     "Also: nose and mouth corners"]
    two_regions = cues.warning_lines(SMILE, [warned("eye", "right", "eye_aperture", -0.3),
                                             warned("brow", "right", "brow_height", 0.1)])
    assert two_regions == ["Your right eye is narrowing: soften the smile",
                           "Your right eyebrow is lifting: soften the smile"]


def test_the_last_line_names_every_other_region_that_moves():
    lines = cues.warning_lines(SMILE, [warned("eye", "left", "eye_aperture", -0.3),
                                       warned("brow", "right", "brow_height", 0.1),
                                       warned("cheek", "left", "cheek_raise", 0.1),
                                       warned("cheek", "right", "cheek_raise", 0.1)])
    assert lines == ["Your left eye is narrowing: soften the smile",
                     "Also: right eyebrow and cheeks"]


def test_no_warning_no_line():
    assert cues.warning_lines(SMILE, []) == []
