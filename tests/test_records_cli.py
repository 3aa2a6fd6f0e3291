"""The record commands end to end: profile, import, export, report (a real PDF, read back), records."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata

import pytest
from records_support import PRESCRIPTION, populate_history, postgres_server, write_prescription

from rehabcoach.cli.main import main
from rehabcoach.records import profiles
from rehabcoach.records.backends import open_records


@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("REHABCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("REHABCOACH_DATABASE", raising=False)
    return str(tmp_path / "records.db")


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_profile_commands(database, capsys):
    assert run(capsys, "profile", "add", "Anna Berg", "--affected-side", "left", "--notes", "Bell's palsy",
               "--database", database)[0] == 0
    assert run(capsys, "profile", "add", "Tom", "--database", database)[0] == 0
    code, out, _ = run(capsys, "profile", "list", "--json", "--database", database)
    assert code == 0 and [(p["name"], p["affected_side"]) for p in json.loads(out)] == [("Anna Berg", "left"),
                                                                                          ("Tom", None)]
    assert run(capsys, "profile", "threshold", "anna berg", "gentle-smile", "eye_aperture", "0.22",
               "--database", database)[0] == 0
    code, _, err = run(capsys, "profile", "threshold", "Anna Berg", "gentle-smile", "brow_height", "0.2",
                       "--database", database)
    assert code == 1 and err == ("rehabcoach: error: 'gentle-smile' has no guard on 'brow_height'; "
                                 "its guards watch: eye_aperture\n")
    assert run(capsys, "profile", "set", "Tom", "--affected-side", "right", "--rename", "Tom K",
               "--database", database)[0] == 0
    code, out, _ = run(capsys, "profile", "show", "Anna Berg", "--database", database)
    assert "affected side: left" in out and "threshold: gentle-smile eye_aperture 0.22" in out
    code, _, err = run(capsys, "profile", "remove", "Tom K", "--database", database)
    assert code == 1 and "--yes" in err
    assert run(capsys, "profile", "remove", "Tom K", "--yes", "--database", database)[0] == 0
    code, _, err = run(capsys, "profile", "show", "Ana Berg", "--database", database)
    assert code == 1 and "did you mean 'Anna Berg'" in err and "Traceback" not in err


def test_default_database_is_private_in_the_data_folder(database, tmp_path, capsys):
    assert run(capsys, "profile", "add", "Anna")[0] == 0
    assert (tmp_path / "data" / "records.db").is_file()
    assert oct((tmp_path / "data").stat().st_mode & 0o777) == "0o700"
    code, out, _ = run(capsys, "records", "info")
    assert code == 0 and f"sqlite:///{str(tmp_path).lstrip('/')}/data/records.db" in out and "1 profile(s)" in out


def test_import_rejects_a_bad_file_whole_and_accepts_a_good_one(database, tmp_path, capsys):
    run(capsys, "profile", "add", "Anna Berg", "--database", database)
    bad = write_prescription(tmp_path / "bad", PRESCRIPTION.replace("per: day", "per: fortnight").replace(
        "routine: five-movement-check", "routine: five-movement-chek"))
    code, _, err = run(capsys, "import", str(bad), "--profile", "Anna Berg", "--database", database)
    assert code == 1 and err.startswith(f"rehabcoach: error: {bad} was not imported")
    assert f"{bad}:11:10: routines[0].per: 'fortnight' is not an allowed value" in err
    good = write_prescription(tmp_path / "good")
    code, out, _ = run(capsys, "import", str(good), "--profile", "Anna Berg", "--check", "--database", database)
    assert code == 0 and "nothing imported" in out
    with open_records(database) as store:
        assert profiles.get_profile(store, "Anna Berg").thresholds == {}
    code, out, _ = run(capsys, "import", str(good), "--profile", "Anna Berg", "--database", database)
    assert code == 0 and "daily-practice 1× per day, five-movement-check 1× per week" in out
    with open_records(database) as store:
        assert profiles.get_profile(store, "Anna Berg").thresholds == {"gentle-smile": {"eye_aperture": 0.18}}


def test_export_json_and_csv_on_postgresql(tmp_path, capsys):
    url = postgres_server().new_database()
    with open_records(url) as store:
        profiles.add_profile(store, "Anna Berg", "left")
        populate_history(store)
    code, out, _ = run(capsys, "export", "--profile", "Anna Berg", "--from", "2026-11-02", "--to", "2026-11-08",
                       "--json", str(tmp_path / "a.json"), "--csv", str(tmp_path / "csv"), "--database", url)
    assert code == 0 and "7 sessions, 33 reps of Anna Berg" in out
    assert len(json.loads((tmp_path / "a.json").read_text())["sessions"]) == 7
    assert (tmp_path / "csv" / "events.csv").read_text().count("\n") > 10
    code, _, err = run(capsys, "export", "--profile", "Anna Berg", "--from", "2026-11-08", "--to", "2026-11-02",
                       "--json", str(tmp_path / "b.json"), "--database", url)
    assert code == 1 and "is before --from" in err and not (tmp_path / "b.json").exists()


@pytest.mark.slow
def test_report_pdf_headless_holds_the_numbers(tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is needed to read the PDF back; scripts/setup.sh test installs it")
    database = str(tmp_path / "records.db")
    with open_records(database) as store:
        profiles.add_profile(store, "Anna Berg", "left", notes="Bell's palsy in 2023; synkinesis since 2025.")
        from rehabcoach.records.prescription_store import import_prescription

        import_prescription(store, "Anna Berg", write_prescription(tmp_path / "rx"))
        populate_history(store)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["REHABCOACH_DATA_DIR"] = str(tmp_path / "data")
    out = tmp_path / "report.pdf"
    result = subprocess.run([sys.executable, "-m", "rehabcoach", "report", "--profile", "anna berg", "--from",
                             "2026-11-02", "--to", "2026-11-15", "--pdf", str(out), "--database", database],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert oct(out.stat().st_mode & 0o777) == "0o600" and out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True).stdout
    text = unicodedata.normalize("NFKC", text)  # the PDF's fonts use ligatures (ﬀ, ﬁ)
    flat = re.sub(r"\s+", " ", text)
    for expected in [
        "RehabCoach progress report", "Patient: Anna Berg", "Affected side: left side",
        "Period: 02 Nov 2026 to 15 Nov 2026", "Bell's palsy in 2023; synkinesis since 2025.",
        "Home programme, November, by J. Smith, physiotherapist", "eye_aperture threshold 0.18",
        "Keep the left eye soft when smiling.", "it does not diagnose",
        "Movement check (estimate, not a diagnosis)", "Left eye closes on the smile: slower",
    ]:
        assert expected in flat, expected
    # Adherence: 12 practice days of 14, one stopped early; both weekly checks done.
    assert re.search(r"daily-practice\s+1 × per day\s+11 of 14\s+79 %\s+1", text)
    assert re.search(r"five-movement-check\s+1 × per week\s+2 of 2\s+100 %\s+0", text)
    # Movement-check trend: the smile's estimate improves from 3 to 2; totals 4 then 3.
    assert re.search(r"02 Nov 2026\s+0 none\s+1 mild\s+3 severe\s+0 none\s+0 none\s+4", text)
    assert re.search(r"09 Nov 2026\s+0 none\s+1 mild\s+2 moderate\s+0 none\s+0 none\s+3", text)
    assert text.count("daily-practice") >= 13  # the adherence row and 12 session rows
    # The charts are vector drawings whose words are text: their titles and the exercise in each panel.
    for chart_words in ("Unwanted movement per repetition (lower is better)", "Target reached (higher is better)",
                        "Warnings per day (14 sessions on 12 days)", "Movement check: synkinesis estimate",
                        "Gentle smile", "12 sessions"):
        assert chart_words in flat, chart_words


def test_report_errors_are_one_clear_line(database, tmp_path, capsys):
    run(capsys, "profile", "add", "Anna", "--database", database)
    code, _, err = run(capsys, "report", "--profile", "Anna", "--from", "2026-02-30", "--pdf",
                       str(tmp_path / "r.pdf"), "--database", database)
    assert (code, err) == (1, "rehabcoach: error: --from 2026-02-30: not a date; write it as YYYY-MM-DD, "
                              "e.g. 2026-11-02\n")
    code, _, err = run(capsys, "report", "--profile", "Anna", "--pdf", str(tmp_path / "nowhere" / "r.pdf"),
                       "--database", database)
    assert code == 1 and "does not exist" in err
    code, _, err = run(capsys, "profile", "list", "--database", "mysql://db/x")
    assert code == 1 and "unsupported kind 'mysql'" in err


def test_database_given_before_the_command_is_used(database, tmp_path, capsys):
    assert run(capsys, "--database", database, "profile", "add", "Anna")[0] == 0
    code, out, _ = run(capsys, "profile", "list", "--database", database)
    assert code == 0 and out.startswith("Anna\t")
    assert not (tmp_path / "data").exists()  # nothing went to the default database


def test_records_flush_saves_sessions_kept_while_the_database_was_locked(database, tmp_path, capsys):
    import sqlite3

    from records_support import rep

    from rehabcoach.records.recorder import SessionRecorder
    from rehabcoach.records.sessions import load_sessions

    with open_records(database) as store:
        anna = profiles.add_profile(store, "Anna")
    locked = open_records(database, busy_timeout=0.1)
    blocker = sqlite3.connect(database, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    recorder = SessionRecorder(locked, anna, "daily-practice")  # unsaved files go to $REHABCOACH_DATA_DIR
    recorder.start()
    recorder.rep_completed(rep(number=1))
    status = recorder.finish()
    blocker.execute("ROLLBACK")
    blocker.close()
    locked.close()
    assert not status.ok and str(tmp_path / "data" / "unsaved") in status.message
    code, out, _ = run(capsys, "records", "flush", "--database", database)
    assert (code, out) == (0, "saved 1 session(s) that were kept locally\n")
    with open_records(database) as store:
        (record,) = load_sessions(store, anna.id)
    assert record.status == "completed" and [r.rep for r in record.reps] == [1]
    assert run(capsys, "records", "flush", "--database", database)[1] == "nothing was waiting to be saved\n"


@pytest.mark.slow
def test_report_for_a_profile_with_nothing_recorded_says_so(tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is needed to read the PDF back")
    database = str(tmp_path / "records.db")
    with open_records(database) as store:
        profiles.add_profile(store, "Tom")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "tom.pdf"
    result = subprocess.run([sys.executable, "-m", "rehabcoach", "report", "--profile", "Tom", "--from", "2026-01-01",
                             "--to", "2026-01-31", "--pdf", str(out), "--database", database],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True).stdout))
    for expected in ("Patient: Tom", "Affected side: not set", "No prescription has been imported",
                     "No sessions in this period", "No movement check (routine five-movement-check) in this period"):
        assert expected in text, expected
    assert "Warnings per" not in text and "Target reached" not in text  # no empty charts
