"""Shared pytest set-up.

Screenshots: UI tests save what each screen looks like through the ``screenshot`` fixture into
test-artifacts/screenshots/ (git-ignored); the folder is named in the terminal summary so a
reviewer can look at the screens after any run, including CI.
"""

from __future__ import annotations

import os
from pathlib import Path

# Qt tests never need a screen; scripts/test.sh sets this too, but a bare `pytest` must not crash either.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

REPO = Path(__file__).resolve().parents[1]
SCREENSHOT_DIR = REPO / "test-artifacts" / "screenshots"
_saved_screenshots: list[Path] = []


@pytest.fixture
def screenshot():
    """``screenshot(widget, "name")`` saves the widget as test-artifacts/screenshots/name.png."""

    def save(widget, name: str) -> Path:
        from PySide6.QtWidgets import QApplication

        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        QApplication.processEvents()
        path = SCREENSHOT_DIR / f"{name}.png"
        assert widget.grab().save(str(path)), f"could not save {path}"
        _saved_screenshots.append(path)
        return path

    return save


def pytest_terminal_summary(terminalreporter):
    if _saved_screenshots:
        terminalreporter.write_sep("-", "screenshots")
        terminalreporter.write_line(
            f"{len(set(_saved_screenshots))} screenshots of the app's screens in {SCREENSHOT_DIR}"
        )


@pytest.fixture(autouse=True)
def _no_sound_from_tests(monkeypatch):
    """Windows made by tests get a feedback service on a recording output: a test run never plays
    sound on the machine's speakers (a test that checks the sound passes its own output)."""
    try:
        import rehabcoach.ui.main_window as main_window
        from rehabcoach.feedback import FeedbackService, RecordingOutput
    except ImportError:  # Qt or numpy missing: the tests that need them skip themselves
        return
    monkeypatch.setattr(main_window, "open_feedback", lambda: FeedbackService(RecordingOutput))
