"""Small painted indicators: the per-side target meter and the summary's face map."""

from __future__ import annotations

from typing import Mapping

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from rehabcoach.ui.theme import CALM, Theme
from rehabcoach.vision.catalogue import SIDES, Side

SIDE_WORDS: dict[Side, str] = {"left": "Your left", "right": "Your right"}


def percent(fraction: float) -> str:
    return f"{round(max(0.0, min(1.0, fraction)) * 100)}%"


class TargetMeter(QWidget):
    """One horizontal bar per side: how much of the goal movement is reached now.

    Sides are ordered as in the mirror (the patient's left first, on the left), and every bar says
    its value in words so the colour is never the only cue.
    """

    def __init__(self, theme: Theme = CALM, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._levels: dict[Side, float] = {}
        self.setAccessibleName("Target meter")
        self.setMinimumHeight(90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.update()

    def set_levels(self, levels: Mapping[Side, float]) -> None:
        levels = {side: float(v) for side, v in levels.items() if side in SIDE_WORDS}
        if levels != self._levels:
            self._levels = levels
            self.setAccessibleDescription(self.describe())
            self._fit_height()
            self.update()

    def _row_height(self) -> int:
        # One line per side (words, bar, value side by side: height is short on a laptop), in the widget's
        # own font: the text size setting makes it grow.
        return self.fontMetrics().height() + 12

    def _fit_height(self) -> None:
        self.setFixedHeight(max(1, len(self._levels)) * self._row_height() + 8)

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (event.Type.FontChange, event.Type.StyleChange):
            self._fit_height()

    def levels(self) -> dict[Side, float]:
        return dict(self._levels)

    def describe(self) -> str:
        if not self._levels:
            return "No target for this step"
        return "; ".join(f"{SIDE_WORDS[s]} side: {percent(v)} of the goal" for s, v in sorted(self._levels.items()))

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        t = self._theme
        font = QFont(self.font())
        painter.setFont(font)
        row_h = self._row_height()
        line = painter.fontMetrics().height()
        metrics = painter.fontMetrics()
        value_w = metrics.horizontalAdvance("Reached") + 16
        words_w = max(metrics.horizontalAdvance(f"{words} side") for words in SIDE_WORDS.values()) + 12
        for row, side in enumerate(s for s in SIDES if s in self._levels):
            value = max(0.0, min(1.0, self._levels[side]))
            y = 4 + row * row_h
            label = f"{SIDE_WORDS[side]} side"
            painter.setPen(QColor(t.text))
            painter.drawText(QRectF(0, y, words_w, line), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             label)
            bar_h = max(14, line - 8)
            bar = QRectF(words_w, y + (line - bar_h) / 2, max(20, self.width() - value_w - words_w), bar_h)
            painter.setPen(QPen(QColor(t.border), 1))
            painter.setBrush(QColor(t.surface))
            painter.drawRoundedRect(bar, 6, 6)
            fill = QRectF(bar.x(), bar.y(), bar.width() * value, bar.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(t.good if value >= 0.999 else t.accent))
            if fill.width() > 0:
                painter.drawRoundedRect(fill, 6, 6)
            painter.setPen(QColor(t.text))
            text = "Reached" if value >= 0.999 else percent(value)
            painter.drawText(QRectF(bar.right() + 8, bar.center().y() - line / 2, value_w, line),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        painter.end()


# Region -> (x, y, w, h) of an ellipse in a 200 x 240 face box, for the side drawn on the LEFT.
FACE_SHAPES = {
    "brow": (42, 62, 50, 14),
    "eye": (46, 86, 42, 22),
    "cheek": (34, 128, 44, 34),
    "nose": (80, 118, 18, 30),
    "mouth": (62, 170, 38, 22),
}


def _region_shapes():
    for region, (x, y, w, h) in FACE_SHAPES.items():
        yield (region, "left"), (x, y, w, h)
        yield (region, "right"), (200 - x - w, y, w, h)  # mirror image across the midline


def paint_face(painter: QPainter, area: QRectF, theme: Theme, shares: Mapping[tuple[str, str], float],
               font: QFont) -> None:
    """A calm front-view face in ``area``, as in the mirror (the patient's left on the left), each
    (region, side) in ``shares`` tinted amber by its share (0..1); "L" and "R" under it."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    t = theme
    scale = min(area.width() / 200.0, (area.height() - 24) / 240.0)
    painter.translate(area.x() + (area.width() - 200 * scale) / 2, area.y())
    painter.scale(scale, scale)
    painter.setPen(QPen(QColor(t.muted_text), 2))
    painter.setBrush(QColor(t.surface))
    painter.drawEllipse(QRectF(20, 20, 160, 200))
    for key, (x, y, w, h) in _region_shapes():
        share = shares.get(key, 0.0)
        if share > 0:
            colour = QColor(t.warning)
            colour.setAlpha(int(90 + 165 * min(1.0, share)))
            painter.setBrush(colour)
            painter.setPen(QPen(QColor(t.warning), 2))
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(t.muted_text), 1.5))
        painter.drawEllipse(QRectF(x, y, w, h))
    painter.setPen(QColor(t.text))
    bold = QFont(font)
    bold.setBold(True)
    painter.setFont(bold)
    painter.drawText(QRectF(0, 222, 100, 20), Qt.AlignmentFlag.AlignCenter, "L")
    painter.drawText(QRectF(100, 222, 100, 20), Qt.AlignmentFlag.AlignCenter, "R")
    painter.restore()


class FaceMap(QWidget):
    """A simple front-view face, as in the mirror (the patient's left on the left), with each
    region that had unwanted movement tinted amber in proportion to how long it lasted."""

    SHAPES = FACE_SHAPES

    def __init__(self, theme: Theme = CALM, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._seconds: dict[tuple[str, str], float] = {}
        self.setMinimumSize(170, 210)
        self.setAccessibleName("Face diagram of unwanted movements")

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.update()

    def set_warnings(self, seconds_by_region_side: Mapping[tuple[str, str], float]) -> None:
        self._seconds = dict(seconds_by_region_side)
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        longest = max(self._seconds.values(), default=0.0)
        shares = {key: (seconds / longest if longest else 1.0) for key, seconds in self._seconds.items() if seconds > 0}
        paint_face(painter, QRectF(self.rect()), self._theme, shares, self.font())
        painter.end()



