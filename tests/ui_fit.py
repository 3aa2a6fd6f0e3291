"""Checks that a window shows everything it holds: no button or label outside the window, cut by its
parent, squeezed below the size its text needs (which is how Qt clips or elides text), and no window
forced larger than the size it was given.  Used by tests/test_ui_fit.py."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QComboBox,
    QLabel,
    QProgressBar,
    QScrollArea,
    QTabBar,
    QWidget,
)

SLACK = 1  # pixels of rounding


def _scroll_area_of(widget: QWidget) -> QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


def _inside_scroll_area(widget: QWidget) -> bool:
    # Content of a scroll area may lie outside its viewport: it is reached by scrolling.
    return _scroll_area_of(widget) is not None


def _partly_scrolled(widget: QWidget, window: QWidget) -> bool:
    """Half in and half out of its scroll area's viewport: a line of words cut through the middle (wholly
    outside is fine, it is reached by scrolling)."""
    area = _scroll_area_of(widget)
    if area is None:
        return False
    viewport = QRect(area.viewport().mapTo(window, QPoint(0, 0)), area.viewport().size())
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    return viewport.intersects(rect) and not viewport.contains(rect)


def _visible_rect_in_window(widget: QWidget, window: QWidget) -> tuple[QRect, QRect]:
    """The widget's rectangle in window coordinates, and the part of it its ancestors let through."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    full = QRect(top_left, widget.size())
    shown = QRect(full)
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        shown = shown.intersected(QRect(parent.mapTo(window, QPoint(0, 0)), parent.size()))
        parent = parent.parentWidget()
    return full, shown.intersected(window.rect())


def _describe(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else ""
    name = widget.accessibleName() or widget.objectName()
    return f"{type(widget).__name__} {name!r} {text[:50]!r}"


def fit_problems(window: QWidget, expected_size: tuple[int, int] | None = None, *,
                 no_partial_scroll: bool = False) -> list[str]:
    """Everything visible in ``window`` that is not fully shown, in words (empty: all fits).

    ``no_partial_scroll``: also a label cut through by the edge of a scroll area (screens used during an
    exercise, where the patient should not have to scroll).
    """
    problems = []
    if expected_size is not None:
        w, h = expected_size
        if window.width() > w + SLACK or window.height() > h + SLACK:
            problems.append(f"the window is {window.width()}x{window.height()}, larger than the {w}x{h} it was "
                            f"given (its minimum size is {window.minimumSizeHint().width()}x"
                            f"{window.minimumSizeHint().height()})")
    widgets = [w for kind in (QLabel, QAbstractButton) for w in window.findChildren(kind)]
    for widget in widgets:
        if not widget.isVisibleTo(window) or widget.window() is not window:
            continue
        if isinstance(widget, QLabel) and not widget.text() and widget.pixmap().isNull():
            continue
        if type(widget).__name__ in ("QToolButton",) and isinstance(widget.parentWidget(), QTabBar):
            continue  # the tab bar's own scroll arrows
        full, shown = _visible_rect_in_window(widget, window)
        if no_partial_scroll and _partly_scrolled(widget, window):
            problems.append(f"{_describe(widget)} is cut by the edge of its scroll area")
            continue
        if not _inside_scroll_area(widget) and (shown.width() < full.width() - SLACK
                                                or shown.height() < full.height() - SLACK):
            problems.append(f"{_describe(widget)} is cut off: {full.width()}x{full.height()} at "
                            f"({full.x()},{full.y()}), only {shown.width()}x{shown.height()} visible")
            continue
        hint = widget.minimumSizeHint() if isinstance(widget, QLabel) else widget.sizeHint()
        if isinstance(widget, QLabel) and widget.wordWrap():
            need_h = widget.heightForWidth(widget.width())
            if need_h > widget.height() + SLACK:
                problems.append(f"{_describe(widget)} needs {need_h} px of height at its width "
                                f"{widget.width()}, has {widget.height()}: text is cut")
        elif isinstance(widget, QLabel):
            if widget.width() + SLACK < hint.width() or widget.height() + SLACK < hint.height():
                problems.append(f"{_describe(widget)} is {widget.width()}x{widget.height()}, its text needs "
                                f"{hint.width()}x{hint.height()}")
        elif widget.width() + SLACK < hint.width() or widget.height() + SLACK < hint.height():
            problems.append(f"{_describe(widget)} is {widget.width()}x{widget.height()}, its text needs "
                            f"{hint.width()}x{hint.height()}")
    if no_partial_scroll:  # painted indicators too: a progress bar or meter cut in half reads wrong
        for widget in (window.findChildren(QProgressBar) + window.findChildren(QComboBox)
                       + window.findChildren(QAbstractSlider)
                       + [w for w in window.findChildren(QWidget) if w.accessibleName() == "Target meter"]):
            if isinstance(widget, QAbstractSlider) and isinstance(widget.parentWidget(), QScrollArea):
                continue  # a scroll area's own scroll bars
            if widget.isVisibleTo(window) and _partly_scrolled(widget, window):
                problems.append(f"{type(widget).__name__} {widget.accessibleName()!r} is cut by the edge of "
                                "its scroll area")
    for bar in window.findChildren(QTabBar):
        if not bar.isVisibleTo(window):
            continue
        for index in range(bar.count()):
            if bar.tabRect(index).width() + SLACK < bar.tabSizeHint(index).width() or not bar.tabRect(index).isValid():
                problems.append(f"tab {bar.tabText(index)!r} is squeezed (its text is elided)")
            elif not bar.rect().contains(bar.tabRect(index)):
                problems.append(f"tab {bar.tabText(index)!r} lies outside its tab bar")
    return problems
