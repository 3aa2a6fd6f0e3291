"""Home: the routines (one click to start) and a browsable library of exercises."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rehabcoach.routines.models import side_words
from rehabcoach.ui.widgets import MARGIN, SPACING, Illustration, button, card, disclaimer, format_duration, label

CATEGORY_WORDS = {"massage": "Massage", "relaxation": "Relaxation", "movement": "Movement"}


class HomeScreen(QWidget):
    routine_chosen = Signal(str)
    exercise_chosen = Signal(str)
    settings_requested = Signal()

    def __init__(
        self,
        library,
        illustration_for: Callable[[object], Path | None],
        routine_seconds: Callable[[object], float],
        affected_side: Callable[[], str | None],
        parent=None,
    ):
        super().__init__(parent)
        self.setAccessibleName("Home")
        self._library = library
        self._illustration_for = illustration_for
        self._routine_seconds = routine_seconds
        # The patient's affected side, for text written with {affected}/{other}.
        self._affected_side = affected_side
        self._selected: str | None = None  # the exercise shown in the library tab

        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        outer.setSpacing(SPACING)
        header = QHBoxLayout()
        title = label("Your exercises today", "heading", name="Home title")
        header.addWidget(title, 1)
        self.settings_button = button("Settings", "Open settings")
        self.settings_button.clicked.connect(self.settings_requested)
        header.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(header)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Routines and exercise library")
        self.tabs.addTab(self._build_routines(), "Routines")
        self.tabs.addTab(self._build_library(), "Exercise library")
        outer.addWidget(self.tabs, 1)
        outer.addWidget(disclaimer())

    # --- routines ---------------------------------------------------------------------------
    def _build_routines(self) -> QWidget:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(4, 12, 12, 12)
        column.setSpacing(SPACING)
        self.start_buttons: dict[str, object] = {}
        routines = list(self._library.routines.values())
        if not routines:
            column.addWidget(label("No routines were found in the exercise library.", "instruction"))
        for routine in routines:
            frame, box = card()
            frame.setAccessibleName(f"Routine: {routine.title}")
            row = QHBoxLayout()
            text = QVBoxLayout()
            text.addWidget(label(routine.title, "subheading"))
            text.addWidget(label(routine.description))
            n = len(routine.items)
            facts = f"{format_duration(self._routine_seconds(routine))}  ·  {n} exercise{'s' if n != 1 else ''}"
            text.addWidget(label(facts, "muted"))
            row.addLayout(text, 1)
            start = button("Start", f"Start routine {routine.title}", primary=True)
            start.setMinimumWidth(140)
            start.clicked.connect(lambda _=False, rid=routine.id: self.routine_chosen.emit(rid))
            self.start_buttons[routine.id] = start
            row.addWidget(start, 0, Qt.AlignmentFlag.AlignVCenter)
            box.addLayout(row)
            column.addWidget(frame)
        column.addStretch(1)
        scroll.setWidget(inner)
        return scroll

    # --- exercise library -------------------------------------------------------------------
    def _build_library(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        row.setContentsMargins(4, 12, 4, 4)
        row.setSpacing(SPACING * 2)
        self.exercise_list = QListWidget()
        self.exercise_list.setAccessibleName("Exercises")
        self.exercise_list.setMinimumWidth(340)
        self.exercise_list.setMaximumWidth(420)
        self.exercise_list.setWordWrap(True)
        self.exercise_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        by_category: dict[str, list] = {}
        for exercise in self._library.exercises.values():
            by_category.setdefault(exercise.category, []).append(exercise)
        for category in ("massage", "relaxation", "movement"):
            if category not in by_category:
                continue
            header = QListWidgetItem(CATEGORY_WORDS[category])
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self.exercise_list.addItem(header)
            for exercise in sorted(by_category[category], key=lambda e: e.title):
                item = QListWidgetItem(exercise.title)
                item.setData(Qt.ItemDataRole.UserRole, exercise.id)
                self.exercise_list.addItem(item)
        row.addWidget(self.exercise_list)

        detail = QScrollArea()
        detail.setWidgetResizable(True)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setSpacing(SPACING)
        top = QHBoxLayout()
        self.illustration = Illustration(size=260)
        self.illustration.setFixedSize(260, 260)
        top.addWidget(self.illustration, 0, Qt.AlignmentFlag.AlignTop)
        heading = QVBoxLayout()
        self.exercise_title = label("", "heading", name="Exercise title")
        self.exercise_facts = label("", "muted")
        self.exercise_description = label("", name="What this exercise is for")
        self.practise_button = button("Practise this exercise", "Practise this exercise", primary=True)
        self.practise_button.clicked.connect(self._practise)
        heading.addWidget(self.exercise_title)
        heading.addWidget(self.exercise_facts)
        heading.addWidget(self.exercise_description)
        heading.addWidget(self.practise_button, 0, Qt.AlignmentFlag.AlignLeft)
        heading.addStretch(1)
        top.addLayout(heading, 1)
        column.addLayout(top)
        column.addWidget(label("How to do it", "subheading"))
        self.exercise_steps = label("", "instruction", name="Exercise instructions")
        self.exercise_steps.setTextFormat(Qt.TextFormat.PlainText)
        column.addWidget(self.exercise_steps)
        column.addStretch(1)
        detail.setWidget(inner)
        row.addWidget(detail, 1)

        self.exercise_list.currentItemChanged.connect(self._show_selected)
        for i in range(self.exercise_list.count()):
            if self.exercise_list.item(i).data(Qt.ItemDataRole.UserRole):
                self.exercise_list.setCurrentRow(i)
                break
        return page

    def select_exercise(self, exercise_id: str) -> None:
        for i in range(self.exercise_list.count()):
            if self.exercise_list.item(i).data(Qt.ItemDataRole.UserRole) == exercise_id:
                self.exercise_list.setCurrentRow(i)
                return

    def _show_selected(self, item, _previous=None) -> None:
        exercise_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        if not exercise_id:
            return
        exercise = self._library.exercises[exercise_id]
        self._selected = exercise_id
        self.illustration.set_path(self._illustration_for(exercise))
        self.exercise_title.setText(exercise.title)
        self.exercise_facts.setText(
            f"{CATEGORY_WORDS.get(exercise.category, exercise.category)}  ·  "
            f"{format_duration(exercise.duration_seconds())}"
        )
        side = self._affected_side()
        self.exercise_description.setText(side_words(exercise.description, side))
        lines = []
        for n, step in enumerate(exercise.steps, start=1):
            if step.seconds is not None:
                amount = f"{step.seconds:g} s"
            else:
                amount = "once" if step.reps == 1 else f"{step.reps} times"
            lines.append(f"{n}. {side_words(step.instruction, side)}  ({amount})")
        self.exercise_steps.setText("\n\n".join(lines))

    def _practise(self) -> None:
        exercise_id = self._selected
        if exercise_id:
            self.exercise_chosen.emit(exercise_id)
