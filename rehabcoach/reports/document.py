"""The report as HTML (the subset QTextDocument lays out), charts referenced by name."""

from __future__ import annotations

from html import escape

from rehabcoach.coaching.summary import format_deviation
from rehabcoach.records.movement_check import GRADE_WORDS, LABEL, MOVEMENTS
from rehabcoach.reports.content import PeakRow, ReportContent

CHART_WIDTH = 640  # pixels of the 700-point-wide page (the PDF) or of the progress view
PEAKS_NOTE = ("For each repetition, the largest movement away from the resting face in the unwanted direction, "
              "per side; the table gives the median over the repetitions of the first and of the last session of "
              "the period. Eye opening and brow height are shares of their resting value (20% of rest = a fifth "
              "narrower or wider); mouth positions are shares of the distance between the eyes (about 63 mm on an "
              "adult: 3% is about 2 mm). \"Larger on\" is the side that moved more than the other at the same "
              "moment, and by how much at most. These are camera estimates to follow change over time: estimate, "
              "not a diagnosis.")
DISCLAIMER = ("RehabCoach supports therapy; it does not diagnose. The movement-check grades are estimates computed "
              "from camera measurements, not a clinical Sunnybrook rating. Stop any exercise that hurts.")
STATUS_WORDS = {"completed": "completed", "stopped": "stopped early", "in_progress": "interrupted"}
STYLE = """
body { font-family: sans-serif; font-size: 10pt; }
h1 { font-size: 18pt; margin-bottom: 2px; }
h2 { font-size: 13pt; margin-top: 14px; border-bottom: 1px solid #888; }
table { border-collapse: collapse; margin-top: 4px; }
th { background: #e8e8e8; text-align: left; padding: 3px 6px; }
td { padding: 3px 6px; border-bottom: 1px solid #ddd; }
.note { color: #333; font-style: italic; }
.warn { color: #7a2d00; font-weight: bold; }
"""


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table width="100%" cellspacing="0">{"<tr>" + head + "</tr>"}{body}</table>'


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())


def _date(d) -> str:
    return d.strftime("%d %b %Y")


def build_html(content: ReportContent, charts: dict[str, bytes]) -> str:
    p = content.profile
    parts = [f"<html><head><style>{STYLE}</style></head><body>"]
    parts.append("<h1>RehabCoach progress report</h1>")
    side = {"left": "left side", "right": "right side"}.get(p.affected_side or "", "not set")
    parts.append(f"<p><b>Patient:</b> {escape(p.name)} &nbsp; <b>Affected side:</b> {escape(side)}<br>"
                 f"<b>Period:</b> {_date(content.first)} to {_date(content.last)} &nbsp; "
                 f"<b>Created:</b> {content.generated_at.astimezone().strftime('%d %b %Y %H:%M')}</p>")
    parts.append(f'<p class="warn">{escape(DISCLAIMER)}</p>')
    if p.notes:
        parts.append("<h2>Notes about the patient</h2>" + _paragraphs(p.notes))

    parts.append("<h2>Prescription</h2>")
    rx = content.prescription
    if rx is None:
        parts.append("<p>No prescription has been imported for this profile.</p>")
    else:
        until = f" to {_date(rx.ends_on)}" if rx.ends_on else ""
        by = f", by {escape(rx.prescribed_by)}" if rx.prescribed_by else ""
        parts.append(f"<p><b>{escape(rx.title)}</b>{by}; from {_date(rx.starts_on)}{until}.</p>")
        parts.append(_table(["Routine", "How often"], [[r["routine"], f"{r['times']} × per {r['per']}"]
                                                      for r in rx.document.get("routines", [])]))
        overrides = []
        for exercise_id, o in rx.document.get("exercises", {}).items():
            settings = [f"{k.replace('_', ' ')} {o[k]}" for k in ("reps", "hold_seconds", "rest_seconds") if o.get(k)]
            settings += [f"{m} threshold {v}" for m, v in o.get("thresholds", {}).items()]
            overrides.append([exercise_id, "; ".join(settings) or "-", o.get("notes", "")])
        if overrides:
            parts.append("<p><b>Exercise settings</b></p>" + _table(["Exercise", "Settings", "Notes"], overrides))
        if rx.notes:
            parts.append("<p><b>Therapist's notes</b></p>" + _paragraphs(rx.notes))

    parts.append("<h2>Adherence</h2>")
    if content.adherence:
        rows = []
        for a in content.adherence:
            share = f"{100 * a.share:.0f} %" if a.share is not None else "-"
            expected = f"{a.expected:g}"
            rows.append([a.routine_id, a.frequency, f"{a.completed} of {expected}", share, str(a.unfinished)])
        parts.append(_table(["Routine", "Prescribed", "Sessions completed", "Adherence", "Unfinished"], rows))
    else:
        count = len(content.sessions)
        parts.append(f"<p>{count} session{'s' if count != 1 else ''} in this period (no prescription to compare "
                     "with).</p>")

    parts.append("<h2>Sessions</h2>")
    if content.sessions:
        rows = []
        for s in content.sessions:
            unwanted = sum(r.unwanted_seconds() for r in s.reps)
            # Time the coach could not judge: a session without warnings is not a clean one when this is large.
            turned = sum(r.turned_away_s for r in s.reps)
            rows.append([s.started_at.astimezone().strftime("%d %b %Y %H:%M"), s.routine_id,
                         STATUS_WORDS.get(s.status, s.status), str(len(s.reps)), str(s.warnings),
                         f"{unwanted:.1f} s", f"{turned:.1f} s" if turned >= 0.05 else "-"])
        parts.append(_table(["Started", "Routine", "Status", "Reps", "Warnings", "Unwanted movement", "Head turned"],
                            rows))
        if any(row[-1] != "-" for row in rows):
            parts.append('<p class="note">Head turned: time in the repetitions with the head turned too far from '
                         "where it was at calibration for the coach to see unwanted movements (not judged).</p>")
    else:
        parts.append("<p>No sessions in this period.</p>")

    if content.exercise_points:
        rows = []
        for exercise_id in content.movement_exercises:
            points = content.exercise_points[exercise_id]
            first, last = points[0], points[-1]
            once = len(points) == 1  # one session: its values, not a change from itself to itself

            def unwanted_per_rep(side: str) -> str:
                if once:
                    return f"{first.unwanted_s_per_rep[side]:.1f} s"
                return f"{first.unwanted_s_per_rep[side]:.1f} → {last.unwanted_s_per_rep[side]:.1f} s"
            rows.append([content.exercise_title(exercise_id), str(sum(pt.reps for pt in points)),
                         unwanted_per_rep("left"), unwanted_per_rep("right"),
                         _target_percent(first.target) if once else
                         f"{_target_percent(first.target)} → {_target_percent(last.target)}"])
        parts.append("<h2>Exercises: first and last session of the period</h2>")
        parts.append(_table(["Exercise", "Reps", "Unwanted per rep, left", "Unwanted per rep, right",
                             "Target reached (left / right)"], rows))

    parts.append(_peaks_section(content))

    # The charts carry their own titles: a heading of its own could be left at the foot of a page.
    for prefix in ("unwanted", "target", "warnings"):
        parts.extend(_image(name) for name in charts if name.startswith(prefix))

    parts.append("<h2>Movement check (estimate, not a diagnosis)</h2>")
    if content.checks:
        header = ["Date"] + [m for m in MOVEMENTS] + ["Total (0-15)"]
        rows = []
        for c in content.checks:
            cells = [f"{c.movements[m].estimate} {GRADE_WORDS[c.movements[m].estimate]}" if m in c.movements else "-"
                     for m in MOVEMENTS]
            rows.append([c.started_at.astimezone().strftime("%d %b %Y")] + cells +
                        [str(c.total) if c.total is not None else "incomplete"])
        parts.append(_table(header, rows))
        parts.append(f'<p class="note">Synkinesis per Sunnybrook movement on the 0-3 scale: {LABEL}. Derived from '
                     "how far unwanted movements went beyond the patient's thresholds (one point is about "
                     "0.77 mm of eye-opening change during a smile, 1 mm during a pucker).</p>")
        if "movement-check.svg" in charts:
            parts.append(_image("movement-check.svg"))
    else:
        parts.append("<p>No movement check (routine five-movement-check) in this period.</p>")

    marks = [(s, m) for s in content.sessions for m in s.marks]
    if marks:
        parts.append("<h2>Notes made during sessions</h2>")
        parts.append(_table(["Session", "At", "Note"], [
            [s.started_at.astimezone().strftime("%d %b %Y %H:%M"), f"{m.at_s:.0f} s", m.note] for s, m in marks]))
    parts.append(f'<p class="note">{escape(DISCLAIMER)}</p></body></html>')
    return "".join(parts)


def _image(name: str) -> str:
    return f'<p><img src="{escape(name)}" width="{CHART_WIDTH}"></p>'


def deviation_text(measure: str, value: float | None) -> str:
    """A size in the words the session summary uses (coaching.summary.format_deviation), without the '+'."""
    return "-" if value is None else format_deviation(measure, value).lstrip("+")


def _number_and_unit(measure: str, value: float) -> tuple[str, str]:
    """format_deviation's "+48% of rest" as ("48%", "of rest"): the table names the unit once per row."""
    number, _, unit = deviation_text(measure, value).partition(" ")
    return number, unit


def _peaks_section(content: ReportContent) -> str:
    heading = "<h2>Size of unwanted movements per repetition (estimate, not a diagnosis)</h2>"
    if not content.peaks:
        if not content.exercise_points:
            return ""
        return heading + "<p>No movement sizes were recorded for the repetitions of this period.</p>"
    rows, previous = [], None
    for row in content.peaks:
        cells = _peak_cells(content, row)
        if row.exercise_id == previous:
            cells[0] = ""  # the exercise is named once, on its first row: the table reads as groups
        previous = row.exercise_id
        rows.append(cells)
    single = all(row.sessions == 1 for row in content.peaks)
    sides = ["Left", "Right"] if single else ["Left: first → last session", "Right: first → last session"]
    table = _table(["Exercise", "Watched (unit)", *sides, "Larger on", "Reps"], rows)
    return heading + table + f'<p class="note">{escape(PEAKS_NOTE)}</p>'


def _peak_cells(content: ReportContent, row: PeakRow) -> list[str]:
    def size(value: float | None) -> str:
        return "-" if value is None else _number_and_unit(row.measure, value)[0]

    def change(side: str) -> str:
        first, last = size(row.first[side]), size(row.last[side])
        return first if row.sessions == 1 else f"{first} → {last}"
    sample = next((v for v in (*row.first.values(), *row.last.values()) if v is not None), 0.0)
    unit = _number_and_unit(row.measure, sample)[1]
    if row.largest_excess is None:
        excess = "-"
    elif row.largest_excess < 0.005:  # under half a percent: the sides moved alike
        excess = "neither"
    else:
        excess = f"{row.largest_excess_side} by {size(row.largest_excess)}"
    reps = str(row.reps) if row.sessions == 1 else f"{row.reps} in {row.sessions} sessions"
    return [content.exercise_title(row.exercise_id), f"{row.measure.replace('_', ' ')} (% {unit})", change("left"),
            change("right"), excess, reps]


def _target_percent(values: dict) -> str:
    return " / ".join("-" if values.get(side) is None else f"{100 * values[side]:.0f} %" for side in ("left", "right"))
