"""Connects the main window to the patient records (the Qt-free ``rehabcoach.records``).

- the active profile (chosen at start when profiles exist, or from the Patient menu) gives the
  affected side and the routine as prescribed for this patient (overrides, thresholds, bundle);
- each session is recorded rep by rep by a recorder on its own thread, so a slow database never
  freezes the picture; storage problems appear in the status bar in plain words, and practice goes on;
- the Patient menu opens the progress view, imports a prescription, and shows the therapist panel
  for a supervised session (ui/supervised_panel.py).

Without a usable database the app still works: nothing is recorded and the status bar says why.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from rehabcoach.errors import UserError
from rehabcoach.records import profiles
from rehabcoach.records.backends import open_records
from rehabcoach.records.prescription_store import (
    active_prescription,
    add_bundle,
    exercise_plan,
    import_prescription,
    session_plan,
)
from rehabcoach.records.recorder import BackgroundRecorder, SessionRecorder
from rehabcoach.routines.resolve import resolve_exercise, resolve_routine


class RecordsBridge(QObject):
    storage_status = Signal(str, bool)  # message, ok; emitted from the recorder's thread
    profile_changed = Signal(object)

    def __init__(self, window, database: str | None = None, *, store=None):
        super().__init__(window)
        self.window = window
        self.store = store
        self.problem: str | None = None
        if self.store is None:
            try:
                self.store = open_records(database)
            except UserError as exc:
                self.problem = str(exc)
        self.profile = None
        self.prescription = None
        self.recorder: BackgroundRecorder | None = None
        self._routine_id: str | None = None
        self._last_ok = True
        self.panel = None
        self.storage_status.connect(self._show_storage_status, Qt.ConnectionType.QueuedConnection)
        window.session_listener_factories.append(self._listener_for)
        window.routine_planner = self.plan_routine
        window.exercise_planner = self.plan_exercise
        window.affected_side_source = self.affected_side
        self._build_menu()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)
        if self.problem:
            window.statusBar().showMessage(f"Records are not available, so nothing is recorded: {self.problem}")

    # -- profile --------------------------------------------------------------------------------
    def choose_at_start(self) -> None:
        """Ask who is practising when there are profiles to choose from (nobody is forced to make one)."""
        if self.store is not None and profiles.list_profiles(self.store):
            self.choose_profile()

    def choose_profile(self) -> None:
        if self.store is None:
            QMessageBox.information(self.window, "Records are not available", self.problem or "")
            return
        from rehabcoach.ui.profile_dialog import ProfileDialog

        dialog = ProfileDialog(self.store, self.window)
        if dialog.exec():
            self.set_profile(dialog.chosen)

    def set_profile(self, profile) -> None:
        self.profile = profiles.get_profile(self.store, profile.name) if profile is not None else None
        self.prescription = active_prescription(self.store, self.profile) if self.profile else None
        who = f" — {self.profile.name}" if self.profile else ""
        self.window.setWindowTitle(f"RehabCoach{who}")
        self.window.statusBar().showMessage(
            f"Practising as {self.profile.name}; sessions are recorded." if self.profile else
            "Practising without a profile: nothing is recorded.")
        for action in (self.progress_action, self.import_action):
            action.setEnabled(self.profile is not None)
        if hasattr(self.window, "set_profile_name"):  # feedback choices are remembered per profile
            self.window.set_profile_name(self.profile.name if self.profile else None)
        self._fill_prescribed_menu()
        self.profile_changed.emit(self.profile)

    def _fill_prescribed_menu(self) -> None:
        self.prescribed_menu.clear()
        routines = self.prescription.document.get("routines", []) if self.prescription else []
        for item in routines:
            action = self.prescribed_menu.addAction(f"{item['routine']} ({item['times']} × per {item['per']})")
            action.triggered.connect(lambda _=False, routine_id=item["routine"]: self.start_prescribed(routine_id))
        self.prescribed_menu.setEnabled(bool(routines))

    def start_prescribed(self, routine_id: str) -> None:
        try:
            self.window.start_routine(routine_id)
        except UserError as exc:
            QMessageBox.warning(self.window, "This routine cannot be started", str(exc))

    def affected_side(self):
        if self.profile is not None:
            return self.profile.affected_side
        return self.window.settings.affected_side_or_none

    def plan_routine(self, routine_id: str):
        """The routine as this patient does it (the main window's routine planner)."""
        self._routine_id = routine_id
        library = self.window.library
        if self.profile is None:
            return resolve_routine(library, routine_id)
        self.profile = profiles.get_profile(self.store, self.profile.name)  # thresholds may have changed
        if self.prescription is not None and routine_id not in library.routines:
            add_bundle(library, self.store, self.prescription)
        return session_plan(library, routine_id, self.profile, self.prescription)

    def plan_exercise(self, exercise_id: str):
        """One exercise from the library as this patient does it (the main window's exercise planner)."""
        self._routine_id = f"exercise:{exercise_id}"
        if self.profile is None:
            return resolve_exercise(self.window.library.exercise(exercise_id))
        self.profile = profiles.get_profile(self.store, self.profile.name)
        return exercise_plan(self.window.library, exercise_id, self.profile, self.prescription)

    # -- recording ------------------------------------------------------------------------------
    def _listener_for(self, engine):
        self.close()  # a previous session's recorder finishes its writes first
        routine_id, self._routine_id = self._routine_id, None
        if self.profile is None or self.store is None:
            return lambda _event: None
        if routine_id is None:  # a single exercise started from the library
            routine_id = f"exercise:{engine.exercises[0].id}"
        recorder = SessionRecorder(
            self.store, self.profile, routine_id, exercises=engine.exercises, supervised=self.supervised,
            prescription_id=self.prescription.id if self.prescription else None,
            on_status=lambda status: self.storage_status.emit(status.message, status.ok),
        )
        self.recorder = BackgroundRecorder(recorder)
        return self.recorder.handle

    def _show_storage_status(self, message: str, ok: bool) -> None:
        if not ok or not self._last_ok:  # problems, and the moment they are over; quiet otherwise
            self.window.statusBar().showMessage(f"Records: {message}")
        self._last_ok = ok

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None

    # -- menu -----------------------------------------------------------------------------------
    def _build_menu(self) -> None:
        menu = self.window.menuBar().addMenu("&Patient")
        help_menu = getattr(self.window, "help_menu", None)
        if help_menu is not None:  # Help stays last, as on every desktop
            self.window.menuBar().insertMenu(help_menu.menuAction(), menu)
        menu.setAccessibleName("Patient menu")
        self.choose_action = QAction("Choose who is practising…", self.window)
        self.choose_action.setShortcut(QKeySequence("Ctrl+P"))
        self.choose_action.triggered.connect(self.choose_profile)
        self.progress_action = QAction("Progress…", self.window)
        self.progress_action.triggered.connect(self.show_progress)
        self.import_action = QAction("Import a prescription…", self.window)
        self.import_action.triggered.connect(self.import_prescription)
        self.supervised_action = QAction("Therapist panel (supervised session)", self.window)
        self.supervised_action.setCheckable(True)
        self.supervised_action.setShortcut(QKeySequence("Ctrl+T"))
        self.supervised_action.toggled.connect(self.show_supervised_panel)
        for action in (self.choose_action, self.progress_action, self.import_action):
            menu.addAction(action)
        # The prescription's routines, bundled ones included (the home screen lists the library's only).
        self.prescribed_menu = menu.addMenu("Prescribed routines")
        self.prescribed_menu.setEnabled(False)
        menu.addSeparator()
        menu.addAction(self.supervised_action)
        self.progress_action.setEnabled(False)
        self.import_action.setEnabled(False)
        self.choose_action.setEnabled(self.store is not None)

    def show_supervised_panel(self, shown: bool = True):
        """The therapist panel beside the patient's view; sessions started while it is shown are
        recorded as supervised."""
        if shown and self.panel is None:
            from rehabcoach.ui.supervised_panel import SupervisedPanel

            self.panel = SupervisedPanel(self.window, self)
            self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel)
            self.panel.visibilityChanged.connect(self.supervised_action.setChecked)
        if self.panel is not None:
            self.panel.setVisible(shown)
        return self.panel

    @property
    def supervised(self) -> bool:
        return self.panel is not None and self.panel.isVisible()

    def show_progress(self):
        if self.profile is None:
            return None
        from rehabcoach.ui.progress_view import ProgressView

        view = ProgressView(self.store, self.profile, self.window)
        view.open()
        self.progress_view = view
        return view

    def import_prescription(self, path: str | None = None) -> bool:
        if self.profile is None:
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Import a prescription", "",
                                                  "Prescriptions (*.yaml *.yml)")
            if not path:
                return False
        try:
            result = import_prescription(self.store, self.profile.name, path)
        except UserError as exc:
            box = QMessageBox(QMessageBox.Icon.Warning, "The prescription was not imported",
                              "The prescription was not imported; nothing was changed.", parent=self.window)
            box.setDetailedText(str(exc))
            box.open()
            self.import_problem = str(exc)
            return False
        self.set_profile(result.profile)
        self.window.statusBar().showMessage(f"Prescription \"{result.prescription.title}\" imported for "
                                            f"{result.profile.name}.")
        return True
