"""Small constructors so every screen builds labels, buttons and cards the same way."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from rehabcoach.coaching.cues import NOT_A_DIAGNOSIS

SPACING = 16
MARGIN = 28
SESSION_MARGIN = 12  # session screens keep every pixel for the picture and the words (small laptops)


def label(text: str = "", role: str | None = None, *, wrap: bool = True, name: str | None = None) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setAccessibleName(name)
    return widget


def button(text: str, name: str, *, primary: bool = False, tooltip: str | None = None) -> QPushButton:
    widget = QPushButton(text)
    widget.setAccessibleName(name)
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    if primary:
        widget.setProperty("role", "primary")
    if tooltip:
        widget.setToolTip(tooltip)
    return widget


def card(parent: QWidget | None = None) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame(parent)
    frame.setProperty("role", "card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(20, 16, 20, 16)
    layout.setSpacing(8)
    return frame, layout


def disclaimer() -> QLabel:
    """The sentence every home and summary screen shows: this supports therapy, it does not diagnose."""
    return label(NOT_A_DIAGNOSIS, "disclaimer", name="Safety note")


class Illustration(QSvgWidget):
    """An exercise's SVG drawing, kept at its aspect ratio; a plain note when the file is missing."""

    def __init__(self, path: Path | None = None, size: int = 320, parent=None):
        super().__init__(parent)
        self._size = size
        self.setAccessibleName("Exercise illustration")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.set_path(path)

    def set_path(self, path: Path | None) -> None:
        self.path = path
        if path is not None and Path(path).is_file():
            self.load(str(path))
            self.renderer().setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
            self.setAccessibleDescription(f"Drawing: {Path(path).stem.replace('-', ' ')}")
        else:
            self.load(b"")
            self.setAccessibleDescription("No drawing for this exercise")
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self._size, self._size)


def format_duration(seconds: float) -> str:
    """'about 4 min' / '45 s': how long something takes, for people, not for logs."""
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    return f"about {round(seconds / 60)} min"


class CurrentPageStack(QStackedWidget):
    """A stack whose size needs are the shown page's only.

    QStackedWidget asks for the largest minimum size of ALL its pages, so one tall page (a long
    "camera missing" message) made every screen taller than a 1280x720 laptop's window and cut off the
    session buttons below it.
    """

    def sizeHint(self) -> QSize:  # noqa: N802
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()

    def setCurrentWidget(self, widget: QWidget) -> None:  # noqa: N802
        for index in range(self.count()):
            page = self.widget(index)
            assert page is not None  # an index below count() always has a page
            policy = QSizePolicy.Policy.Preferred if page is widget else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        super().setCurrentWidget(widget)
        self.updateGeometry()


def scrolling_column(column: QVBoxLayout) -> QScrollArea:
    """``column`` in a frameless area that scrolls only when its words do not fit (very large text on a
    small screen): words are never cut off, and at the usual sizes no scroll bar shows."""
    inner = QWidget()
    inner.setLayout(column)
    area = QScrollArea()
    area.setWidget(inner)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
    area.setMinimumHeight(80)
    return area
