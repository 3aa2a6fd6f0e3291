"""Progress reports: content gathered from the records, matplotlib charts, HTML laid out as a PDF.

The PDF renderer (QTextDocument + QPdfWriter) lives in ``rehabcoach.ui.report_pdf``, the only place
that touches Qt; it is imported only when a PDF is written.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from rehabcoach.files import write_private_atomic
from rehabcoach.records.models import Profile
from rehabcoach.records.store import Store


def write_pdf_report(store: Store, profile: Profile, first: date, last: date, out: Path | str,
                     now: datetime | None = None) -> Path:
    """Write the report for ``profile`` between ``first`` and ``last`` (inclusive) to ``out``."""
    from rehabcoach.reports.charts import all_charts
    from rehabcoach.reports.content import gather
    from rehabcoach.reports.document import build_html
    from rehabcoach.ui.report_pdf import render_pdf

    content = gather(store, profile, first, last, now)
    charts = all_charts(content)
    pdf = render_pdf(build_html(content, charts), charts,
                     f"RehabCoach report: {profile.name}, {first.isoformat()} to {last.isoformat()}")
    return write_private_atomic(out, pdf)
