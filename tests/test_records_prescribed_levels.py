"""A prescription chooses (and may lock) an exercise's level; the plan uses it and the patient's side."""

from __future__ import annotations

import pytest
from test_records_prescriptions import GOOD, library_for, store, write_bundle  # noqa: F401  (fixture)

from rehabcoach.errors import UserError
from rehabcoach.records import profiles
from rehabcoach.records.prescription_store import import_prescription, session_plan
from rehabcoach.records.prescriptions import check_prescription

LEVELLED = GOOD.replace("""    thresholds:
      eye_aperture: 0.12
""", """    thresholds:
      eye_aperture: 0.12
    level: 3
    lock_level: true
""")


def test_the_prescribed_level_and_the_profiles_side_reach_the_plan(store, tmp_path):  # noqa: F811
    import_prescription(store, "Anna Berg", write_bundle(tmp_path / "p", prescription=LEVELLED))
    profile = profiles.get_profile(store, "Anna Berg")  # affected side: left
    library, active = library_for(store, profile, bundles_base=tmp_path / "bundles")
    plan = {exercise.id: exercise for exercise in session_plan(library, "daily-practice", profile, active)}
    smile = plan["gentle-smile"]
    assert (smile.level, smile.reps, smile.threshold_of("eye_aperture")) == (3, 4, 0.12)  # prescription > level
    assert any("hello" in step.instruction for step in smile.steps)  # level 3's own steps
    assert active.document["exercises"]["gentle-smile"]["lock_level"] is True
    neck = session_plan(library, "neck-and-jaw-release", profile, active)
    stretch = next(e for e in neck if e.id == "inner-cheek-stretch")
    assert "against your left cheek" in stretch.steps[1].instruction


@pytest.mark.parametrize("added, message", [
    ("    level: 4\n", "'gentle-smile' has only levels 1 to 3"),
    ("    lock_level: true\n", "'lock_level' needs a 'level' to keep"),
])
def test_level_mistakes_in_a_prescription(tmp_path, added, message):
    text = GOOD.replace("      eye_aperture: 0.12\n", "      eye_aperture: 0.12\n" + added)
    with pytest.raises(UserError, match=message):
        check_prescription(write_bundle(tmp_path / "p", prescription=text))


def test_a_locked_level_wins_over_the_patients_own_and_is_never_suggested_away(store, tmp_path):  # noqa: F811
    from datetime import timedelta

    from test_records_progression import practise

    from rehabcoach.records.progression import suggestions_for

    locked_two = LEVELLED.replace("    level: 3\n", "    level: 2\n")
    import_prescription(store, "Anna Berg", write_bundle(tmp_path / "p", prescription=locked_two))
    profile = profiles.set_level(store, "Anna Berg", "gentle-smile", 1, source="patient")
    library, active = library_for(store, profile, bundles_base=tmp_path / "bundles")
    assert session_plan(library, "daily-practice", profile, active)[6].level == 2  # the lock beats the patient
    practise(store, profile, [0, 1, 2])
    assert suggestions_for(store, profile, library, ["gentle-smile"], active) == []
    # Unlocked, the newer choice wins: the prescription (imported after the patient's choice) here.
    unlocked = locked_two.replace("    lock_level: true\n", "")
    import_prescription(store, "Anna Berg", write_bundle(tmp_path / "q", prescription=unlocked))
    library, active = library_for(store, profile, bundles_base=tmp_path / "bundles2")
    assert session_plan(library, "daily-practice", profile, active)[6].level == 2
    later = active.imported_at + timedelta(minutes=1)
    profile = profiles.set_level(store, "Anna Berg", "gentle-smile", 3, now=later)
    assert session_plan(library, "daily-practice", profile, active)[6].level == 3
