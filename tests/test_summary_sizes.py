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
    assert "could not be judged" not in screen.overview.text()  # nothing was turned away
    screenshot(screen, "summary-sizes")


def test_reps_with_the_head_turned_for_much_of_them_are_said_not_to_be_judged():
    from rehabcoach.coaching.summary import ExerciseTally, not_judged_line
    from rehabcoach.coaching.types import RepSummary

    tally = ExerciseTally("gentle-smile", "Gentle smile", "movement", 2)
    for number, turned in ((1, 0.5), (2, 2.0)):
        tally.reps.append(RepSummary("gentle-smile", number, 10.0 * number, 10.0 * number + 6.5, {"left": 0.8},
                                     turned_away_s=turned))
    summary = tally.summary()
    assert (summary.turned_away_s, summary.watched_s) == (2.5, 13.0)
    assert not_judged_line(summary) is None  # under a fifth of the watched time: a glance or two
    tally.reps[0] = RepSummary("gentle-smile", 1, 10.0, 16.5, {"left": 0.8}, turned_away_s=1.0)
    line = not_judged_line(tally.summary())
    assert line is not None and line.startswith("For 3 s of 13 s your head was turned too far")
    assert "Face the camera" in line


def test_the_summary_screen_says_when_the_head_was_turned_too_much_to_judge(qtbot, screenshot):
    from rehabcoach.ui.settings import AppSettings
    from rehabcoach.ui.summary_screen import SummaryScreen
    from rehabcoach.ui.theme import TypeScale, stylesheet, theme_for

    exercise = ExerciseSummary("gentle-smile", "Gentle smile", "movement", "completed", 8, 8,
                               {"left": 0.7, "right": 0.9}, (), turned_away_s=21.0, watched_s=52.0)
    screen = SummaryScreen(theme_for(False))
    qtbot.addWidget(screen)
    screen.setStyleSheet(stylesheet(theme_for(False), TypeScale(AppSettings().text_size)))  # as the window has it
    screen.resize(1280, 720)
    screen.show_summary(SessionSummary(0.0, 600.0, True, "left", (exercise,), "It does not diagnose."))
    screen.show()
    assert screen.overview.text().endswith(
        "no unwanted movement was noticed. Some repetitions could not be judged because your head was turned: see below.")
    texts = [w.text() for w in screen.cards["gentle-smile"].findChildren(type(screen.heading))]
    assert "No unwanted movement noticed." in texts
    assert "For 21 s of 52 s your head was turned too far for the coach to see unwanted movements. " \
           "Face the camera while you practise." in texts
    screenshot(screen, "summary-head-turned")


def test_the_session_commands_summary_gives_the_seconds_not_judged():
    from rehabcoach.cli.session_command import format_summary

    turned = ExerciseSummary("gentle-smile", "Gentle smile", "movement", "completed", 8, 8, {"left": 0.7}, (),
                             turned_away_s=21.0, watched_s=52.0)
    facing = ExerciseSummary("lip-pucker", "Lip pucker", "movement", "completed", 8, 8, {"left": 0.7}, (),
                             watched_s=52.0)
    text = format_summary(SessionSummary(0.0, 600.0, True, "left", (turned, facing), "It does not diagnose."))
    (smile_line,) = [line for line in text.splitlines() if "gentle-smile" in line]
    (pucker_line,) = [line for line in text.splitlines() if "lip-pucker" in line]
    assert smile_line.endswith("; head turned, not judged, 21.0 of 52.0 s")
    assert "not judged" not in pucker_line
