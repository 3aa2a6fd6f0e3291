"""The records in the window: choosing a profile, its settings feeding the session, recording through
the real engine, storage problems in the status bar, the progress view and importing a prescription."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from records_support import PRESCRIPTION, populate_history, rep, write_prescription  # noqa: E402

from rehabcoach.clock import ManualClock  # noqa: E402
from rehabcoach.coaching.events import RepCompleted  # noqa: E402
from rehabcoach.practice import PracticeService  # noqa: E402
from rehabcoach.records import profiles, sessions  # noqa: E402
from rehabcoach.records.backends import open_records  # noqa: E402
from rehabcoach.records.prescription_store import active_prescription, import_prescription  # noqa: E402
from rehabcoach.routines.loader import load_library  # noqa: E402
from rehabcoach.ui.settings import open_app_settings  # noqa: E402

UI_LIBRARY = Path(__file__).resolve().parent / "ui_library"


class SilentSpeech:
    available = True
    status_message = ""
    muted = False
    busy = False

    def say(self, text, *, interrupt=False):
        pass

    def set_rate(self, wpm):
        pass

    def set_muted(self, muted):
        self.muted = muted

    def close(self):
        pass


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("REHABCOACH_DATA_DIR", str(tmp_path / "data"))
    with open_records(str(tmp_path / "records.db"), busy_timeout=0.2) as opened:
        yield opened


@pytest.fixture
def window(qtbot, tmp_path, store):
    from rehabcoach.ui.main_window import MainWindow

    library = load_library(UI_LIBRARY)
    win = MainWindow(library, open_app_settings(tmp_path / "settings.ini"), speech=SilentSpeech(),
                     clock_factory=lambda: ManualClock(0.0), practice=PracticeService(library, store))
    win.resize(1100, 800)
    win.show()
    yield win
    # Closed here, not by qtbot: with a session running, closing asks the user first (a modal question).
    win.stop()
    win.practice.close()
    win.close()
    win.deleteLater()


def test_profile_dialog_adds_and_chooses_a_patient(qtbot, store, screenshot):
    from rehabcoach.ui.profile_dialog import ProfileDialog

    profiles.add_profile(store, "Tom", "right")
    dialog = ProfileDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    assert list(dialog.profile_buttons) == ["Tom"]
    screenshot(dialog, "records-profile-dialog")
    dialog.name_edit.setText("Anna Berg")
    dialog.side_combo.setCurrentIndex(1)  # left
    dialog.add_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert (dialog.chosen.name, dialog.chosen.affected_side) == ("Anna Berg", "left")
    assert [p.name for p in profiles.list_profiles(store)] == ["Anna Berg", "Tom"]


def test_the_active_profile_feeds_the_session_and_every_rep_is_recorded(window, store):
    profiles.add_profile(store, "Anna", "left")
    profiles.set_threshold(store, "Anna", "test-gentle-smile", "eye_aperture", 0.11)
    window.patient_menu.set_profile(profiles.get_profile(store, "Anna"))
    assert window.windowTitle() == "RehabCoach — Anna"
    window.start_routine("test-short-routine")
    engine = window.engine
    assert engine.settings.affected_side == "left"
    smile = [e for e in engine.exercises if e.id == "test-gentle-smile"][0]
    assert smile.threshold_of("eye_aperture") == 0.11
    # The engine already announced the start to the recorder; reps arrive as the engine emits them.
    window.practice.recorder.handle(RepCompleted(summary=rep("test-gentle-smile", 1)))
    status = window.practice.recorder.close()
    assert status.ok and status.saved_reps == 1
    (record,) = sessions.load_sessions(store, profiles.get_profile(store, "Anna").id)
    assert (record.routine_id, record.status, [r.rep for r in record.reps]) == ("test-short-routine", "stopped", [1])
    assert record.reps[0].target_measure == "mouth_corner_lift"  # taken from the engine's exercises


def test_without_a_profile_nothing_is_recorded(window, store):
    window.patient_menu.set_profile(None)
    window.settings = window.settings.__class__(affected_side="right")
    window.start_routine("test-short-routine")
    assert window.engine.settings.affected_side == "right"  # the app's own setting applies
    assert window.practice.recorder is None
    with store.transaction() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM sessions") == 0


def test_a_locked_database_is_reported_in_the_status_bar_and_saved_later(qtbot, window, store):
    profiles.add_profile(store, "Anna", "left")
    window.patient_menu.set_profile(profiles.get_profile(store, "Anna"))
    window.start_routine("test-short-routine")
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    window.practice.recorder.handle(RepCompleted(summary=rep("test-gentle-smile", 1)))
    qtbot.waitUntil(lambda: "locked by another program" in window.statusBar().currentMessage(), timeout=10000)
    assert "keep practising" in window.statusBar().currentMessage()
    blocker.execute("ROLLBACK")
    blocker.close()
    window.practice.recorder.recorder.retry_interval = 0.0
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Records: Saved"), timeout=10000)
    window.practice.close()
    (record,) = sessions.load_sessions(store, profiles.get_profile(store, "Anna").id)
    assert [r.rep for r in record.reps] == [1]


def test_progress_view_shows_adherence_charts_and_the_movement_check(qtbot, window, store, tmp_path, screenshot):
    from datetime import date

    from rehabcoach.ui.progress_view import ProgressView

    profiles.add_profile(store, "Anna Berg", "left")
    import_prescription(store, "Anna Berg", write_prescription(tmp_path / "rx"))
    profile = populate_history(store)
    view = ProgressView(store, profile, window, today=date(2026, 11, 15))
    qtbot.addWidget(view)
    view.show()
    # Prepared on a worker thread: the window says so meanwhile, and cannot save a report not yet there.
    assert view.browser.toPlainText().startswith("Preparing the report from 17 Oct 2026 to 15 Nov 2026")
    assert not view.pdf_button.isEnabled() and view.save_pdf(str(tmp_path / "early.pdf")) is None
    qtbot.waitUntil(view.ready, timeout=60000)
    assert view.pdf_button.isEnabled()
    text = view.browser.toPlainText()
    assert "11 of 14" not in text  # the last 30 days reach back before the prescription started
    assert "2 of 2.14" in text and "3 severe" in text and "2 moderate" in text
    assert "estimate, not a diagnosis" in text
    assert view.charts_shown == ["unwanted-1.svg", "target-1.svg", "warnings.svg", "movement-check.svg"]
    assert "Size of unwanted movements per repetition" in text  # the same sections as the PDF
    screenshot(view, "records-progress-view")
    # The charts, further down: drawn in the view as in the PDF (vector, from the same SVG).
    bar = view.browser.verticalScrollBar()
    bar.setValue(int(bar.maximum() * 0.45))
    screenshot(view, "records-progress-view-charts")
    pdf = view.save_pdf(str(tmp_path / "progress.pdf"))
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20000
    view.period.setCurrentIndex(1)  # the last 90 days
    qtbot.waitUntil(view.ready, timeout=60000)
    assert "Period: 18 Aug 2026 to 15 Nov 2026" in view.browser.toPlainText()


def test_importing_a_prescription_from_the_app(window, store, tmp_path):
    profiles.add_profile(store, "Anna Berg", "left")
    window.patient_menu.set_profile(profiles.get_profile(store, "Anna Berg"))
    bad = write_prescription(tmp_path / "bad", PRESCRIPTION.replace("times: 1\n    per: week", "times: 99\n    per: week"))
    assert not window.patient_menu.import_prescription(str(bad))
    assert f"{bad}:13:12:" in window.patient_menu.import_problem and "routines[1].times" in window.patient_menu.import_problem
    assert active_prescription(store, window.practice.profile) is None
    assert window.patient_menu.import_prescription(str(write_prescription(tmp_path / "good")))
    assert window.practice.prescription.title == "Home programme, November"
    assert "imported for Anna Berg" in window.statusBar().currentMessage()


def test_supervised_panel_traces_adjusts_saves_and_marks(qtbot, window, store, screenshot):
    from rehabcoach.coaching.types import Baseline
    from rehabcoach.vision.types import FaceFrame, HeadPose

    profiles.add_profile(store, "Anna", "left")
    window.patient_menu.set_profile(profiles.get_profile(store, "Anna"))
    panel = window.patient_menu.show_supervised_panel(True)
    assert window.patient_menu.supervised_action.isChecked()
    window.start_routine("test-short-routine")
    engine = window.engine
    engine.baseline = Baseline(measures={"eye_aperture": {"left": 0.3, "right": 0.3}},
                               noise={"eye_aperture": {"left": 0.002, "right": 0.002}}, pose=HeadPose(0, 0, 0),
                               frames=24)
    engine.skip_exercise()  # from the massage to the movement exercise
    assert engine.state.exercise.id == "test-gentle-smile"
    for index in range(90):  # the left eye narrows by 40 % after one second; the right one stays open
        left = 0.3 * (0.6 if index >= 30 else 1.0)
        frame = FaceFrame(index=index, timestamp=index / 30, face=True,
                          measures={"eye_aperture": {"left": left, "right": 0.3}}, pose=HeadPose(0, 0, 0))
        for listener in window.face_frame_listeners:
            listener(frame)
    (row,) = panel.rows
    assert row.trace.latest("left") == pytest.approx(0.4) and row.trace.latest("right") == pytest.approx(0.0)
    assert len(row.trace.points["left"]) == 90
    screenshot(window, "records-supervised-panel")

    row.spin.setValue(0.12)
    row.apply_button.click()
    assert engine.state.exercise.threshold_of("eye_aperture") == 0.12  # in force for the rest of the exercise
    row.save_button.click()
    assert profiles.get_profile(store, "Anna").thresholds == {"test-gentle-smile": {"eye_aperture": 0.12}}
    panel.note_edit.setText("Left eye closes as the smile starts")
    panel.mark_button.click()
    window.practice.close()
    (record,) = sessions.load_sessions(store, profiles.get_profile(store, "Anna").id)
    assert record.supervised
    assert [m.note for m in record.marks] == ["Left eye closes as the smile starts"]
    assert record.marks[0].at_s >= 0  # seconds since the session started


def test_a_damaged_database_at_start_leaves_the_app_usable(qtbot, tmp_path):
    from rehabcoach.ui.main_window import MainWindow

    damaged = tmp_path / "records.db"
    damaged.write_bytes(b"not a database " * 100)
    library = load_library(UI_LIBRARY)
    win = MainWindow(library, open_app_settings(tmp_path / "settings.ini"), speech=SilentSpeech(),
                     clock_factory=lambda: ManualClock(0.0), practice=PracticeService.open(library, str(damaged)))
    win.show()
    try:
        message = win.statusBar().currentMessage()
        assert message.startswith("Records are not available, so nothing is recorded:") and "damaged" in message
        assert not win.patient_menu.choose_action.isEnabled()
        win.patient_menu.choose_at_start()  # no dialog, no error
        win.start_routine("test-short-routine")  # practice still works, unrecorded
        assert win.engine is not None and win.practice.recorder is None
        assert damaged.read_bytes() == b"not a database " * 100
    finally:
        win.stop()
        win.close()
        win.deleteLater()


def test_a_single_exercise_from_the_library_uses_the_patients_settings(window, store):
    profiles.add_profile(store, "Anna", "right")
    profiles.set_threshold(store, "Anna", "test-gentle-smile", "eye_aperture", 0.09)
    window.patient_menu.set_profile(profiles.get_profile(store, "Anna"))
    window.start_exercise("test-gentle-smile")
    (exercise,) = window.engine.exercises
    assert exercise.threshold_of("eye_aperture") == 0.09 and window.engine.settings.affected_side == "right"
    window.practice.close()
    (record,) = sessions.load_sessions(store, profiles.get_profile(store, "Anna").id)
    assert record.routine_id == "exercise:test-gentle-smile"


def test_prescribed_routines_bundled_ones_included_can_be_started_from_the_menu(window, store, tmp_path):
    bundle = tmp_path / "rx" / "custom"
    bundle.mkdir(parents=True)
    (bundle / "anna-routine.yaml").write_text(
        "kind: routine\nid: anna-routine\ntitle: Anna's routine\ndescription: The short smile, twice.\n"
        "items:\n  - exercise: test-gentle-smile\n  - exercise: test-gentle-smile\n    reps: 1\n")
    (tmp_path / "rx" / "p.yaml").write_text(
        "kind: prescription\ntitle: Custom\nstarts_on: 2026-01-01\nroutines:\n  - routine: anna-routine\n"
        "    times: 2\n    per: day\nbundle:\n  - custom\n")
    profiles.add_profile(store, "Anna", "left")
    import_prescription(store, "Anna", tmp_path / "rx" / "p.yaml", library_root=UI_LIBRARY)
    window.patient_menu.set_profile(profiles.get_profile(store, "Anna"))
    (action,) = window.patient_menu.prescribed_menu.actions()
    assert action.text() == "anna-routine (2 × per day)"
    assert "anna-routine" not in window.library.routines
    action.trigger()
    assert [(e.id, e.reps) for e in window.engine.exercises] == [("test-gentle-smile", 2), ("test-gentle-smile", 1)]
    window.practice.close()
    (record,) = sessions.load_sessions(store, profiles.get_profile(store, "Anna").id)
    assert record.routine_id == "anna-routine" and record.prescription_id is not None
