"""Prescriptions: validated like routines (every mistake, with its line), imported whole or not at all."""

from __future__ import annotations

import os
import textwrap
from datetime import date

import pytest
from records_support import store_url

from rehabcoach.errors import UserError
from rehabcoach.records import profiles
from rehabcoach.records.backends import open_records
from rehabcoach.records.prescription_store import (
    active_prescription,
    add_bundle,
    import_prescription,
    prescription_history,
    session_plan,
)
from rehabcoach.records.prescriptions import check_prescription
from rehabcoach.routines.loader import load_library

GOOD = """\
kind: prescription
title: Home programme, weeks 1-4
patient: Anna Berg
prescribed_by: J. Smith, physiotherapist
starts_on: 2026-11-01
ends_on: 2026-11-29
notes: Keep the smile small. Stop if it hurts.
routines:
  - routine: daily-practice
    times: 1
    per: day
  - routine: anna-smile
    times: 3
    per: week
exercises:
  gentle-smile:
    reps: 4
    hold_seconds: 3
    thresholds:
      eye_aperture: 0.12
bundle:
  - custom
"""

CUSTOM_EXERCISE = """\
kind: exercise
id: anna-half-smile
title: Half smile on the left
category: movement
description: A very small smile on the left side only, eyes calm.
illustration: pictures/half-smile.svg
steps:
  - instruction: Lift the left corner of your mouth a little.
    cue: Lift the left corner a little.
    seconds: 5
movement:
  reps: 5
  hold_seconds: 4
  rest_seconds: 5
  target: {region: mouth, measure: mouth_corner_lift, sides: left, direction: increase, achieved: 0.03}
  guards:
    - {region: eye, measure: eye_aperture, direction: decrease, threshold: 0.2}
"""

CUSTOM_ROUTINE = """\
kind: routine
id: anna-smile
title: Anna's smile practice
description: The gentle smile, then the half smile made for Anna.
items:
  - exercise: gentle-smile
  - exercise: anna-half-smile
    reps: 3
"""


def write_bundle(folder, prescription=GOOD, exercise=CUSTOM_EXERCISE):
    (folder / "custom" / "pictures").mkdir(parents=True)
    (folder / "custom" / "pictures" / "half-smile.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (folder / "custom" / "anna-half-smile.yaml").write_text(exercise)
    (folder / "custom" / "anna-smile.yaml").write_text(CUSTOM_ROUTINE)
    (folder / "prescription.yaml").write_text(prescription)
    return folder / "prescription.yaml"



def library_for(store, profile, bundles_base):
    """The library as a session sees it (how the app and `rehabcoach session --profile` build it): the app's
    own, plus the active prescription's bundled exercises and routines."""
    library = load_library()
    active = active_prescription(store, profile)
    add_bundle(library, store, active, bundles_base)
    return library, active

@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    with open_records(store_url(request.param, tmp_path)) as opened:
        profiles.add_profile(opened, "Anna Berg", "left")
        yield opened


def test_import_applies_the_prescription_and_its_bundle(store, tmp_path):
    profiles.set_threshold(store, "Anna Berg", "lip-pucker", "eye_aperture", 0.3)  # the therapist's own: kept
    path = write_bundle(tmp_path / "from-therapist")
    result = import_prescription(store, "anna berg", path)
    assert result.thresholds_set == 1 and result.files == 3
    record = active_prescription(store, result.profile)
    assert (record.title, record.starts_on, record.ends_on) == ("Home programme, weeks 1-4", date(2026, 11, 1),
                                                                date(2026, 11, 29))
    assert record.files == ("custom/anna-half-smile.yaml", "custom/anna-smile.yaml", "custom/pictures/half-smile.svg")
    profile = profiles.get_profile(store, "Anna Berg")
    assert profile.thresholds == {"gentle-smile": {"eye_aperture": 0.12}, "lip-pucker": {"eye_aperture": 0.3}}

    # The bundle is read back from the store (any workstation can use it) and the plan applies it all.
    library, active = library_for(store, profile, bundles_base=tmp_path / "bundles")
    plan = session_plan(library, "anna-smile", profile, active)
    smile, half = plan
    assert (smile.id, smile.reps, smile.hold_seconds, smile.threshold_of("eye_aperture")) == \
        ("gentle-smile", 4, 3, 0.12)
    assert (half.id, half.reps, half.illustration.read_text().startswith("<svg")) == ("anna-half-smile", 3, True)
    assert oct(os.stat(half.illustration).st_mode & 0o777) == "0o600"


def test_reimport_replaces_the_active_prescription_and_its_thresholds(store, tmp_path):
    import_prescription(store, "Anna Berg", write_bundle(tmp_path / "v1"))
    second = GOOD.replace("title: Home programme, weeks 1-4", "title: Weeks 5-8").replace(
        "      eye_aperture: 0.12", "      eye_aperture: 0.15").replace("bundle:\n  - custom\n", "").replace(
        "  - routine: anna-smile\n    times: 3\n    per: week\n", "")
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "p.yaml").write_text(second)
    import_prescription(store, "Anna Berg", tmp_path / "v2" / "p.yaml")
    profile = profiles.get_profile(store, "Anna Berg")
    assert active_prescription(store, profile).title == "Weeks 5-8"
    assert [(p.title, p.active) for p in prescription_history(store, profile)] == [
        ("Home programme, weeks 1-4", False), ("Weeks 5-8", True)]
    assert profile.thresholds == {"gentle-smile": {"eye_aperture": 0.15}}


def test_every_mistake_is_listed_with_its_line_and_nothing_is_applied(store, tmp_path):
    bad = textwrap.dedent("""\
        kind: prescription
        title: Programme
        starts_on: 2026-11-01
        ends_on: 2026-10-01
        routines:
          - routine: daily-practise
            times: 0
            per: month
        exercises:
          gentle-smile:
            reps: 4
            thresholds:
              brow_height: 0.2
          cheek-strokes:
            reps: 3
          gentle-smil:
            hold_secnds: 3
        """)
    (tmp_path / "bad.yaml").write_text(bad)
    with pytest.raises(UserError) as caught:
        import_prescription(store, "Anna Berg", tmp_path / "bad.yaml")
    message = str(caught.value)
    assert "was not imported" in message and "nothing was changed" in message
    assert f"{tmp_path / 'bad.yaml'}:7:" in message and "routines[0].times" in message
    assert ":8:" in message and "'month' is not an allowed value; use one of: day, week" in message
    assert ":17:" in message and "unknown key 'hold_secnds'" in message and "did you mean 'hold_seconds'" in message
    # The model-level problem (dates) hides the cross-checks until fixed, like routines; fix it and look again.
    (tmp_path / "bad.yaml").write_text(bad.replace("ends_on: 2026-10-01", "ends_on: 2026-12-01").replace(
        "times: 0", "times: 1").replace("per: month", "per: day").replace("hold_secnds", "hold_seconds"))
    with pytest.raises(UserError) as caught:
        import_prescription(store, "Anna Berg", tmp_path / "bad.yaml")
    message = str(caught.value)
    assert "4 mistakes" in message
    assert ":6:" in message and "no routine with the id 'daily-practise'" in message and \
        "did you mean 'daily-practice'" in message
    assert ":13:" in message and "'gentle-smile' has no guard on 'brow_height'" in message
    assert ":15:" in message and "cheek-strokes" in message and "only applies to movement exercises" in message
    assert ":16:" in message and "no exercise with the id 'gentle-smil'" in message
    profile = profiles.get_profile(store, "Anna Berg")
    assert active_prescription(store, profile) is None and profile.thresholds == {}


@pytest.mark.parametrize("bundle_entry, expected", [
    ("../secrets", "goes up with '..'"),
    ("/etc", "is an absolute path"),
    ("linked", "through a symbolic link"),
    ("missing-folder", "does not exist"),
])
def test_bundle_paths_cannot_escape_the_bundle(tmp_path, bundle_entry, expected):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "x.yaml").write_text(CUSTOM_ROUTINE)
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "linked").symlink_to(tmp_path / "secrets")
    (folder / "p.yaml").write_text(GOOD.replace("  - custom\n", f"  - {bundle_entry}\n"))
    with pytest.raises(UserError, match=expected) as caught:
        check_prescription(folder / "p.yaml")
    assert f"{folder / 'p.yaml'}:22:" in str(caught.value) and "bundle[0]" in str(caught.value)


def test_an_illustration_outside_the_bundle_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.svg").write_text("<svg/>")
    folder = tmp_path / "exercises" / "bundle"  # a parent named 'exercises' would make tmp_path the library
    folder.mkdir(parents=True)
    path = write_bundle(folder, exercise=CUSTOM_EXERCISE.replace("pictures/half-smile.svg", "elsewhere/x.svg"))
    with pytest.raises(UserError, match="outside the prescription's folder"):
        check_prescription(path)


def test_a_prescription_for_someone_else_is_refused(store, tmp_path):
    profiles.add_profile(store, "Tom")
    with pytest.raises(UserError, match="written for 'Anna Berg', not for the profile 'Tom'"):
        import_prescription(store, "Tom", write_bundle(tmp_path / "b"))
    assert active_prescription(store, profiles.get_profile(store, "Tom")) is None


def test_bundled_ids_must_not_clash_with_the_library(tmp_path):
    path = write_bundle(tmp_path / "b", exercise=CUSTOM_EXERCISE.replace("id: anna-half-smile", "id: gentle-smile"))
    with pytest.raises(UserError, match="the id 'gentle-smile' is already used"):
        check_prescription(path)
