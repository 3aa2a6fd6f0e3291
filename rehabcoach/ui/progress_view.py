"""Progress for the active profile: adherence, charts per exercise and side, the movement-check trend.

It shows the same content as the PDF report (``rehabcoach.reports``), so the screen and the paper a
patient brings to the therapist never disagree; "Save as PDF" writes that report.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QDialog, QFileDialog, QHBoxLayout, QMessageBox, QTextBrowser, QVBoxLayout

from rehabcoach.errors import UserError
from rehabcoach.reports import build_report
from rehabcoach.ui.report_pdf import report_document, write_pdf_report
from rehabcoach.ui.widgets import MARGIN, SPACING, button, label

PERIODS = (("Last 30 days", 30), ("Last 90 days", 90), ("Last year", 365))


class ProgressView(QDialog):
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
        self.content = None
        self.refresh()

    def range(self) -> tuple[date, date]:
        return self.today - timedelta(days=int(self.period.currentData()) - 1), self.today

    def refresh(self) -> None:
        first, last = self.range()
        report = build_report(self.store, self.profile, first, last)
        self.content = report.content
        self.browser.setDocument(report_document(report, self.browser))
        self.charts_shown = list(report.charts)

    def save_pdf(self, path: str | None = None) -> Path | None:
        first, last = self.range()
        if path is None:
            suggested = f"rehabcoach-{self.profile.name.replace(' ', '-').lower()}-{first}-{last}.pdf"
            path, _ = QFileDialog.getSaveFileName(self, "Save the report", str(Path.home() / suggested),
                                                  "PDF files (*.pdf)")
            if not path:
                return None
        try:
            return write_pdf_report(self.store, self.profile, first, last, path)
        except UserError as exc:
            QMessageBox.warning(self, "The report was not saved", str(exc))
            return None
