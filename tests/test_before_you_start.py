"""The "Before you start" page: the content the issue asks for, the docs saying the same, and the app
showing it once before the first session (asking the affected side when nobody has set it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehabcoach.routines.before_you_start import before_you_start

DOC = Path(__file__).resolve().parents[1] / "docs" / "before-you-start.md"


def test_the_page_says_who_it_is_for_what_to_avoid_and_when_to_stop():
    text = before_you_start().plain_text()
    for words in ("synkinesis", "Not in the first three months", "specialist facial therapist",
                  "Electrical stimulation", "Squeezing your eyes shut", "Chewing gum", "Big, forceful movements",
                  "about 2 or 3 out of 10", "Stop an exercise if it hurts, if your face gets tired",
                  "it does not diagnose"):
        assert words in text, words


def test_the_docs_page_says_the_same():
    doc = " ".join(DOC.read_text(encoding="utf-8").split())
    page = before_you_start()
    for text in [page.intro, page.footer] + [s.heading for s in page.sections] + \
            [p for s in page.sections for p in s.points]:
        assert " ".join(text.split()) in doc, text


pytest.importorskip("pytestqt")
from test_ui_screens import clock, labels_text, make_window  # noqa: E402,F401  (fixtures)


def _answer_page(qtbot, side_text=None):
    """Once the page is up: pick a side (optional) and press "I have read this"."""
    from PySide6.QtWidgets import QApplication

    from rehabcoach.ui.before_you_start import BeforeYouStartDialog

    def answer():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, BeforeYouStartDialog)
        seen.append(labels_text(dialog))
        if side_text is not None:
            next(b for b in dialog.side_buttons.values() if b.text() == side_text).setChecked(True)
        dialog.read_button.click()

    seen: list[str] = []
    from PySide6.QtCore import QTimer

    QTimer.singleShot(50, answer)
    return seen


def test_the_app_shows_the_page_once_and_asks_the_side(make_window, qtbot):
    from rehabcoach.ui import before_you_start as screen

    window = make_window()
    assert window.settings.affected_side_or_none is None
    seen = _answer_page(qtbot, "Left side")
    assert screen.show_if_unread(window)
    assert "Not in the first three months" in seen[0] and "Which side of your face" in seen[0]
    assert window.settings.affected_side == "left"
    assert not screen.show_if_unread(window)  # read: not shown again
    # The side now words the exercises written for the affected side, in the session itself.
    window.start_exercise("inner-cheek-stretch")
    stretch = window.engine.exercises[0]
    assert "against your left cheek" in stretch.steps[1].instruction
    assert "your right cheek" in stretch.steps[3].cue


def test_help_menu_keeps_the_page_available(make_window, qtbot):
    from rehabcoach.ui import before_you_start as screen

    window = make_window()
    window.apply_settings(window.settings.__class__(affected_side="right"))
    screen.add_menu_action(window)
    action = next(a for menu in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))
                  for a in menu.actions() if a.text() == "Before you start")
    seen = _answer_page(qtbot)
    action.trigger()
    assert "Which side" not in seen[0]  # the side is known: no question



def test_the_library_browser_writes_the_text_for_the_affected_side(make_window):
    window = make_window()
    home = window.home
    home.tabs.setCurrentIndex(1)
    home.select_exercise("inner-cheek-stretch")
    assert "against your affected cheek" in home.exercise_steps.text() and "{" not in home.exercise_steps.text()
    window.apply_settings(window.settings.__class__(affected_side="right"))
    home.select_exercise("neck-strokes")
    home.select_exercise("inner-cheek-stretch")
    assert "against your right cheek" in home.exercise_steps.text()
    assert "Your right side, which is usually the tighter one" in home.exercise_description.text()
