"""Progress reports for 1, 2, 5, 30 and 90 sessions, a week to a year: the charts' words read back.

The charts are SVG with their text kept as text, so the tests read the very tick labels and titles that
the PDF shows, first from the SVG and then from the PDF itself (pdftotext). The PDF pages are also
rendered to PNG in test-artifacts/reports/ for a person to look at.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from report_support import build_history

from rehabcoach.records.backends import open_records
from rehabcoach.reports import build_report
from rehabcoach.reports.charts import day_label
from rehabcoach.reports.document import deviation_text

LAST = date(2026, 12, 2)
COUNTS = (1, 2, 5, 30, 90)
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "reports"
CHECK_TITLES = {"Eyebrow raise", "Gentle eye closure", "Open-mouth smile", "Nose wrinkle", "Lip pucker"}
PRACTICE_TITLES = {"Gentle smile", "Nose wrinkle"}


def svg_texts(svg: bytes) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg.decode())]


def numbers(texts: list[str]) -> list[float]:
    """The texts that are plain numbers (tick labels); matplotlib writes minus as U+2212."""
    found = []
    for text in texts:
        cleaned = text.replace("\u2212", "-")
        if re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
            found.append(float(cleaned))
    return found


def period_start(count: int, days: list[date]) -> date:
    return min(days[0], LAST - timedelta(days=6))  # at least a week


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """count -> (report, session days)."""
    built = {}
    for count in COUNTS:
        folder = tmp_path_factory.mktemp(f"sessions-{count}")
        url = f"sqlite:///{folder / 'records.db'}"
        with open_records(url) as store:
            profile, days = build_history(store, count, LAST)
            report = build_report(store, profile, period_start(count, days), LAST,
                                  now=datetime(2026, 12, 2, 20, 0).astimezone())
        built[count] = (report, days)
    return built


@pytest.mark.parametrize("count", COUNTS)
def test_every_exercise_done_is_charted_with_its_title(reports, count):
    report, days = reports[count]
    done = CHECK_TITLES | (PRACTICE_TITLES if count > 1 else set())
    for kind in ("unwanted", "target"):
        texts = [t for name, svg in report.charts.items() if name.startswith(kind) for t in svg_texts(svg)]
        assert done <= set(texts), (kind, done - set(texts))  # the snarl ("Nose wrinkle") included
    assert len(report.content.sessions) == count


@pytest.mark.parametrize("count", (1, 2, 5))
def test_few_sessions_label_every_session_day(reports, count):
    report, days = reports[count]
    warnings = svg_texts(report.charts["warnings.svg"])
    assert [t for t in warnings if re.fullmatch(r"\d\d \w\w\w", t)] == [day_label(d) for d in days]
    assert "Warnings per session" in warnings
    # The exercises done in more than one session: their panels' ticks are exactly those days.
    unwanted = [t for name, svg in report.charts.items() if name.startswith("unwanted") for t in svg_texts(svg)]
    assert {t for t in unwanted if re.fullmatch(r"\d\d \w\w\w", t)} <= {day_label(d) for d in days}


@pytest.mark.parametrize("count", COUNTS)
def test_no_chart_shows_1970_or_a_date_outside_the_sessions(reports, count):
    report, days = reports[count]
    for name, svg in report.charts.items():
        for text in svg_texts(svg):
            assert "1970" not in text and "01 Jan" not in text, (name, text)
            for match in re.findall(r"\b(\d\d \w\w\w)\b", text):
                day = datetime.strptime(f"{match} 2026", "%d %b %Y").date()
                # A locator may put a tick on the 1st of a month a few days before the first session.
                assert days[0] - timedelta(days=7) <= day <= days[-1] + timedelta(days=7), (name, text)


@pytest.mark.parametrize("count", (30, 90))
def test_many_sessions_get_a_few_real_date_ticks(reports, count):
    report, days = reports[count]
    warnings = svg_texts(report.charts["warnings.svg"])
    ticks = [t for t in warnings if re.fullmatch(r"\d\d \w\w\w", t)]
    assert 3 <= len(ticks) <= 8 and len(set(ticks)) == len(ticks)
    assert f"Warnings per day ({count} sessions on {count} days)" in warnings


@pytest.mark.parametrize("count", COUNTS)
def test_counts_are_whole_numbers_from_zero_and_shares_run_to_100(reports, count):
    report, _ = reports[count]
    counts = numbers(svg_texts(report.charts["warnings.svg"]))
    assert counts[0] == 0 and all(c == int(c) and c >= 0 for c in counts)
    assert max(counts) >= max(s.warnings for s in report.content.sessions)
    shares = numbers([t for name, svg in report.charts.items() if name.startswith("target") for t in svg_texts(svg)])
    assert set(shares) == {0, 25, 50, 75, 100}
    seconds = numbers([t for name, svg in report.charts.items() if name.startswith("unwanted")
                       for t in svg_texts(svg)])
    assert min(seconds) == 0 and all(s >= 0 for s in seconds)


def test_an_exercise_done_once_says_so_instead_of_drawing_a_trend(reports):
    report, days = reports[2]  # a movement check, then a daily practice a week later
    texts = [t for name, svg in report.charts.items() if name.startswith("unwanted") for t in svg_texts(svg)]
    # The check's movements but the snarl, which the daily practice has too; then the gentle smile.
    assert texts.count(f"done once, {day_label(days[0])}: no trend yet") == 4
    assert texts.count(f"done once, {day_label(days[1])}: no trend yet") == 1
    assert "2 sessions" in texts  # the snarl, in both
    single = svg_texts(reports[1][0].charts["movement-check.svg"])
    assert any(t.startswith("Movement check, done once (02 Dec 2026)") for t in single)
    assert {"brow raise", "gentle eye closure", "open-mouth smile", "snarl", "lip pucker"} <= set(single)


def test_a_year_across_new_year_names_the_years(tmp_path):
    with open_records(f"sqlite:///{tmp_path / 'records.db'}") as store:
        profile, days = build_history(store, 13, date(2027, 2, 20), gap=30)
        report = build_report(store, profile, date(2026, 2, 21), date(2027, 2, 20))
    warnings = svg_texts(report.charts["warnings.svg"])
    ticks = [t for t in warnings if re.fullmatch(r"\d\d \w\w\w 20\d\d", t)]
    assert any(t.endswith("2026") for t in ticks) and any(t.endswith("2027") for t in ticks)
    assert "Warnings per day (13 sessions on 13 days)" in warnings


def test_region_peaks_table_reads_in_seconds(reports):
    report, days = reports[30]
    rows = {(r.exercise_id, r.measure): r for r in report.content.peaks}
    smile = rows[("gentle-smile", "eye_aperture")]
    assert (smile.reps, smile.sessions) == (3 * 25, 25)  # 30 sessions, every 7th a check without it
    assert smile.first["left"] == pytest.approx(0.4 - 0.2 / 29, abs=1e-4)
    assert smile.last["left"] == pytest.approx(0.2)
    assert smile.largest_excess_side == "left"
    assert smile.largest_excess == pytest.approx(0.4 - 0.2 / 29 - 0.08, abs=1e-4)
    mouth = rows[("gentle-eye-closure", "mouth_corner_lift")]
    assert deviation_text(mouth.measure, mouth.first["left"]) == "4% of the eye distance"
    assert deviation_text("eye_aperture", 0.2) == "20% of rest"
    page = re.sub(r"<[^>]+>", " ", report.html)
    assert "Size of unwanted movements per repetition (estimate, not a diagnosis)" in page
    assert re.search(r"Gentle smile\s+eye aperture \(% of rest\)\s+39% → 20%\s+8% → 8%\s+left by 31%\s+75 in 25 "
                     r"sessions", page)
    assert re.search(r"Gentle eye closure\s+mouth corner lift \(% of the eye distance\)\s+4% → 2%", page)


@pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
                    reason="pdftotext and pdftoppm (poppler-utils) read the PDF back; scripts/setup.sh test "
                           "installs them")
@pytest.mark.parametrize("count", COUNTS)
def test_pdf_carries_the_charts_words_and_renders_to_pages(reports, count, tmp_path, qapp):
    # qapp: a QApplication, as the window has (the PDF would otherwise start a bare QGuiApplication,
    # under which the widget tests that follow in this process could not run).
    from rehabcoach.ui.report_pdf import write_pdf_report

    report, days = reports[count]
    out = write_pdf_report(report, tmp_path / "report.pdf")
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    text = unicodedata.normalize("NFKC", subprocess.run(["pdftotext", "-layout", str(out), "-"],
                                                        capture_output=True, text=True, check=True).stdout)
    unwanted = text.split("Unwanted movement per repetition (lower is better)", 1)[1]
    unwanted, target = unwanted.split("Target reached (higher is better)", 1)
    target = target.split("Warnings per", 1)[0]
    for title in CHECK_TITLES | (PRACTICE_TITLES if count > 1 else set()):
        assert title in unwanted and title in target, title
    assert "\u2212" not in text  # matplotlib's minus: no chart has a negative tick
    assert "1970" not in text and "01 Jan" not in text
    assert ("Warnings per session" if count <= 8 else f"Warnings per day ({count} sessions") in text
    if count <= 5:  # the day labels of the ticks, without a year (the tables' dates have one)
        for day in days:
            assert re.search(rf"{day_label(day)}(?! 20\d\d)", text), day
    pages = ARTIFACTS / f"{count}-sessions"
    shutil.rmtree(pages, ignore_errors=True)
    pages.mkdir(parents=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(out), str(pages / "page")], check=True)
    assert len(list(pages.glob("page-*.png"))) >= 3


def test_reports_do_not_import_the_ui_not_even_lazily():
    """The layers: cli/ui > reports > records. An import inside a function counts too (the old lazy
    ``reports -> ui.report_pdf`` import is what made the cycle)."""
    import ast

    import rehabcoach.reports

    folder = Path(rehabcoach.reports.__file__).parent
    found = []
    for source in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [(source.name, n) for n in names if n.startswith(("rehabcoach.ui", "rehabcoach.cli", "PySide6"))]
    assert len(list(folder.glob("*.py"))) >= 4 and found == []


def test_one_session_tables_give_its_values_not_a_change(reports):
    page = re.sub(r"<[^>]+>", " ", reports[1][0].html)
    assert "1 session in this period" in page
    assert "→" not in page.split("Exercises: first and last session")[1].split("Size of unwanted movements")[0]
    assert "1.0 s" in page and "50 % / 90 %" in page
    assert re.search(r"Eyebrow raise\s+eye aperture \(% of rest\)\s+40%\s+8%\s+left by 32%\s+3\s", page)
    assert "→" in re.sub(r"<[^>]+>", " ", reports[2][0].html)  # two sessions: first → last


def test_the_sessions_table_gives_the_time_not_judged_because_the_head_was_turned(reports):
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", reports[2][0].html))
    sessions_table = page.split(" Sessions ")[1].split("Exercises: first and last session")[0]
    assert "Head turned" in sessions_table and "for the coach to see unwanted movements (not judged)" in sessions_table
    sessions_table = sessions_table.split("Head turned:")[0]
    first, last = re.findall(r"\d\d \w\w\w 2026 \d\d:\d\d [^:]*?(?= \d\d \w\w\w 2026|$)", sessions_table.strip())
    assert first.endswith(" s -")  # nothing turned away in the first session
    assert last.endswith(" 2.5 s")  # two of its practice exercises' second reps, 1.25 s each
