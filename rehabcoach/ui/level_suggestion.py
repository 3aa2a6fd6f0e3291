"""After a recorded session: offer the next progression level of exercises practised with few warnings.

The rule is in the core (rehabcoach/records/progression.py); this only asks the patient and stores
their answer.  Nothing changes without a "yes", and a level locked by a prescription is never offered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from rehabcoach.coaching.events import SessionFinished

if TYPE_CHECKING:
    from rehabcoach.coaching.session import SessionEngine
    from rehabcoach.ui.main_window import MainWindow


def install(window: MainWindow) -> None:
    """Offer level steps when a session of a patient with a profile ends."""
    window.session_started.connect(lambda engine: engine.subscribe(_listener(window, engine)))


def _listener(window: MainWindow, engine: SessionEngine):
    def on_event(event) -> None:
        if isinstance(event, SessionFinished):
            exercise_ids = [exercise.id for exercise in engine.exercises]
            QTimer.singleShot(0, lambda: offer(window, exercise_ids))  # after the engine's own handling
    return on_event


def offer(window: MainWindow, exercise_ids) -> list:
    """Ask about each suggested step; returns the suggestions the patient accepted."""
    from rehabcoach.records import profiles
    from rehabcoach.records.progression import suggestions_for

    practice = window.practice
    if practice.profile is None or practice.store is None:
        return []
    practice.close()  # the session's last repetitions are written before the history is read
    store = practice.store
    profile = profiles.get_profile(store, practice.profile.name)
    accepted = []
    for suggestion in suggestions_for(store, profile, window.library, exercise_ids, practice.prescription):
        title = window.library.exercise(suggestion.exercise_id).title
        answer = QMessageBox.question(
            window, "Ready for the next level?",
            f"{title}: {suggestion.message}\n\nPractise \"{title}\" at level {suggestion.suggested} from now on?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            profiles.set_level(store, profile.name, suggestion.exercise_id, suggestion.suggested)
            accepted.append(suggestion)
    return accepted
