"""Render a report (HTML + chart images) to PDF bytes with QTextDocument and QPdfWriter.

Works headless: without a display (no $DISPLAY / $WAYLAND_DISPLAY on Linux) Qt's offscreen platform
is used, so ``rehabcoach report`` runs on a server or in CI.
"""

from __future__ import annotations

import os
import sys

A4_MARGIN_MM = 15


def _gui_application():
    from rehabcoach.ui.app import prepare_environment

    prepare_environment()
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(sys.argv[:1])
    return app


def render_pdf(html: str, images: dict[str, bytes], title: str) -> bytes:
    """The PDF file's bytes: ``images`` are PNG data referenced by name from ``<img src=...>``."""
    _gui_application()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSizeF, QUrl
    from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("RehabCoach")
    writer.setResolution(300)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(A4_MARGIN_MM, A4_MARGIN_MM, A4_MARGIN_MM, A4_MARGIN_MM),
                                     QPageLayout.Unit.Millimeter))
    document = QTextDocument()
    for name, png in images.items():
        image = QImage.fromData(png, "PNG")
        if image.isNull():
            raise ValueError(f"chart {name} is not a PNG image")
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    document.setHtml(html)
    # Lay the text out on a page of 700 points' width, whatever the printer resolution.
    document.setPageSize(QSizeF(700, 700 * 297 / 210))
    document.print_(writer)
    del writer  # finishes the PDF
    buffer.close()
    return bytes(data.data())
