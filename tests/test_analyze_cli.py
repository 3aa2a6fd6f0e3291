"""`rehabcoach analyze` as a user runs it: clear messages, non-zero exits, nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from shared_media import recording


def rehabcoach(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "rehabcoach", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def assert_user_error(result, *words):
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("rehabcoach: error:"), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_missing_video(tmp_path):
    out = tmp_path / "report.json"
    result = rehabcoach("analyze", str(tmp_path / "nope.mp4"), "--exercise", "gentle-smile", "--json", str(out))
    assert_user_error(result, "video not found", "nope.mp4")
    assert not out.exists()


def test_corrupt_video(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    result = rehabcoach("analyze", str(bad), "--exercise", "gentle-smile")
    assert_user_error(result, "broken.mp4")
    assert result.stdout == ""


def test_unknown_exercise_gets_a_hint(tmp_path):
    video = tmp_path / "blank.avi"
    write_blank_video(video, frames=5)
    result = rehabcoach("analyze", str(video), "--exercise", "gentle-smlie")
    assert_user_error(result, "gentle-smlie", "did you mean", "gentle-smile")


def test_a_relaxation_exercise_has_nothing_to_analyse(tmp_path):
    video = tmp_path / "blank.avi"
    write_blank_video(video, frames=5)
    result = rehabcoach("analyze", str(video), "--exercise", "belly-breathing")
    assert_user_error(result, "belly-breathing", "movement exercise")


def test_video_without_a_face(tmp_path):
    video = tmp_path / "wall.avi"
    write_blank_video(video, frames=40)
    out, table = tmp_path / "report.json", tmp_path / "frames.csv"
    result = rehabcoach("analyze", str(video), "--exercise", "gentle-smile", "--json", str(out), "--csv", str(table))
    assert_user_error(result, "no face was found", "40 frames")
    assert not out.exists() and not table.exists()
    assert list(tmp_path.iterdir()) == [video]  # no temporary files left behind


def test_output_folder_must_exist(tmp_path):
    video = tmp_path / "blank.avi"
    write_blank_video(video, frames=5)
    result = rehabcoach("analyze", str(video), "--exercise", "gentle-smile", "--json", str(tmp_path / "no" / "r.json"))
    assert_user_error(result, "does not exist")


@pytest.mark.media
def test_json_and_csv_reports(tmp_path):
    video = recording("openwillis__baseline.mp4")
    out, table = tmp_path / "report.json", tmp_path / "frames.csv"
    result = rehabcoach("analyze", str(video), "--exercise", "gentle-eye-closure", "--affected-side", "left",
                        "--json", str(out), "--csv", str(table))
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    for key in ("video", "fps", "frames", "face_frames", "exercise", "affected_side", "baseline", "events", "summary"):
        assert key in report
    assert report["frames"] == 104 and report["face_frames"] == 104
    assert report["exercise"] == "gentle-eye-closure" and report["affected_side"] == "left"
    assert report["baseline"]["measures"]["eye_aperture"]["left"] > 0.1
    assert report["events"] == []
    assert "not a diagnosis" in report["summary"]["note"]
    rows = table.read_text().splitlines()
    header = rows[0].split(",")
    assert header[:3] == ["time_s", "face", "phase"]
    assert "eye_aperture_left" in header and "warning_mouth_right" in header
    assert len(rows) == 1 + 104
    assert (out.stat().st_mode & 0o777) == 0o600


def write_blank_video(path, frames: int, size=(320, 240)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25.0, size)
    assert writer.isOpened()
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), 90 + i % 5, np.uint8))
    writer.release()
