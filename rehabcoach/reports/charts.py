"""Report charts drawn with matplotlib (no display needed), returned as SVG with real text.

SVG keeps the charts sharp on paper and on high-resolution screens, and keeps their words as text:
the PDF can be searched and read back (``pdftotext`` finds the dates on the axes).

The charts must be right for one session and for ninety, over a week or a year:
- a date axis labels every session's day when there are few, and real dates from a locator otherwise;
  its limits are always set from the data (an axis left to itself starts at 1 Jan 1970);
- counts have integer axes that start at 0, shares of the target run from 0 to 100 %;
- every exercise that was done gets a panel; one done in a single session shows that session's
  values as bars and says "done once" instead of drawing a one-point trend.

Large type and thick lines: these are read by patients with tired eyes as well as by therapists.
Left and right keep the same colours and markers everywhere (and differ in shape, not only colour).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rehabcoach.records.movement_check import GRADE_WORDS, MOVEMENTS
from rehabcoach.reports.content import ExercisePoint, ReportContent

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

SIDE_STYLE = {"left": {"color": "#1b6ca8", "marker": "o", "linestyle": "-"},
              "right": {"color": "#c0392b", "marker": "s", "linestyle": "--"}}
PANELS_PER_CHART = 6  # exercise panels in one picture (3 rows of 2): a picture must fit on an A4 page
FEW_DAYS = 8  # up to this many distinct days, every day is a labelled tick
FEW_DAYS_IN_PANEL = 6  # the same in a half-width exercise panel (labels slanted)
CHART_WIDTH_IN = 7.5


STYLE: dict[RcKeyType, Any] = {"font.size": 11, "axes.titlesize": 11.5, "axes.titleweight": "bold", "lines.linewidth": 2,
         "lines.markersize": 6, "axes.grid": True, "grid.alpha": 0.3,
         "svg.fonttype": "none",  # text stays text in the SVG, and so in the PDF
         "svg.hashsalt": "rehabcoach"}  # the same report gives the same bytes


def _figure(width_in: float, height_in: float):
    """A bare matplotlib Figure: no pyplot, so no global figure list and no GUI backend; the progress view
    draws its charts on a worker thread."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in))


def _svg(fig) -> bytes:
    # Imported by name so the packaged app's import analysis bundles the SVG backend (the spec keeps
    # only Agg among matplotlib's backends); savefig would otherwise load it by a name built at run time.
    import matplotlib.backends.backend_svg  # noqa: F401

    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def day_label(day: date, years: bool = False) -> str:
    return day.strftime("%d %b %Y" if years else "%d %b")


def date_axis(ax, days: Sequence[date], compact: bool = False) -> None:
    """Real dates on the x axis of ``ax`` for data on ``days``: each day labelled when there are few."""
    import matplotlib.dates as mdates

    distinct = sorted(set(days))
    span = (distinct[-1] - distinct[0]).days
    pad = timedelta(days=max(0.6, span * 0.04))
    ax.set_xlim(distinct[0] - pad, distinct[-1] + pad)
    years = distinct[0].year != distinct[-1].year
    few = FEW_DAYS_IN_PANEL if compact else FEW_DAYS
    if len(distinct) <= few:
        ax.set_xticks(distinct, [day_label(d, years) for d in distinct])
    else:
        locator = mdates.AutoDateLocator(minticks=3, maxticks=5 if compact else 7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %Y" if years else "%d %b"))
    ax.tick_params(axis="x", labelsize=9 if compact else 10)
    if len(distinct) > 4 or years:
        for text in ax.get_xticklabels():
            text.set_rotation(30)
            text.set_horizontalalignment("right")


def count_axis(ax, largest: float) -> None:
    """Integer ticks from 0, at least up to 1 (so an all-zero chart still has a scale)."""
    from matplotlib.ticker import MaxNLocator

    ax.set_ylim(0, max(1, largest) * 1.1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=2))


def _value(point: ExercisePoint, side: str, value: str) -> float | None:
    if value == "unwanted":
        return point.unwanted_s_per_rep[side]
    share = point.target[side]
    return None if share is None else 100 * share


def _exercise_panel(ax, title: str, points: list[ExercisePoint], value: str) -> None:
    days = [p.day for p in points]
    if len(points) == 1:
        # One session: no trend to draw. Its two values as bars, and the words to say so.
        (point,) = points
        for index, (side, style) in enumerate(SIDE_STYLE.items()):
            number = _value(point, side, value)
            if number is None:
                ax.text(index, 0, "not measured", ha="center", va="bottom", fontsize=9)
                continue
            ax.bar(index, number, width=0.55, color=style["color"], hatch="//" if side == "right" else None,
                   edgecolor="white")
            ax.text(index, number, f"{number:.1f} s" if value == "unwanted" else f"{number:.0f} %",
                    ha="center", va="bottom", fontsize=10)
        ax.set_xticks([0, 1], ["left side", "right side"])
        ax.set_xlim(-0.7, 1.7)
        ax.set_title(f"{title}\ndone once, {day_label(point.day)}: no trend yet", fontsize=10.5)
    else:
        for side, style in SIDE_STYLE.items():
            pairs = [(p.day, _value(p, side, value)) for p in points]
            pairs = [(d, v) for d, v in pairs if v is not None]
            if pairs:
                # Many sessions: smaller markers, so the line (the trend) is what the eye follows.
                ax.plot([d for d, _ in pairs], [v for _, v in pairs], label=f"{side} side",
                        markersize=6 if len(pairs) <= 20 else 2.5, **style)
        date_axis(ax, days, compact=True)
        ax.set_title(f"{title}\n{len(points)} sessions", fontsize=10.5)
        ax.legend(loc="best", fontsize=8.5)
    if value == "unwanted":
        ax.set_ylabel("s per rep")
        top = max((_value(p, s, value) or 0.0) for p in points for s in SIDE_STYLE)
        ax.set_ylim(0, max(1.0, top * 1.2))
    else:
        ax.set_ylabel("% of target")
        ax.set_ylim(0, 110)
        ax.set_yticks([0, 25, 50, 75, 100])


def exercise_charts(content: ReportContent, value: str) -> list[bytes]:
    """Per exercise and side over time, every exercise done, in pictures of up to six panels.

    ``value`` is "unwanted" (seconds of unwanted movement per rep) or "target" (% of the target reached).
    """
    exercises = content.movement_exercises
    pictures = []
    for start in range(0, len(exercises), PANELS_PER_CHART):
        chunk = exercises[start:start + PANELS_PER_CHART]
        columns = 1 if len(chunk) == 1 else 2
        rows = (len(chunk) + columns - 1) // columns
        fig = _figure(CHART_WIDTH_IN, 2.7 * rows + 0.4)
        axes = fig.subplots(rows, columns, squeeze=False)
        flat = list(axes.flat)
        for ax, exercise_id in zip(flat, chunk):
            _exercise_panel(ax, content.exercise_title(exercise_id), content.exercise_points[exercise_id], value)
        for ax in flat[len(chunk):]:
            ax.set_visible(False)
        fig.suptitle("Unwanted movement per repetition (lower is better)" if value == "unwanted"
                     else "Target reached (higher is better)", fontsize=12.5, fontweight="bold")
        fig.tight_layout()
        pictures.append(_svg(fig))
    return pictures


def warnings_chart(content: ReportContent) -> bytes | None:
    """Warnings per session (few sessions: one bar each, labelled) or per day (many sessions)."""
    if not content.sessions:
        return None
    fig = _figure(CHART_WIDTH_IN, 2.8)
    ax = fig.subplots()
    days = [s.started_at.astimezone().date() for s in content.sessions]
    if len(content.sessions) <= FEW_DAYS:
        # One bar per session, in order; two sessions on one day stay two bars, told apart by the hour.
        counts = [s.warnings for s in content.sessions]
        years = days[0].year != days[-1].year
        labels = [day_label(d, years) + (s.started_at.astimezone().strftime("\n%H:%M") if days.count(d) > 1 else "")
                  for d, s in zip(days, content.sessions)]
        ax.bar(range(len(counts)), counts, width=0.55, color="#555555")
        ax.set_xticks(range(len(counts)), labels)
        ax.set_xlim(-0.8, len(counts) - 0.2)
        ax.set_xlabel("sessions, oldest first")
        ax.set_title("Warnings per session")
    else:
        per_day: dict[date, int] = {}
        for day, session in zip(days, content.sessions):
            per_day[day] = per_day.get(day, 0) + session.warnings
        ax.bar(list(per_day), list(per_day.values()), width=0.8, color="#555555")
        date_axis(ax, list(per_day))
        ax.set_title(f"Warnings per day ({len(content.sessions)} sessions on {len(per_day)} days)")
        counts = list(per_day.values())
    count_axis(ax, max(counts))
    ax.set_ylabel("warnings")
    if not any(counts):
        ax.text(0.5, 0.5, "no warnings in this period", transform=ax.transAxes, ha="center", va="center")
    fig.tight_layout()
    return _svg(fig)


def movement_check_chart(content: ReportContent) -> bytes | None:
    if not content.checks:
        return None
    fig = _figure(CHART_WIDTH_IN, 3.0)
    ax = fig.subplots()
    if len(content.checks) == 1:
        (check,) = content.checks
        done = [m for m in MOVEMENTS if m in check.movements]
        grades = [check.movements[m].estimate for m in done]
        ax.bar(range(len(done)), grades, width=0.55, color="#555555")
        for index, grade in enumerate(grades):
            ax.text(index, grade, f"{grade} {GRADE_WORDS[grade]}", ha="center", va="bottom", fontsize=9.5)
        ax.set_xticks(range(len(done)), done, fontsize=9.5)
        ax.set_title(f"Movement check, done once ({day_label(check.started_at.astimezone().date(), True)}): "
                     "synkinesis estimate, not a diagnosis", fontsize=11)
    else:
        markers = "o s ^ D v".split()
        for movement, marker in zip(MOVEMENTS, markers):
            pairs = [(c.started_at.astimezone().date(), c.movements[movement].estimate)
                     for c in content.checks if movement in c.movements]
            if pairs:
                ax.plot([d for d, _ in pairs], [v for _, v in pairs], marker=marker, label=movement,
                        markersize=6 if len(pairs) <= 20 else 3)
        date_axis(ax, [c.started_at.astimezone().date() for c in content.checks])
        ax.set_title("Movement check: synkinesis estimate (not a diagnosis)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    ax.set_ylim(-0.15, 3.4)
    ax.set_yticks([0, 1, 2, 3], ["0 none", "1 mild", "2 moderate", "3 severe"])
    fig.tight_layout()
    return _svg(fig)


def all_charts(content: ReportContent) -> dict[str, bytes]:
    """Chart name (as referenced by the report's HTML) -> SVG, in the order they appear."""
    import matplotlib

    charts: dict[str, bytes | None] = {}
    with matplotlib.rc_context(STYLE):
        for value in ("unwanted", "target"):
            for index, svg in enumerate(exercise_charts(content, value), start=1):
                charts[f"{value}-{index}.svg"] = svg
        charts["warnings.svg"] = warnings_chart(content)
        charts["movement-check.svg"] = movement_check_chart(content)
    return {name: svg for name, svg in charts.items() if svg is not None}
