"""``rehabcoach session --profile``: the patient's prescription and side drive a real session on a real
recording (face model and all), and every rep lands in the records."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from shared_media import recording

from rehabcoach.records import profiles, sessions
from rehabcoach.records.backends import open_records
from rehabcoach.records.prescription_store import import_prescription

EXERCISE = """\
kind: exercise
id: anna-quick-smile
title: Quick small smile
category: movement
description: A small smile for the test, eyes calm.
illustration: smile.svg
steps:
  - instruction: Smile a little.
    cue: Smile a little.
    seconds: 1
movement:
  reps: 2
  hold_seconds: 2
  rest_seconds: 1
  target: {region: mouth, measure: mouth_corner_lift, direction: increase, achieved: 0.03}
  guards:
    - {region: eye, measure: eye_aperture, direction: decrease, threshold: 0.3}
"""
ROUTINE = """\
kind: routine
id: anna-quick
title: Anna's quick check
description: One short movement exercise made for Anna.
items:
  - exercise: anna-quick-smile
"""
PRESCRIPTION = """\
kind: prescription
title: Quick programme
starts_on: 2026-01-01
routines:
  - routine: anna-quick
    times: 2
    per: day
exercises:
  anna-quick-smile:
    thresholds:
      eye_aperture: 0.07
bundle:
  - custom
"""


@pytest.mark.media
@pytest.mark.slow
def test_session_with_a_profile_uses_the_prescription_and_records_every_rep(tmp_path):
    video = recording("liveportrait__driving_d10.mp4")
    bundle = tmp_path / "rx" / "custom"
    bundle.mkdir(parents=True)
    (bundle / "anna-quick-smile.yaml").write_text(EXERCISE)
    (bundle / "anna-quick.yaml").write_text(ROUTINE)
    (bundle / "smile.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "rx" / "prescription.yaml").write_text(PRESCRIPTION)
    database = str(tmp_path / "records.db")
    with open_records(database) as store:
        profiles.add_profile(store, "Anna", "left")
        import_prescription(store, "Anna", tmp_path / "rx" / "prescription.yaml")
    env = dict(os.environ, REHABCOACH_DATA_DIR=str(tmp_path / "data"))
    run = subprocess.run([sys.executable, "-m", "rehabcoach", "session", "--routine", "anna-quick", "--source",
                          str(video), "--speed", "0", "--profile", "Anna", "--database", database],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "affected side left" in run.stdout  # the profile's side, not given on the command line
    assert "records (Anna): Saved: 2 repetitions." in run.stdout
    with open_records(database) as store:
        (record,) = sessions.load_sessions(store, profiles.get_profile(store, "Anna").id)
    assert (record.routine_id, record.status, record.prescription_id) == ("anna-quick", "completed", 1)
    assert record.baseline is not None and "eye_aperture" in record.baseline["measures"]
    assert [r.rep for r in record.reps] == [1, 2]
    for stored in record.reps:
        assert stored.thresholds == {"eye_aperture": 0.07}  # the prescription's, not the exercise's 0.3
        assert stored.target_measure == "mouth_corner_lift" and set(stored.target_reached) == {"left", "right"}
