"""After a recorded session the app offers the next progression level; a "yes" is stored for the patient."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from test_ui_screens import clock, make_window  # noqa: E402,F401  (fixtures)


def test_after_calm_sessions_the_app_offers_the_next_level_and_stores_a_yes(make_window, qtbot, tmp_path,
                                                                              monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    from test_records_progression import practise

    from rehabcoach.practice import PracticeService
    from rehabcoach.records import profiles
    from rehabcoach.records.backends import open_records
    from rehabcoach.routines.loader import load_library
    from rehabcoach.ui import level_suggestion

    with open_records(f"sqlite:///{tmp_path / 'records.db'}") as store:
        library = load_library()
        practice = PracticeService(library, store)
        window = make_window(library, practice=practice)
        profile = profiles.add_profile(store, "Anna Berg", "left")
        practise(store, profile, [0, 1, 2])
        window.patient_menu.set_profile(profile)
        closed = []
        monkeypatch.setattr(practice, "close", lambda: closed.append(True))
        asked = []
        monkeypatch.setattr(QMessageBox, "question",
                            lambda *args, **kwargs: asked.append(args[2]) or QMessageBox.StandardButton.Yes)
        accepted = level_suggestion.offer(window, ["belly-breathing", "gentle-smile"])
        assert [s.suggested for s in accepted] == [2] and closed == [True]
        assert "Gentle smile" in asked[0] and "level 2" in asked[0]
        assert profiles.get_profile(store, "Anna Berg").levels["gentle-smile"][0] == 2
        assert level_suggestion.offer(window, ["gentle-smile"]) == []  # nothing practised at level 2 yet
        window.patient_menu.set_profile(None)
        assert level_suggestion.offer(window, ["gentle-smile"]) == []  # no profile: nothing recorded
