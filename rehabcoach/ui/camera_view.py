"""The mirrored camera picture with a light outline of the eyes and mouth.

The image arrives already mirrored (see capture_worker).  Landmarks are in un-mirrored image
coordinates, so x becomes 1 - x here: the patient's left eye, which MediaPipe places on the right
of the camera image, is drawn on the LEFT of the display, as in a mirror.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from rehabcoach.ui.theme import CALM, Theme

GUIDE_NONE, GUIDE_OK, GUIDE_PROBLEM = "none", "ok", "problem"


def _default_contours() -> Mapping[tuple[str, str], Sequence[int]]:
    from rehabcoach.vision.landmarks import CONTOURS

    return CONTOURS


def fit_rect(image_w: int, image_h: int, area: QRectF) -> QRectF:
    """The largest rectangle of the image's aspect ratio centred in ``area``."""
    if image_w <= 0 or image_h <= 0:
        return QRectF(area)
    scale = min(area.width() / image_w, area.height() / image_h)
    w, h = image_w * scale, image_h * scale
    return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)


def display_point(x: float, y: float, rect: QRectF) -> QPointF:
    """Un-mirrored normalised landmark -> point on the mirrored display."""
    return QPointF(rect.x() + (1.0 - x) * rect.width(), rect.y() + y * rect.height())


class CameraView(QWidget):
    """Paints the latest frame, the contour overlay and (during calibration) a guide oval."""

    OVERLAY_REGIONS = ("eye", "mouth", "brow")

    def __init__(self, theme: Theme = CALM, contours: Mapping | None = None, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Camera picture (mirrored)")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self._theme = theme
        self._contours = contours
        self._image: QImage | None = None
        self._landmarks = None
        self._warned: frozenset[tuple[str, str]] = frozenset()
        self._captured_at: float | None = None
        self._guide = GUIDE_NONE
        self._placeholder = "Starting the camera…"
        self.show_overlay = True
        # Told the widget's size whenever it changes, so frames arrive already scaled (capture_worker).
        self.size_listeners: list[Callable[[tuple[int, int]], None]] = []
        # Called after each paint with (captured_at, warned regions): used by the window benchmark.
        self.paint_listeners: list[Callable[[float | None, frozenset], None]] = []

    # --- inputs ---------------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.update()

    def set_frame(self, image: QImage, landmarks=None, captured_at: float | None = None) -> None:
        self._image = image
        self._landmarks = landmarks
        self._captured_at = captured_at
        self.update()

    def set_warned(self, regions: Iterable[tuple[str, str]]) -> None:
        warned = frozenset(regions)
        if warned != self._warned:
            self._warned = warned
            self.update()

    def warned(self) -> frozenset[tuple[str, str]]:
        return self._warned

    def set_guide(self, guide: str) -> None:
        if guide != self._guide:
            self._guide = guide
            self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self._image = None
        self._landmarks = None
        self.update()

    def clear(self) -> None:
        self.set_placeholder("Starting the camera…")

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        size = (self.width(), self.height())
        for listener in self.size_listeners:
            listener(size)

    # --- painting -------------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        t = self._theme
        painter.fillRect(self.rect(), QColor(t.surface if t.name == "calm" else t.background))
        if self._image is None or self._image.isNull():
            painter.setPen(QColor(t.muted_text))
            font = QFont(self.font())
            font.setPointSize(max(14, font.pointSize() + 2))
            painter.setFont(font)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)
            painter.end()
            self._notify_painted()
            return
        rect = fit_rect(self._image.width(), self._image.height(), QRectF(self.rect()))
        if abs(rect.width() - self._image.width()) < 1.5 and abs(rect.height() - self._image.height()) < 1.5:
            painter.drawImage(rect.topLeft(), self._image)  # already scaled in the worker: a plain copy
        else:
            painter.drawImage(rect, self._image)
        if self._guide != GUIDE_NONE:
            self._paint_guide(painter, rect)
        if self.show_overlay and self._landmarks is not None:
            self._paint_contours(painter, rect)
        self._paint_side_labels(painter, rect)
        painter.end()
        self._notify_painted()

    def _notify_painted(self) -> None:
        for listener in self.paint_listeners:
            listener(self._captured_at, self._warned)

    def _paint_guide(self, painter: QPainter, rect: QRectF) -> None:
        # An oval where a well-placed face sits: about 40 % of the picture's width, centred.
        w = min(rect.width() * 0.42, rect.height() * 0.55)
        h = w * 1.3
        oval = QRectF(rect.center().x() - w / 2, rect.center().y() - h / 2, w, h)
        colour = QColor(self._theme.accent if self._guide == GUIDE_OK else self._theme.warning)
        if self._theme.name == "calm" and self._guide == GUIDE_OK:
            colour = QColor("#FFFFFF")
        pen = QPen(colour, 4, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(oval)

    def _paint_contours(self, painter: QPainter, rect: QRectF) -> None:
        contours = self._contours if self._contours is not None else _default_contours()
        landmarks = self._landmarks
        normal = QColor(self._theme.overlay)
        normal.setAlpha(170)
        normal_pen = QPen(normal, 2)
        warn_pen = QPen(QColor(self._theme.warning), 6)
        warn_pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        warn_fill = QColor(self._theme.warning)
        warn_fill.setAlpha(70)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for (region, side), indices in contours.items():
            if region not in self.OVERLAY_REGIONS or len(indices) < 2:
                continue
            path = QPainterPath()
            for n, index in enumerate(indices):
                if index >= len(landmarks):
                    break
                point = display_point(float(landmarks[index][0]), float(landmarks[index][1]), rect)
                if n == 0:
                    path.moveTo(point)
                else:
                    path.lineTo(point)
            if (region, side) in self._warned:
                painter.setPen(warn_pen)
                painter.fillPath(path, warn_fill)
                painter.drawPath(path)
            else:
                painter.setPen(normal_pen)
                painter.drawPath(path)

    def _paint_side_labels(self, painter: QPainter, rect: QRectF) -> None:
        # Words, not only position: the picture is a mirror, so "your left" is on the left.
        font = QFont(self.font())
        font.setPointSize(max(12, font.pointSize() - 2))
        font.setBold(True)
        painter.setFont(font)
        margin = 10
        for text, align in (("your left", Qt.AlignmentFlag.AlignLeft), ("your right", Qt.AlignmentFlag.AlignRight)):
            box = QRectF(rect.x() + margin, rect.bottom() - 40, rect.width() - 2 * margin, 32)
            metrics = painter.fontMetrics()
            width = metrics.horizontalAdvance(text) + 16
            x = box.x() if align == Qt.AlignmentFlag.AlignLeft else box.right() - width
            pill = QRectF(x, box.y(), width, box.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 150))
            painter.drawRoundedRect(pill, 8, 8)
            painter.setPen(QColor("#FFFFFF"))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)


