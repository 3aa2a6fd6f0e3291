"""Outputs never destroy or half-write (issue 13, item 5), and odd dates are mistakes, not tracebacks."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from records_support import populate_history

from rehabcoach import files
from rehabcoach.cli.main import main
from rehabcoach.errors import UserError
from rehabcoach.records import profiles
from rehabcoach.records.backends import open_records


def run(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def video(tmp_path) -> Path:
    path = tmp_path / "face.mp4"
    path.write_bytes(b"not really a video, but precious")
    return path


@pytest.mark.parametrize("option", ["--json", "--csv"])
def test_analyze_refuses_to_write_over_its_input_video(capsys, video, option):
    code, out = run(capsys, "analyze", video, "--exercise", "gentle-smile", option, video)
    assert code == 1 and f"{option} {video}: that is the input {video}" in out
    assert video.read_bytes() == b"not really a video, but precious"


def test_analyze_refuses_one_file_for_both_outputs(capsys, video, tmp_path):
    code, out = run(capsys, "analyze", video, "--exercise", "gentle-smile", "--json", tmp_path / "out",
                    "--csv", tmp_path / "." / "out")
    assert code == 1 and "--csv and --json name the same file" in out


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs a device node")
@pytest.mark.parametrize("command", [["analyze", "VIDEO", "--exercise", "gentle-smile", "--json", "/dev/null"],
                                     ["session", "--routine", "daily-practice", "--source", "VIDEO", "--json",
                                      "/dev/null"]])
def test_a_device_or_a_folder_is_not_an_output(capsys, video, tmp_path, command):
    command = [str(video) if part == "VIDEO" else part for part in command]
    code, out = run(capsys, *command)
    assert code == 1 and "--json /dev/null: not a regular file" in out
    command[-1] = str(tmp_path)
    code, out = run(capsys, *command)
    assert code == 1 and "not a regular file" in out


def test_write_private_atomic_never_replaces_a_device(tmp_path):
    with pytest.raises(UserError, match="not a regular file"):
        files.write_private_atomic(tmp_path, "x")  # a folder, as /dev/full would be a device


def test_all_outputs_or_none_when_the_disk_fills_up(tmp_path, monkeypatch):
    first, second = tmp_path / "a.json", tmp_path / "b.csv"
    first.write_text("previous")
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    with pytest.raises(UserError, match="cannot write .*b.csv: No space left on device"):
        files.write_all_private_atomic([(first, "new"), (second, "table")])
    assert first.read_text() == "previous" and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]  # no temporary file left behind


@pytest.fixture
def database(tmp_path) -> str:
    url = str(tmp_path / "records.db")
    with open_records(url) as store:
        profiles.add_profile(store, "Anna Berg", "left")
        populate_history(store)
    return url


def test_an_export_onto_a_full_disk_leaves_no_table(capsys, database, tmp_path, monkeypatch):
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 4:  # the JSON and two tables are on disk, the third table fails
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    code, out = run(capsys, "export", "--profile", "Anna Berg", "--json", tmp_path / "all.json", "--csv",
                    tmp_path / "tables", "--database", database)
    assert code == 1 and "No space left on device" in out
    assert not (tmp_path / "all.json").exists() and not (tmp_path / "tables").exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("records.db")] == []


def test_export_and_report_never_write_over_the_database(capsys, database):
    for command in (["export", "--profile", "Anna Berg", "--json", database], ["report", "--profile", "Anna Berg", "--pdf",
                                                                          database]):
        size = os.path.getsize(database)
        code, out = run(capsys, *command, "--database", database)
        assert code == 1 and "that is the input" in out
        assert os.path.getsize(database) == size


@pytest.mark.parametrize("dates", [["--from", "0001-01-01"], ["--to", "0001-01-01"], ["--to", "9999-12-31"],
                                   ["--from", "9999-12-31", "--to", "9999-12-31"]])
def test_dates_far_out_of_range_are_mistakes(capsys, database, tmp_path, dates):
    for command in (["report", "--pdf", tmp_path / "r.pdf"], ["export", "--json", tmp_path / "e.json"]):
        code, out = run(capsys, *command, "--profile", "Anna Berg", *dates, "--database", database)
        assert code == 1 and "give a day between 1900-01-01 and 9998-12-31" in out


def test_the_edges_of_the_date_range_work(capsys, database, tmp_path):
    code, out = run(capsys, "export", "--profile", "Anna Berg", "--to", "1900-01-01", "--json", tmp_path / "e.json",
                    "--database", database)
    assert code == 0 and "0 sessions" in out
    code, out = run(capsys, "export", "--profile", "Anna Berg", "--from", "1900-01-01", "--to", "9998-12-31", "--json",
                    tmp_path / "e.json", "--database", database)
    assert code == 0 and "0 sessions" not in out


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_session_speed_and_face_timeout_refuse_nan_and_inf(capsys, value):
    code, out = run(capsys, "session", "--routine", "daily-practice", "--source", "0", "--speed", value)
    assert code == 1 and f"--speed {value}" in out
    code, out = run(capsys, "session", "--routine", "daily-practice", "--source", "0", "--face-timeout", value)
    assert code == 1 and f"--face-timeout {value}" in out
