"""Movement-check estimate, adherence and CSV/JSON export, computed from real stored records."""

from __future__ import annotations

import csv
import json
import os
from datetime import date, datetime, timezone

import pytest
from records_support import event, populate_history, rep, store_url, write_prescription

from rehabcoach.coaching.types import RegionPeak
from rehabcoach.records import profiles, sessions
from rehabcoach.records.adherence import adherence
from rehabcoach.records.backends import open_records
from rehabcoach.records.export import export_data, write_csv, write_json
from rehabcoach.records.models import RepRecord, SessionRecord, day_range
from rehabcoach.records.movement_check import LABEL, estimate_session, excess_mm, movement_check_trend
from rehabcoach.records.prescription_store import active_prescription, import_prescription
from rehabcoach.records.sessions import load_sessions

FIRST, LAST = date(2026, 11, 2), date(2026, 11, 15)


@pytest.fixture(params=["sqlite", "postgresql"])
def history(request, tmp_path):
    with open_records(store_url(request.param, tmp_path)) as store:
        profiles.add_profile(store, "Anna Berg", "left", notes="Bell's palsy, 2023")
        import_prescription(store, "Anna Berg", write_prescription(tmp_path / "rx"))
        yield store, populate_history(store)


def test_excess_is_converted_to_millimetres():
    # Eye opening: 10 % beyond the threshold of a 0.33 aperture (9.57 mm fissure) = 0.957 mm.
    assert excess_mm("eye_aperture", -0.4, 0.3, 0.33) == pytest.approx(0.1 * 0.33 * 29.0)
    assert excess_mm("eye_aperture", -0.4, 0.3, None) == pytest.approx(1.0)  # 10 mm default fissure
    assert excess_mm("mouth_corner_lift", 0.06, 0.04, None) == pytest.approx(0.02 * 63.0)
    assert excess_mm("eye_aperture", -0.25, 0.3, 0.33) == 0.0
    assert excess_mm("brow_height", 0.3, 0.2, None) is None  # no baseline: cannot tell


def one_rep_session(peak, movement_exercise="open-mouth-smile", target="mouth_corner_excursion", events=True):
    now = datetime(2026, 11, 2, tzinfo=timezone.utc)
    record = RepRecord(movement_exercise, 1, 0.0, 8.0, target, {"left": 1.0}, 0.0, {"eye_aperture": 0.3},
                       (event(peak=peak, threshold=0.3),) if events else (), now)
    return SessionRecord("s", 1, "five-movement-check", now, now, "completed", False, None,
                         {"measures": {"eye_aperture": {"left": 0.345, "right": 0.345}}}, "t", (record,))


@pytest.mark.parametrize("peak, grade", [(-0.31, 1), (-0.38, 1), (-0.42, 2), (-0.5, 3), (-0.9, 3)])
def test_smile_grade_follows_077_mm_per_point(peak, grade):
    # fissure 0.345 * 29 = 10.0 mm; excess (|peak| - 0.3) * 10 mm; one point per 0.77 mm, at least 1.
    (estimate,) = estimate_session(one_rep_session(peak)).movements.values()
    assert (estimate.movement, estimate.estimate, estimate.by_side) == ("open-mouth smile", grade,
                                                                        {"left": grade, "right": 0})


def test_pucker_uses_one_millimetre_per_point_and_no_event_is_zero():
    pucker = estimate_session(one_rep_session(-0.52, "lip-pucker", "lip_width")).movements["lip pucker"]
    assert pucker.estimate == 2  # 2.2 mm at 1.0 mm per point (the smile's 0.77 would give 3)
    calm = estimate_session(one_rep_session(0, events=False)).movements["open-mouth smile"]
    assert (calm.estimate, calm.words) == (0, "none")


def test_movement_check_trend_from_stored_sessions(history):
    store, profile = history
    trend = movement_check_trend(load_sessions(store, profile.id))
    assert len(trend) == 2
    first, second = trend
    assert {m: e.estimate for m, e in first.movements.items()} == {
        "brow raise": 0, "gentle eye closure": 1, "open-mouth smile": 3, "snarl": 0, "lip pucker": 0}
    assert second.movements["open-mouth smile"].estimate == 2  # 0.2 x 0.33 x 29 mm = 1.9 mm -> 2.5 points
    assert second.movements["open-mouth smile"].by_side == {"left": 2, "right": 0}
    assert (first.total, second.total) == (4, 3)
    assert LABEL == "estimate, not a diagnosis"


def test_adherence_counts_sessions_against_the_prescription(history):
    store, profile = history
    since, until = day_range(FIRST, LAST)
    records = load_sessions(store, profile.id, since, until)
    daily, weekly = adherence(active_prescription(store, profile), records, FIRST, LAST)
    assert (daily.routine_id, daily.expected, daily.completed, daily.unfinished) == ("daily-practice", 14, 11, 1)
    assert (weekly.routine_id, weekly.expected, weekly.completed) == ("five-movement-check", 2.0, 2)
    assert daily.share == pytest.approx(11 / 14) and weekly.frequency == "1 × per week"
    # A range reaching past the prescription's end only counts the days it covers.
    (late, _) = adherence(active_prescription(store, profile), records, date(2026, 11, 25), date(2026, 12, 31))
    assert late.expected == 6


def test_json_and_csv_export_hold_every_rep_and_event(history, tmp_path):
    store, profile = history
    profile = profiles.set_level(store, profile.name, "gentle-smile", 2, now=datetime(2026, 11, 5, tzinfo=timezone.utc))
    data = export_data(store, profile, FIRST, date(2026, 11, 8))
    path = write_json(data, tmp_path / "anna.json")
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    loaded = json.loads(path.read_text())
    assert loaded["format"] == "rehabcoach-export-1" and "does not diagnose" in loaded["note"]
    assert loaded["profile"]["thresholds"] == {"gentle-smile": {"eye_aperture": 0.18}}
    assert loaded["profile"]["levels"] == {"gentle-smile": {"level": 2, "set_at": "2026-11-05T00:00:00.000000+00:00"}}
    practice = [s for s in loaded["sessions"] if s["routine"] == "daily-practice"]
    assert len(practice) == 6 and [s["status"] for s in practice].count("stopped") == 1  # days 0-6 minus day 4
    assert loaded["prescriptions"][0]["document"]["routines"][1] == {"routine": "five-movement-check", "times": 1,
                                                                      "per": "week"}
    assert [m["total"] for m in loaded["movement_check"]] == [4]  # the second check is on 9 November
    events = sum(len(r["events"]) for s in loaded["sessions"] for r in s["reps"])

    files = write_csv(data, tmp_path / "csv")
    assert sorted(p.name for p in files) == ["events.csv", "marks.csv", "movement_check.csv", "region_peaks.csv",
                                             "reps.csv", "sessions.csv"]
    tables = {p.stem: list(csv.DictReader(p.open())) for p in files}
    assert len(tables["sessions"]) == len(loaded["sessions"]) == 7  # 6 practice + 1 check
    assert len(tables["events"]) == events
    assert len(tables["reps"]) == 6 * 3 + 15
    marked = tables["marks"][0]
    assert marked["note"] == "Left eye closes on the smile: slower" and float(marked["at_s"]) == 12.0
    smile = [r for r in tables["movement_check"] if r["movement"] == "open-mouth smile"]
    assert [r["estimate"] for r in smile] == ["3"] and smile[0]["label"] == "estimate, not a diagnosis"
    first_rep = tables["reps"][0]
    assert float(first_rep["unwanted_left_s"]) > 0.4 and first_rep["target_measure"] == "mouth_corner_lift"


def test_csv_cells_that_look_like_formulas_stay_text(tmp_path):
    data = {"profile": {"name": "=cmd()"}, "sessions": [{
        "uuid": "u", "routine": "r", "started_at": "", "ended_at": None, "status": "completed", "supervised": False,
        "app_version": "t", "reps": [], "marks": [{"at_s": 1.0, "note": "=HYPERLINK(\"x\")", "created_at": ""}]}],
        "movement_check": []}
    files = {p.stem: p for p in write_csv(data, tmp_path / "out")}
    assert list(csv.DictReader(files["marks"].open()))[0]["note"] == "'=HYPERLINK(\"x\")"
    assert list(csv.DictReader(files["sessions"].open()))[0]["profile"] == "'=cmd()"


PEAKS = (RegionPeak("eye", "left", "eye_aperture", -0.31, 0.22), RegionPeak("eye", "right", "eye_aperture", -0.09, None),
         RegionPeak("mouth", "left", "mouth_corner_lift", 0.035, 0.0))


def test_region_peaks_are_stored_read_back_and_exported(history, tmp_path):
    """Per rep, guarded measure and side: peak deviation and excess over the other side, on both backends."""
    store, profile = history
    started = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
    sessions.begin_session(store, sessions.SessionStart("peaks", profile.id, "daily-practice", started, "test"))
    summary = rep("gentle-smile", 1, [event(peak=-0.31)])
    summary.region_peaks = PEAKS
    assert sessions.record_rep(store, "peaks", "peaks-1", summary, started, "mouth_corner_lift")
    assert not sessions.record_rep(store, "peaks", "peaks-1", summary, started, "mouth_corner_lift")  # a retry
    sessions.record_rep(store, "peaks", "peaks-2", rep("gentle-smile", 2), started, "mouth_corner_lift")
    loaded = load_sessions(store, profile.id, *day_range(date(2026, 11, 20), date(2026, 11, 20)))
    first, second = loaded[-1].reps
    assert sorted(first.region_peaks, key=lambda p: (p.measure, p.side)) == sorted(PEAKS, key=lambda p: (p.measure,
                                                                                                         p.side))
    assert second.region_peaks == ()  # a rep recorded without them (as before schema version 4)

    data = export_data(store, profile, date(2026, 11, 20), date(2026, 11, 20))
    (exported,) = data["sessions"]
    assert {(p["measure"], p["side"]): p["excess_over_other"] for p in exported["reps"][0]["region_peaks"]} == {
        ("eye_aperture", "left"): 0.22, ("eye_aperture", "right"): None, ("mouth_corner_lift", "left"): 0.0}
    assert "movement sizes" in data["note"] and "not a clinical" in data["note"]
    files = {p.stem: p for p in write_csv(data, tmp_path / "csv")}
    rows = list(csv.DictReader(files["region_peaks"].open()))
    assert [(r["rep"], r["region"], r["side"], r["measure"], r["peak_deviation"], r["excess_over_other"])
            for r in sorted(rows, key=lambda r: (r["measure"], r["side"]))] == [
        ("1", "eye", "left", "eye_aperture", "-0.31", "0.22"), ("1", "eye", "right", "eye_aperture", "-0.09", ""),
        ("1", "mouth", "left", "mouth_corner_lift", "0.035", "0.0")]


def test_deleting_a_profile_deletes_its_region_peaks(history):
    store, profile = history
    started = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
    sessions.begin_session(store, sessions.SessionStart("gone", profile.id, "daily-practice", started, "test"))
    summary = rep("gentle-smile", 1)
    summary.region_peaks = PEAKS
    sessions.record_rep(store, "gone", "gone-1", summary, started)
    with store.transaction() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM rep_region_peaks") == 3
    profiles.remove_profile(store, "Anna Berg")
    with store.transaction() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM rep_region_peaks") == 0


def test_a_rep_with_a_lost_measure_is_kept_without_that_size(history):
    store, profile = history
    started = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
    sessions.begin_session(store, sessions.SessionStart("nan", profile.id, "daily-practice", started, "test"))
    summary = rep("gentle-smile", 1)
    summary.region_peaks = (RegionPeak("eye", "left", "eye_aperture", float("nan"), None),
                            RegionPeak("eye", "right", "eye_aperture", -0.1, float("inf")))
    assert sessions.record_rep(store, "nan", "nan-1", summary, started)
    (stored,) = load_sessions(store, profile.id, *day_range(date(2026, 11, 20), date(2026, 11, 20)))[-1].reps
    assert stored.region_peaks == (RegionPeak("eye", "right", "eye_aperture", -0.1, None),)


def test_a_database_from_before_region_peaks_upgrades_and_keeps_its_reps(tmp_path):
    from rehabcoach.records.schema import LATEST_VERSION, MIGRATIONS

    added_in = next(v for v, statements in MIGRATIONS.items() if any("rep_region_peaks" in s for s in statements))
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with open_records(url) as store:
        profile = profiles.add_profile(store, "Anna", "left")
        started = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
        sessions.begin_session(store, sessions.SessionStart("old", profile.id, "daily-practice", started, "test"))
        sessions.record_rep(store, "old", "old-1", rep("gentle-smile", 1, [event()]), started)
        with store.transaction() as tx:  # as RehabCoach left it before the region peaks (and what came after)
            tx.execute("DROP TABLE rep_region_peaks")
            tx.execute("ALTER TABLE reps DROP COLUMN turned_away_s")
            tx.execute(f"PRAGMA user_version = {added_in - 1}")
    with open_records(url) as store:
        assert store.schema_version() == LATEST_VERSION >= added_in
        (session,) = load_sessions(store, profile.id)
        assert [(r.rep, len(r.events), r.region_peaks) for r in session.reps] == [(1, 1, ())]


def test_turned_away_seconds_are_stored_and_exported_and_older_reps_read_zero(tmp_path):
    from rehabcoach.records.schema import LATEST_VERSION, MIGRATIONS

    added_in = next(v for v, statements in MIGRATIONS.items() if any("turned_away_s" in s for s in statements))
    url = f"sqlite:///{tmp_path / 'old.db'}"
    started = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
    with open_records(url) as store:
        profile = profiles.add_profile(store, "Anna", "left")
        sessions.begin_session(store, sessions.SessionStart("old", profile.id, "daily-practice", started, "test"))
        sessions.record_rep(store, "old", "old-1", rep("gentle-smile", 1), started)
        with store.transaction() as tx:  # as RehabCoach left it before the turned-away seconds
            tx.execute("ALTER TABLE reps DROP COLUMN turned_away_s")
            tx.execute(f"PRAGMA user_version = {added_in - 1}")
    with open_records(url) as store:
        assert store.schema_version() == LATEST_VERSION >= added_in
        turned = rep("gentle-smile", 2)
        turned.turned_away_s = 1.25
        assert sessions.record_rep(store, "old", "old-2", turned, started)
        (session,) = load_sessions(store, profile.id)
        assert [(r.rep, r.turned_away_s) for r in session.reps] == [(1, 0.0), (2, 1.25)]
        data = export_data(store, profile)
    assert [r["turned_away_s"] for r in data["sessions"][0]["reps"]] == [0.0, 1.25]
    (reps_csv,) = [p for p in write_csv(data, tmp_path / "csv") if p.name == "reps.csv"]
    with reps_csv.open() as f:
        assert [row["turned_away_s"] for row in csv.DictReader(f)] == ["0.0", "1.25"]
