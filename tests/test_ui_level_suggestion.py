"""After a recorded session the app offers the next progression level; a "yes" is stored for the patient."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from test_ui_screens import clock, make_window  # noqa: E402,F401  (fixtures)


def test_after_calm_sessions_the_app_offers_the_next_level_and_stores_a_yes(make_window, qtbot, tmp_path,
                                                                              monkeypatch):
    from types import SimpleNamespace

    from PySide6.QtWidgets import QMessageBox
    from test_records_progression import practise

    from rehabcoach.records import profiles
    from rehabcoach.records.backends import open_records
    from rehabcoach.ui import level_suggestion

    window = make_window()
    with open_records(f"sqlite:///{tmp_path / 'records.db'}") as store:
        profile = profiles.add_profile(store, "Anna Berg", "left")
        practise(store, profile, [0, 1, 2])
        closed = []
        window.records = SimpleNamespace(profile=profile, store=store, prescription=None,
                                         close=lambda: closed.append(True))
        asked = []
        monkeypatch.setattr(QMessageBox, "question",
                            lambda *args, **kwargs: asked.append(args[2]) or QMessageBox.StandardButton.Yes)
        accepted = level_suggestion.offer(window, ["belly-breathing", "gentle-smile"])
        assert [s.suggested for s in accepted] == [2] and closed == [True]
        assert "Gentle smile" in asked[0] and "level 2" in asked[0]
        assert profiles.get_profile(store, "Anna Berg").levels["gentle-smile"][0] == 2
        assert level_suggestion.offer(window, ["gentle-smile"]) == []  # nothing practised at level 2 yet
        window.records = SimpleNamespace(profile=None, store=store, prescription=None, close=lambda: None)
        assert level_suggestion.offer(window, ["gentle-smile"]) == []  # no profile: nothing recorded
