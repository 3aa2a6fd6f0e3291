"""Choosing who is practising: one large button per patient profile, adding a profile, or none."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLineEdit, QMessageBox, QVBoxLayout

from rehabcoach.errors import UserError
from rehabcoach.records import profiles
from rehabcoach.ui.widgets import MARGIN, SPACING, button, label

SIDE_CHOICES = (("Not set", None), ("Left side", "left"), ("Right side", "right"))


class ProfileDialog(QDialog):
    """``chosen`` is the Profile picked (None: practise without a profile) once ``exec()`` accepts."""

    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Who is practising?")
        self.setAccessibleName("Choose a patient profile")
        self.store = store
        self.chosen = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        outer.setSpacing(SPACING)
        outer.addWidget(label("Who is practising?", "title"))
        self.profile_buttons = {}
        for profile in profiles.list_profiles(store):
            side = f" (affected side: {profile.affected_side})" if profile.affected_side else ""
            choice = button(f"{profile.name}{side}", f"Practise as {profile.name}", primary=True)
            choice.clicked.connect(lambda _=False, p=profile: self._choose(p))
            outer.addWidget(choice)
            self.profile_buttons[profile.name] = choice

        outer.addWidget(label("Add a patient", "subtitle"))
        row = QHBoxLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Name")
        self.name_edit.setAccessibleName("New patient's name")
        self.side_combo = QComboBox()
        self.side_combo.setAccessibleName("Affected side of the new patient")
        for text, value in SIDE_CHOICES:
            self.side_combo.addItem(text, value)
        self.add_button = button("Add", "Add this patient")
        self.add_button.clicked.connect(self.add_profile)
        row.addWidget(self.name_edit, 1)
        row.addWidget(self.side_combo)
        row.addWidget(self.add_button)
        outer.addLayout(row)

        self.none_button = button("Practise without a profile (nothing is recorded)", "Practise without a profile")
        self.none_button.clicked.connect(lambda: self._choose(None))
        outer.addWidget(self.none_button)

    def add_profile(self) -> None:
        try:
            profile = profiles.add_profile(self.store, self.name_edit.text(), self.side_combo.currentData())
        except UserError as exc:
            QMessageBox.warning(self, "Cannot add this patient", str(exc))
            return
        self._choose(profile)

    def _choose(self, profile) -> None:
        self.chosen = profile
        self.accept()
