"""The "before you start" safety page: the core's page (rehabcoach/routines/before_you_start.py, the same
words as docs/before-you-start.md), laid out to scroll; used by the first run and by the Help dialog."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from rehabcoach.routines.before_you_start import before_you_start
from rehabcoach.ui.widgets import SPACING, label, scrolling_column


class SafetyPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        page = before_you_start()
        self.setAccessibleName(page.title)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(SPACING // 2)
        outer.addWidget(label(page.title, "heading"))
        column = QVBoxLayout()
        column.setSpacing(SPACING // 2)
        column.addWidget(label(page.intro))
        for section in page.sections:
            column.addWidget(label(section.heading, "subheading"))
            for point in section.points:
                column.addWidget(label(f"•  {point}", name=section.heading))
        column.addWidget(label(page.footer, "disclaimer", name="Safety note"))
        column.addStretch(1)
        outer.addWidget(scrolling_column(column), 1)
