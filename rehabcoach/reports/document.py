"""The report as HTML (the subset QTextDocument lays out), charts referenced by name."""

from __future__ import annotations

from html import escape

from rehabcoach.records.movement_check import GRADE_WORDS, LABEL, MOVEMENTS
from rehabcoach.reports.content import ReportContent

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
        parts.append(f"<p>{len(content.sessions)} sessions in this period (no prescription to compare with).</p>")

    parts.append("<h2>Sessions</h2>")
    if content.sessions:
        rows = []
        for s in content.sessions:
            unwanted = sum(r.unwanted_seconds() for r in s.reps)
            rows.append([s.started_at.astimezone().strftime("%d %b %Y %H:%M"), s.routine_id,
                         STATUS_WORDS.get(s.status, s.status), str(len(s.reps)), str(s.warnings),
                         f"{unwanted:.1f} s"])
        parts.append(_table(["Started", "Routine", "Status", "Reps", "Warnings", "Unwanted movement"], rows))
    else:
        parts.append("<p>No sessions in this period.</p>")

    if content.exercise_points:
        rows = []
        for exercise_id in content.movement_exercises:
            points = content.exercise_points[exercise_id]
            first, last = points[0], points[-1]
            rows.append([exercise_id, str(sum(pt.reps for pt in points)),
                         f"{first.unwanted_s_per_rep['left']:.1f} → {last.unwanted_s_per_rep['left']:.1f} s",
                         f"{first.unwanted_s_per_rep['right']:.1f} → {last.unwanted_s_per_rep['right']:.1f} s",
                         _target_change(first.target, last.target)])
        parts.append("<h2>Exercises: first and last session of the period</h2>")
        parts.append(_table(["Exercise", "Reps", "Unwanted per rep, left", "Unwanted per rep, right",
                             "Target reached (left / right)"], rows))

    for name, title in (("unwanted.png", None), ("target.png", None), ("warnings.png", None)):
        if name in charts:
            parts.append(f'<p><img src="{name}" width="640"></p>')

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
        if "movement-check.png" in charts:
            parts.append('<p><img src="movement-check.png" width="640"></p>')
    else:
        parts.append("<p>No movement check (routine five-movement-check) in this period.</p>")

    marks = [(s, m) for s in content.sessions for m in s.marks]
    if marks:
        parts.append("<h2>Notes made during sessions</h2>")
        parts.append(_table(["Session", "At", "Note"], [
            [s.started_at.astimezone().strftime("%d %b %Y %H:%M"), f"{m.at_s:.0f} s", m.note] for s, m in marks]))
    parts.append(f'<p class="note">{escape(DISCLAIMER)}</p></body></html>')
    return "".join(parts)


def _target_change(first: dict, last: dict) -> str:
    def pct(values: dict) -> str:
        return " / ".join("-" if values.get(side) is None else f"{100 * values[side]:.0f} %"
                          for side in ("left", "right"))
    return f"{pct(first)} → {pct(last)}"
