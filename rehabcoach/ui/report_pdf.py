"""Lay a report (``rehabcoach.reports``) out with QTextDocument: in the progress view and as a PDF.

The charts are SVG drawn as vector graphics through a text-object handler, not pasted as pictures:
they stay sharp when printed or zoomed, and their words (dates on the axes, exercise titles) stay
text that a PDF reader can search and copy.

Works headless: without a display (no $DISPLAY / $WAYLAND_DISPLAY on Linux) Qt's offscreen platform
is used, so ``rehabcoach report`` runs on a server or in CI.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QObject, QRectF, QSizeF
from PySide6.QtGui import (
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QPyTextObject,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtSvg import QSvgRenderer

from rehabcoach.files import write_private_atomic
from rehabcoach.reports import Report
from rehabcoach.ui.qt_env import drop_opencv_qt_plugin_path

A4_MARGIN_MM = 15
PAGE_WIDTH_PT = 700  # the text is laid out on a page this wide, whatever the printer resolution
CHART_OBJECT = QTextFormat.ObjectTypes.UserObject.value + 1
CHART_NAME = QTextFormat.Property.UserProperty.value + 1
CHART_WIDTH = CHART_NAME + 1


class SvgCharts(QPyTextObject):
    """Draws the report's SVG charts where the HTML has ``<img src="name.svg">``.

    (QPyTextObject is PySide's QObject that Qt recognises as a QTextObjectInterface.)
    """

    def __init__(self, charts: dict[str, bytes], parent: QObject | None = None):
        super().__init__(parent)
        self.renderers: dict[str, QSvgRenderer] = {}
        for name, svg in charts.items():
            renderer = QSvgRenderer(QByteArray(svg), self)
            if not renderer.isValid():
                raise ValueError(f"chart {name} is not an SVG picture")
            self.renderers[name] = renderer

    def intrinsicSize(self, document, position, format) -> QSizeF:  # noqa: A002 - Qt's signature
        renderer = self.renderers[format.property(CHART_NAME)]
        size = renderer.defaultSize()
        width = format.property(CHART_WIDTH) or size.width()
        return QSizeF(width, width * size.height() / max(1, size.width()))

    def drawObject(self, painter, rect, document, position, format) -> None:  # noqa: A002
        self.renderers[format.property(CHART_NAME)].render(painter, QRectF(rect))


def report_document(report: Report, parent: QObject | None = None) -> QTextDocument:
    """The report as a QTextDocument, its charts drawn as vector graphics."""
    document = QTextDocument(parent)
    handler = SvgCharts(report.charts, document)
    document.documentLayout().registerHandler(CHART_OBJECT, handler)
    document.setHtml(report.html)
    # Each <img> of a chart becomes a chart object of the same width (one character: positions hold).
    images = []
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            char_format = fragment.charFormat()
            if char_format.isImageFormat() and char_format.toImageFormat().name() in report.charts:
                images.append((fragment.position(), char_format.toImageFormat()))
            iterator += 1
        block = block.next()
    for position, image in images:
        chart = QTextCharFormat()
        chart.setObjectType(CHART_OBJECT)
        chart.setProperty(CHART_NAME, image.name())
        chart.setProperty(CHART_WIDTH, image.width() if image.width() > 0 else None)
        cursor = QTextCursor(document)
        cursor.setPosition(position)
        cursor.setPosition(position + 1, QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText("\ufffc", chart)
    return document


def _gui_application():
    drop_opencv_qt_plugin_path()
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(sys.argv[:1])
    return app


def render_pdf(report: Report) -> bytes:
    """The PDF file's bytes (A4, portrait)."""
    _gui_application()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(report.title)
    writer.setCreator("RehabCoach")
    writer.setResolution(300)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(A4_MARGIN_MM, A4_MARGIN_MM, A4_MARGIN_MM, A4_MARGIN_MM),
                                     QPageLayout.Unit.Millimeter))
    document = report_document(report)
    # A page size makes the document paginated, so print_ lays out this document (with its chart
    # handler) instead of a clone that would not know the charts.
    document.setPageSize(QSizeF(PAGE_WIDTH_PT, PAGE_WIDTH_PT * 297 / 210))
    document.print_(writer)
    del writer  # finishes the PDF
    buffer.close()
    return bytes(data.data())


def write_pdf_report(report: Report, out: Path | str) -> Path:
    """Write ``report`` (``rehabcoach.reports.build_report``) to ``out`` as a PDF readable by the user only.

    The one way to a PDF report: ``rehabcoach report`` and the progress view's "Save as PDF" both use it.
    """
    return write_private_atomic(out, render_pdf(report))
