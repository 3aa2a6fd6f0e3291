"""Progress reports: content gathered from the records, matplotlib charts (SVG), HTML laid out by the caller.

Qt-free: the window's progress view shows :func:`build_report`'s HTML, and ``rehabcoach.ui.report_pdf``
lays the very same HTML out as a PDF, so the screen and the paper never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from rehabcoach.records.models import Profile
from rehabcoach.records.store import Store
from rehabcoach.reports.charts import all_charts
from rehabcoach.reports.content import ReportContent, gather
from rehabcoach.reports.document import build_html


@dataclass(frozen=True)
class Report:
    content: ReportContent
    html: str
    charts: dict[str, bytes]  # SVG pictures referenced by name from the HTML's <img src=...>
    title: str


def build_report(store: Store, profile: Profile, first: date, last: date, now: datetime | None = None) -> Report:
    """The report for ``profile`` between ``first`` and ``last`` (inclusive)."""
    content = gather(store, profile, first, last, now)
    charts = all_charts(content)
    return Report(content, build_html(content, charts), charts,
                  f"RehabCoach report: {profile.name}, {first.isoformat()} to {last.isoformat()}")
