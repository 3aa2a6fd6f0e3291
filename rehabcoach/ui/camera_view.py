"""The mirrored camera picture with a light outline of the eyes, brows and mouth.

The image arrives already mirrored and scaled (see capture_worker).  Landmarks are in un-mirrored
image coordinates, so x becomes 1 - x: the patient's left eye, which MediaPipe places on the right
of the camera image, is drawn on the LEFT of the display, as in a mirror.

Painting runs on the GUI thread while the capture thread also runs Python code, and every Python
call into Qt may hand the GIL over; so the outlines are built as ready paths in the capture thread
(``contour_paths``) and a paint is a handful of Qt calls, whatever the number of landmarks.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from rehabcoach.ui.theme import CALM, Theme

GUIDE_NONE, GUIDE_OK, GUIDE_PROBLEM = "none", "ok", "problem"
OVERLAY_REGIONS = ("eye", "mouth", "brow")


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


def contour_paths(
    landmarks, width: int, height: int, contours: Mapping[tuple[str, str], Sequence[int]] | None = None
) -> dict[tuple[str, str], QPainterPath]:
    """One path per (region, side), in pixels of the MIRRORED display image of ``width`` x ``height``.

    Safe to call outside the GUI thread (QPainterPath is plain data).
    """
    contours = contours if contours is not None else _default_contours()
    paths: dict[tuple[str, str], QPainterPath] = {}
    if landmarks is None:
        return paths
    count = len(landmarks)
    drawn = [(key, indices) for key, indices in contours.items()
             if key[0] in OVERLAY_REGIONS and len(indices) >= 2 and max(indices) < count]
    if not drawn:
        return paths
    # Every outline's points mirrored and scaled in one array operation, then handed over as plain floats:
    # a third of the cost of converting point by point (this runs for every frame).
    flat = [index for _, indices in drawn for index in indices]
    points = (landmarks[flat, :2] * (-width, height) + (width, 0)).tolist()
    start = 0
    for key, indices in drawn:
        outline = points[start: start + len(indices)]
        start += len(indices)
        path = QPainterPath(QPointF(*outline[0]))
        for x, y in outline[1:]:
            path.lineTo(x, y)
        paths[key] = path
    return paths


class CameraView(QWidget):
    """Paints the latest frame, the contour overlay and (during calibration) a guide oval."""

    def __init__(self, theme: Theme = CALM, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Camera picture (mirrored)")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        # paintEvent covers every pixel: Qt then skips painting the window's styled background under the
        # picture 30 times a second.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._theme = theme
        self._image: QImage | None = None
        self._paths: Mapping[tuple[str, str], QPainterPath] = {}
        self._warned: frozenset[tuple[str, str]] = frozenset()
        self._captured_at: float | None = None
        self._guide = GUIDE_NONE
        self._placeholder = "Starting the camera…"
        self._labels: QImage | None = None  # "your left" / "your right", drawn once per size
        self._labels_width = -1
        self.show_overlay = True
        # "Feel it" view: the picture is hidden and a calm drawn face takes its place, still showing the
        # warned side's region; frames keep arriving (the measures run and are recorded).
        self.picture_hidden = False
        self.frames_received = 0
        # Told the widget's size whenever it changes, so frames arrive already scaled (capture_worker).
        self.size_listeners: list[Callable[[tuple[int, int]], None]] = []
        # Called after each paint with (captured_at, warned regions): used by the window benchmark.
        self.paint_listeners: list[Callable[[float | None, frozenset], None]] = []
        self._make_pens()

    # --- inputs ---------------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._make_pens()
        self._labels_width = -1
        self.update()

    def set_frame(self, image: QImage, paths: Mapping | None = None, captured_at: float | None = None) -> None:
        """``paths``: from :func:`contour_paths` for this image's size (empty when no face)."""
        self._image = image
        self._paths = paths or {}
        self._captured_at = captured_at
        self.frames_received += 1
        self.update()

    def set_picture_hidden(self, hidden: bool) -> None:
        if hidden != self.picture_hidden:
            self.picture_hidden = hidden
            self.setAccessibleName("Drawn face (your picture is hidden)" if hidden else "Camera picture (mirrored)")
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
        self._paths = {}
        self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        size = (self.width(), self.height())
        for listener in self.size_listeners:
            listener(size)

    # --- painting -------------------------------------------------------------------------------
    def _make_pens(self) -> None:
        t = self._theme
        # Opaque: Qt's raster painter strokes a translucent antialiased line four times slower (0.33 ms a
        # frame for the six outlines, 1 % of a core at 30 frames a second); the overlay colours are light
        # and the lines thin, so the face still shows between them.
        self._normal_pen = QPen(QColor(t.overlay), 2)
        self._warn_pen = QPen(QColor(t.warning), 6)
        self._warn_pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self._warn_fill = QColor(t.warning)
        self._warn_fill.setAlpha(70)
        self._background = QColor(t.surface if t.name == "calm" else t.background)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt name
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._background)
        if self.picture_hidden:
            self._paint_drawn_face(painter)
            painter.end()
            self._notify_painted()
            return
        image = self._image
        if image is None or image.isNull():
            self._paint_placeholder(painter)
            painter.end()
            self._notify_painted()
            return
        rect = fit_rect(image.width(), image.height(), QRectF(self.rect()))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        exact = abs(rect.width() - image.width()) < 1.5 and abs(rect.height() - image.height()) < 1.5
        painter.translate(rect.topLeft())
        if not exact:  # the window is being resized: scale until frames of the new size arrive
            painter.scale(rect.width() / image.width(), rect.height() / image.height())
        painter.drawImage(0, 0, image)
        if self._guide != GUIDE_NONE:
            self._paint_guide(painter, image.width(), image.height())
        if self.show_overlay and self._paths:
            self._paint_contours(painter)
        painter.resetTransform()
        self._paint_side_labels(painter, rect)
        painter.end()
        self._notify_painted()

    def _notify_painted(self) -> None:
        for listener in self.paint_listeners:
            listener(self._captured_at, self._warned)

    def _paint_drawn_face(self, painter: QPainter) -> None:
        from rehabcoach.ui.meters import paint_face

        note_h = 60
        area = QRectF(self.rect()).adjusted(12, 12, -12, -note_h)
        paint_face(painter, area, self._theme, {key: 1.0 for key in self._warned}, self.font())
        painter.setPen(QColor(self._theme.muted_text))
        painter.drawText(QRectF(8, self.height() - note_h, self.width() - 16, note_h),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                         "Your picture is hidden: feel the movement. The sound and the voice go on.")

    def _paint_placeholder(self, painter: QPainter) -> None:
        painter.setPen(QColor(self._theme.muted_text))
        font = QFont(self.font())
        font.setPointSize(max(14, font.pointSize() + 2))
        painter.setFont(font)
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)

    def _paint_guide(self, painter: QPainter, width: int, height: int) -> None:
        # An oval where a well-placed face sits: about 40 % of the picture's width, centred.
        w = min(width * 0.42, height * 0.55)
        h = w * 1.3
        oval = QRectF(width / 2 - w / 2, height / 2 - h / 2, w, h)
        colour = QColor(self._theme.accent if self._guide == GUIDE_OK else self._theme.warning)
        if self._theme.name == "calm" and self._guide == GUIDE_OK:
            colour = QColor("#FFFFFF")
        painter.setPen(QPen(colour, 4, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(oval)

    def _paint_contours(self, painter: QPainter) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(self._normal_pen)
        for key, path in self._paths.items():
            if key not in self._warned:
                painter.drawPath(path)
        painter.setPen(self._warn_pen)
        for key in self._warned:
            warned_path = self._paths.get(key)
            if warned_path is not None:
                painter.fillPath(warned_path, self._warn_fill)
                painter.drawPath(warned_path)

    def _paint_side_labels(self, painter: QPainter, rect: QRectF) -> None:
        # Words, not only position: the picture is a mirror, so "your left" is on the left.
        width = round(rect.width())
        if self._labels is None or self._labels_width != width:
            self._labels = self._render_side_labels(width)
            self._labels_width = width
        painter.drawImage(QPointF(rect.x(), rect.bottom() - self._labels.height()), self._labels)

    def _render_side_labels(self, width: int) -> QImage:
        height = 50
        image = QImage(max(width, 1), height, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPointSize(max(12, font.pointSize() - 2))
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        margin = 10
        for text, at_left in (("your left", True), ("your right", False)):
            pill_w = metrics.horizontalAdvance(text) + 16
            x = margin if at_left else width - margin - pill_w
            pill = QRectF(x, height - 42, pill_w, 32)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 150))
            painter.drawRoundedRect(pill, 8, 8)
            painter.setPen(QColor("#FFFFFF"))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
        return image
