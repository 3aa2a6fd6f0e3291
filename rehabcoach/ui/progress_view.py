"""Progress for the active profile: adherence, charts per exercise and side, the movement-check trend.

It shows the same content as the PDF report (``rehabcoach.reports``), so the screen and the paper a
patient brings to the therapist never disagree; "Save as PDF" writes that report.

The report is gathered and its charts drawn on a worker thread (a year of sessions takes seconds), so
the window stays responsive; the result comes back through a queued signal.
"""

from __future__ import annotations

import threading
import traceback
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QFileDialog, QHBoxLayout, QMessageBox, QTextBrowser, QVBoxLayout

from rehabcoach.errors import UserError
from rehabcoach.reports import Report, ReportContent, build_report
from rehabcoach.ui.report_pdf import report_document, write_pdf_report
from rehabcoach.ui.widgets import MARGIN, SPACING, button, label

PERIODS = (("Last 30 days", 30), ("Last 90 days", 90), ("Last year", 365))


class ProgressView(QDialog):
    # (request number, the report or None, the problem in words or None), from the worker thread
    report_built = Signal(int, object, object)

    def __init__(self, store, profile, parent=None, today: date | None = None):
        super().__init__(parent)
        self.store = store
        self.profile = profile
        self.today = today or date.today()
        self.setWindowTitle(f"Progress: {profile.name}")
        self.setAccessibleName(f"Progress of {profile.name}")
        self.resize(900, 900)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        outer.setSpacing(SPACING)
        row = QHBoxLayout()
        row.addWidget(label(f"Progress of {profile.name}", "title"), 1)
        self.period = QComboBox()
        self.period.setAccessibleName("Period shown")
        for text, days in PERIODS:
            self.period.addItem(text, days)
        self.period.currentIndexChanged.connect(self.refresh)
        row.addWidget(self.period)
        outer.addLayout(row)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Progress charts and tables")
        self.browser.setOpenLinks(False)
        outer.addWidget(self.browser, 1)
        buttons = QHBoxLayout()
        self.pdf_button = button("Save as PDF…", "Save this report as a PDF file")
        self.pdf_button.clicked.connect(self.save_pdf)
        close = button("Close", "Close the progress view", primary=True)
        close.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(close)
        outer.addLayout(buttons)
        self.content: ReportContent | None = None
        self.report: Report | None = None
        self.charts_shown: list[str] = []
        self._request = 0
        self.report_built.connect(self._show)
        self.refresh()

    def range(self) -> tuple[date, date]:
        return self.today - timedelta(days=int(self.period.currentData()) - 1), self.today

    def refresh(self) -> None:
        """Prepare the report for the chosen period in the background; ``ready()`` says when it is shown."""
        first, last = self.range()
        self._request += 1
        self.report = None
        self.pdf_button.setEnabled(False)
        self.browser.setPlainText(f"Preparing the report from {first:%d %b %Y} to {last:%d %b %Y}…")
        threading.Thread(target=self._build, args=(self._request, first, last), name="progress-report",
                         daemon=True).start()

    def ready(self) -> bool:
        return self.report is not None

    def _build(self, request: int, first: date, last: date) -> None:
        result: tuple[Report | None, str | None]  # the report, or the problem in words
        try:
            result = (build_report(self.store, self.profile, first, last), None)
        except UserError as exc:
            result = (None, str(exc))
        except Exception as exc:  # a bug: say so in the window rather than leave it "preparing" forever
            traceback.print_exc()
            result = (None, f"an unexpected problem ({type(exc).__name__}: {exc})")
        try:
            self.report_built.emit(request, *result)
        except RuntimeError:
            pass  # the view was closed while the report was being prepared

    def _show(self, request: int, report: Report | None, problem: str | None) -> None:
        if request != self._request:
            return  # an older period's report, finished after the user chose another
        if report is None:
            self.browser.setPlainText(f"The report could not be prepared: {problem}")
            return
        self.report = report
        self.content = report.content
        self.browser.setDocument(report_document(report, self.browser))
        self.charts_shown = list(report.charts)
        self.pdf_button.setEnabled(True)

    def save_pdf(self, path: str | None = None) -> Path | None:
        """Write the report on screen as a PDF (asking where, unless ``path`` is given)."""
        if self.report is None:
            return None
        if path is None:
            content = self.report.content
            suggested = (f"rehabcoach-{self.profile.name.replace(' ', '-').lower()}-{content.first}-"
                         f"{content.last}.pdf")
            path, _ = QFileDialog.getSaveFileName(self, "Save the report", str(Path.home() / suggested),
                                                  "PDF files (*.pdf)")
            if not path:
                return None
        try:
            return write_pdf_report(self.report, path)
        except UserError as exc:
            QMessageBox.warning(self, "The report was not saved", str(exc))
            return None
