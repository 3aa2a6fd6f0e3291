"""The "Before you start" page on screen: shown once before the first session, and from Help.

The words come from the core (rehabcoach/routines/before_you_start.py); this file only lays them out,
remembers that the page was read, and, when nobody has said which side is affected, asks, so that
exercises written for the affected side can say "left" or "right".
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QButtonGroup, QDialog, QHBoxLayout, QRadioButton, QVBoxLayout

from rehabcoach.routines.before_you_start import before_you_start
from rehabcoach.ui.safety_page import SafetyPage
from rehabcoach.ui.widgets import MARGIN, SPACING, button, label

READ_KEY = "before_you_start_read"  # in the app's settings store (QSettings)
SIDE_CHOICES = (("Left side", "left"), ("Right side", "right"), ("Not sure", None))


class BeforeYouStartDialog(QDialog):
    """The page; with ``ask_side``, also "Which side of your face was affected?" (``chosen_side``)."""

    def __init__(self, parent=None, *, ask_side: bool = False):
        super().__init__(parent)
        page = before_you_start()
        self.setWindowTitle(page.title)
        self.setAccessibleName(page.title)
        self.chosen_side: str | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        outer.setSpacing(SPACING)
        # The same layout as the first run's safety page: the page scrolls, the buttons stay in view.
        outer.addWidget(SafetyPage(), 1)
        self.side_buttons: dict[str | None, QRadioButton] = {}
        if ask_side:
            outer.addWidget(label("Which side of your face was affected by the palsy? Some exercises "
                                  "work longer on that side."))
            row = QHBoxLayout()
            group = QButtonGroup(self)
            for text, side in SIDE_CHOICES:
                choice = QRadioButton(text)
                choice.setAccessibleName(f"Affected side: {text}")
                group.addButton(choice)
                row.addWidget(choice)
                self.side_buttons[side] = choice
            self.side_buttons[None].setChecked(True)
            row.addStretch(1)
            outer.addLayout(row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.read_button = button("I have read this", "I have read this page", primary=True)
        self.read_button.clicked.connect(self._accept)
        buttons.addWidget(self.read_button)
        outer.addLayout(buttons)
        self.resize(760, 640)

    def _accept(self) -> None:
        self.chosen_side = next((side for side, b in self.side_buttons.items() if b.isChecked()), None)
        self.accept()


def show_page(window, *, ask_side: bool = False) -> BeforeYouStartDialog:
    dialog = BeforeYouStartDialog(window, ask_side=ask_side)
    if dialog.exec():
        window.store.setValue(READ_KEY, True)
        window.store.sync()
        if ask_side and dialog.chosen_side is not None:
            _remember_side(window, dialog.chosen_side)
    return dialog


def show_if_unread(window) -> bool:
    """Before the first session: show the page unless it was read; ask the side when it is not known."""
    if str(window.store.value(READ_KEY, "false")).lower() in ("1", "true"):
        return False
    show_page(window, ask_side=window.current_affected_side() is None)
    return True


def add_menu_action(window) -> None:
    """Help > Before you start: the page stays available after the first session."""
    menu = getattr(window, "help_menu", None) or window.menuBar().addMenu("&Help")  # one Help menu
    action = menu.addAction("Before you start")
    action.triggered.connect(lambda: show_page(window, ask_side=window.current_affected_side() is None))


def _remember_side(window, side: str) -> None:
    if window.practice.set_affected_side(side):  # the patient's profile holds their side
        return
    from rehabcoach.ui.settings import save_settings

    window.apply_settings(replace(window.settings, affected_side=side))
    save_settings(window.store, window.settings)
