"""Report charts drawn with matplotlib's Agg backend (no display needed), returned as PNG bytes.

Large type and thick lines: these are read by patients with tired eyes as well as by therapists.
Left and right keep the same colours and markers everywhere (and differ in shape, not only colour).
"""

from __future__ import annotations

import io

from rehabcoach.records.movement_check import MOVEMENTS
from rehabcoach.reports.content import ReportContent

SIDE_STYLE = {"left": {"color": "#1b6ca8", "marker": "o", "linestyle": "-"},
              "right": {"color": "#c0392b", "marker": "s", "linestyle": "--"}}
MAX_EXERCISE_PANELS = 4


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 11, "axes.titlesize": 12, "axes.titleweight": "bold", "lines.linewidth": 2,
                         "lines.markersize": 6, "axes.grid": True, "grid.alpha": 0.3})
    return plt


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=130, bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()


def _dates(ax) -> None:
    import matplotlib.dates as mdates

    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=6))


def exercise_chart(content: ReportContent, value: str) -> bytes | None:
    """Per exercise and side over time: ``value`` is "unwanted" (seconds per rep) or "target" (%)."""
    exercises = content.movement_exercises[:MAX_EXERCISE_PANELS]
    if not exercises:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(len(exercises), 1, figsize=(7.5, 2.3 * len(exercises)), squeeze=False, sharex=True)
    for ax, exercise_id in zip(axes[:, 0], exercises):
        points = content.exercise_points[exercise_id]
        for side, style in SIDE_STYLE.items():
            if value == "unwanted":
                xs = [p.day for p in points]
                ys = [p.unwanted_s_per_rep[side] for p in points]
            else:
                pairs = [(p.day, 100 * p.target[side]) for p in points if p.target[side] is not None]
                xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
            if xs:
                ax.plot(xs, ys, label=f"{side} side", **style)
        ax.set_title(exercise_id)
        if value == "unwanted":
            ax.set_ylabel("s per rep")
            ax.set_ylim(bottom=0)
        else:
            ax.set_ylabel("% of target")
            ax.set_ylim(0, 105)
        ax.legend(loc="upper right", fontsize=9)
        _dates(ax)
    fig.suptitle("Unwanted movement per repetition (lower is better)" if value == "unwanted"
                 else "Target reached (higher is better)", fontsize=13, fontweight="bold")
    fig.tight_layout()
    return _png(fig)


def warnings_chart(content: ReportContent) -> bytes | None:
    if not content.sessions:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    # One bar per session, in order (two sessions on one day stay two bars).
    positions = range(len(content.sessions))
    ax.bar(positions, [s.warnings for s in content.sessions], width=0.6, color="#555555")
    step = max(1, len(content.sessions) // 10)
    ticks = list(positions)[::step]
    ax.set_xticks(ticks, [content.sessions[i].started_at.astimezone().strftime("%d %b") for i in ticks])
    ax.set_ylabel("warnings")
    ax.set_xlabel("sessions, oldest first")
    ax.set_title("Warnings per session")
    fig.tight_layout()
    return _png(fig)


def movement_check_chart(content: ReportContent) -> bytes | None:
    if not content.checks:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    markers = "o s ^ D v".split()
    for movement, marker in zip(MOVEMENTS, markers):
        pairs = [(c.started_at.astimezone().date(), c.movements[movement].estimate)
                 for c in content.checks if movement in c.movements]
        if pairs:
            ax.plot([d for d, _ in pairs], [v for _, v in pairs], marker=marker, label=movement)
    ax.set_ylim(-0.2, 3.2)
    ax.set_yticks([0, 1, 2, 3], ["0 none", "1 mild", "2 moderate", "3 severe"])
    ax.set_title("Movement check: synkinesis estimate (not a diagnosis)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    _dates(ax)
    fig.tight_layout()
    return _png(fig)


def all_charts(content: ReportContent) -> dict[str, bytes]:
    charts = {
        "unwanted.png": exercise_chart(content, "unwanted"),
        "target.png": exercise_chart(content, "target"),
        "warnings.png": warnings_chart(content),
        "movement-check.png": movement_check_chart(content),
    }
    return {name: png for name, png in charts.items() if png is not None}
