"""Private from the first byte (issue 13, item 7)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rehabcoach.errors import UserError
from rehabcoach.records import profiles
from rehabcoach.records.backends import open_records
from rehabcoach.records.location import ensure_private_dir
from rehabcoach.records.prescription_store import bundle_folder, import_prescription
from rehabcoach.records.prescriptions import check_prescription

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")

PRESCRIPTION = """\
kind: prescription
title: Home programme
starts_on: 2026-11-01
routines:
  - routine: daily-practice
    times: 1
    per: day
bundle:
  - custom
"""
ROUTINE = """\
kind: routine
id: anna-smile
title: Anna's smile
description: The gentle smile, for Anna.
items:
  - exercise: gentle-smile
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_settings_file_is_private_before_qt_writes_a_byte(tmp_path, monkeypatch):
    from PySide6.QtCore import QCoreApplication, QSettings

    from rehabcoach.ui.settings import AppSettings, save_settings

    QCoreApplication.instance() or QCoreApplication([])
    seen = []

    class Watched(QSettings):
        def sync(self):
            path = Path(self.fileName())
            umask = os.umask(0)
            os.umask(umask)
            seen.append((path.exists() and mode(path), mode(path.parent), umask))
            super().sync()

    previous = os.umask(0o022)
    try:
        store = Watched(str(tmp_path / "config" / "RehabCoach" / "settings.ini"), QSettings.Format.IniFormat)
        save_settings(store, AppSettings(affected_side="left"))
    finally:
        os.umask(previous)
    assert seen == [(0o600, 0o700, 0o077)]  # the file and its folder exist, private, before Qt writes
    written = tmp_path / "config" / "RehabCoach" / "settings.ini"
    assert mode(written) == 0o600 and "left" in written.read_text()


def test_an_existing_world_readable_settings_file_is_tightened_before_writing(tmp_path):
    from PySide6.QtCore import QCoreApplication, QSettings

    from rehabcoach.ui.settings import AppSettings, save_settings

    QCoreApplication.instance() or QCoreApplication([])
    path = tmp_path / "settings.ini"
    path.write_text("[General]\n")
    path.chmod(0o644)
    save_settings(QSettings(str(path), QSettings.Format.IniFormat), AppSettings())
    assert mode(path) == 0o600


def test_every_folder_ensure_private_dir_creates_is_private(tmp_path):
    target = tmp_path / "data" / "bundles" / "abc-1"
    ensure_private_dir(target)
    assert [mode(p) for p in (tmp_path / "data", tmp_path / "data" / "bundles", target)] == [0o700] * 3


def test_bundles_folder_is_private_like_its_parent(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("REHABCOACH_DATA_DIR", str(data))
    folder = tmp_path / "rx"
    (folder / "custom").mkdir(parents=True)
    (folder / "custom" / "anna-smile.yaml").write_text(ROUTINE)
    (folder / "prescription.yaml").write_text(PRESCRIPTION)
    with open_records(str(tmp_path / "records.db")) as store:
        profiles.add_profile(store, "Anna", "left")
        result = import_prescription(store, "Anna", folder / "prescription.yaml")
        written = bundle_folder(store, result.prescription)
    assert written.parent == data / "bundles"
    assert mode(data / "bundles") == 0o700 and mode(written) == 0o700


def test_a_bundle_file_linked_out_of_the_folder_is_refused_before_it_is_read(tmp_path, monkeypatch):
    secret = tmp_path / "elsewhere" / "secret.yaml"
    secret.parent.mkdir()
    secret.write_text("kind: routine\nid: secret\ntitle: TOP-SECRET-CONTENT [\n")
    folder = tmp_path / "rx"
    (folder / "custom").mkdir(parents=True)
    (folder / "custom" / "anna-smile.yaml").write_text(ROUTINE)
    (folder / "custom" / "linked.yaml").symlink_to(secret)
    (folder / "prescription.yaml").write_text(PRESCRIPTION)
    read = []
    real_read_bytes = Path.read_bytes

    def watched(self):
        read.append(self.resolve())
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", watched)
    with pytest.raises(UserError) as error:
        check_prescription(folder / "prescription.yaml")
    message = str(error.value)
    assert "linked.yaml: a symbolic link leading outside the prescription's folder" in message
    assert "TOP-SECRET" not in message and secret.resolve() not in read
