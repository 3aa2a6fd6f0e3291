"""How much, not only how often: each rep's unwanted-movement sizes reach the summary in plain words."""

from __future__ import annotations

from rehabcoach.coaching.summary import ExerciseSummary, SessionSummary, WarningTally, size_lines
from rehabcoach.coaching.types import RegionPeak

PEAKS = (
    RegionPeak("eye", "left", "eye_aperture", 0.18, 0.09),
    RegionPeak("eye", "right", "eye_aperture", 0.09, -0.09),
    RegionPeak("mouth", "left", "mouth_corner_lift", 0.012, 0.0),
    RegionPeak("mouth", "left", "mouth_corner_excursion", 0.031, 0.01),
    RegionPeak("mouth", "right", "mouth_corner_lift", 0.02, 0.008),
)


def test_size_lines_take_each_sides_largest_measure_in_words():
    assert size_lines(PEAKS) == [
        "Eye: left 18%, right 9% of its resting opening",
        "Mouth corner: left 3%, right 2% of the distance between your eyes",
    ]
    assert size_lines(()) == []


def test_the_summary_screen_shows_the_sizes(qtbot, screenshot):
    from rehabcoach.ui.summary_screen import SummaryScreen
    from rehabcoach.ui.theme import theme_for

    exercise = ExerciseSummary("gentle-smile", "Gentle smile", "movement", "completed", 8, 8,
                               {"left": 0.7, "right": 0.9}, (WarningTally("eye", "left", 2, 3.1),),
                               region_peaks=PEAKS[:2])
    screen = SummaryScreen(theme_for(False))
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show_summary(SessionSummary(0.0, 600.0, True, "left", (exercise,), "It does not diagnose."))
    screen.show()
    texts = [w.text() for w in screen.cards["gentle-smile"].findChildren(type(screen.heading))]
    assert "Eye: left 18%, right 9% of its resting opening" in texts
    screenshot(screen, "summary-sizes")
