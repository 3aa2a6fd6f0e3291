"""The Patient menu, and the practice service's storage news in the status bar.

What a session takes from the records (the profile, its prescription, the plan, the recorder) is the
practice service's (rehabcoach/practice.py), which the main window receives when it is built.  This
module is only the Qt around it:

- the Patient menu: choose who is practising (at start when profiles exist, or at any time), the
  progress view, importing a prescription, the prescription's routines (bundled ones included), and
  the therapist panel for a supervised session (ui/supervised_panel.py);
- the recorder's storage news, which arrive on the recorder's own thread, turned into a signal queued
  to the GUI thread and shown in the status bar in plain words; practice goes on.

Without a usable database the app still works: nothing is recorded and the status bar says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from rehabcoach.errors import UserError
from rehabcoach.practice import PracticeService, StorageNews
from rehabcoach.records import profiles
from rehabcoach.records.models import Profile
from rehabcoach.records.prescription_store import import_prescription

if TYPE_CHECKING:
    from rehabcoach.ui.main_window import MainWindow
    from rehabcoach.ui.progress_view import ProgressView
    from rehabcoach.ui.supervised_panel import SupervisedPanel


class PatientMenu(QObject):
    storage_news = Signal(object)  # a StorageNews; emitted from the recorder's thread

    def __init__(self, window: MainWindow, practice: PracticeService):
        super().__init__(window)
        self.window = window
        self.practice = practice
        self.panel: SupervisedPanel | None = None
        self.progress_view: ProgressView | None = None
        self.import_problem: str | None = None
        self.storage_news.connect(self._show_storage_news, Qt.ConnectionType.QueuedConnection)
        practice.on_storage_news(self.storage_news.emit)
        self._build_menu()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(practice.close)
        if practice.store is None:
            window.statusBar().showMessage(practice.records_status())

    # -- profile --------------------------------------------------------------------------------
    def choose_at_start(self) -> None:
        """Ask who is practising when there are profiles to choose from (nobody is forced to make one)."""
        if self.practice.store is not None and profiles.list_profiles(self.practice.store):
            self.choose_profile()

    def choose_profile(self) -> None:
        if self.practice.store is None:
            QMessageBox.information(self.window, "Records are not available", self.practice.records_problem or "")
            return
        from rehabcoach.ui.profile_dialog import ProfileDialog

        dialog = ProfileDialog(self.practice.store, self.window)
        if dialog.exec():
            self.set_profile(dialog.chosen)

    def set_profile(self, profile: Profile | None) -> None:
        chosen = self.practice.choose_profile(profile.name if profile is not None else None)
        self.window.setWindowTitle(f"RehabCoach — {chosen.name}" if chosen else "RehabCoach")
        self.window.statusBar().showMessage(self.practice.records_status())
        for action in (self.progress_action, self.import_action):
            action.setEnabled(chosen is not None)
        self.window.set_profile_name(chosen.name if chosen else None)  # feedback choices are remembered per profile
        self._fill_prescribed_menu()

    def _fill_prescribed_menu(self) -> None:
        self.prescribed_menu.clear()
        prescription = self.practice.prescription
        routines = prescription.document.get("routines", []) if prescription else []
        for item in routines:
            action = self.prescribed_menu.addAction(f"{item['routine']} ({item['times']} × per {item['per']})")
            action.triggered.connect(lambda _=False, routine_id=item["routine"]: self.start_prescribed(routine_id))
        self.prescribed_menu.setEnabled(bool(routines))

    def start_prescribed(self, routine_id: str) -> None:
        try:
            self.window.start_routine(routine_id)
        except UserError as exc:
            QMessageBox.warning(self.window, "This routine cannot be started", str(exc))

    # -- storage news ---------------------------------------------------------------------------
    def _show_storage_news(self, news: StorageNews) -> None:
        # Problems, and the moment they are over; a problem said again stays in view over other messages.
        self.window.statusBar().showMessage(f"Records: {news.message}")

    # -- menu -----------------------------------------------------------------------------------
    def _build_menu(self) -> None:
        menu = self.window.menuBar().addMenu("&Patient")
        self.window.menuBar().insertMenu(self.window.help_menu.menuAction(), menu)  # Help stays last
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
        self.choose_action.setEnabled(self.practice.store is not None)

    def show_supervised_panel(self, shown: bool = True) -> SupervisedPanel | None:
        """The therapist panel beside the patient's view; sessions started while it is shown are
        recorded as supervised."""
        if shown and self.panel is None:
            from rehabcoach.ui.supervised_panel import SupervisedPanel

            self.panel = SupervisedPanel(self.window, self.practice)
            self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel)
            self.panel.visibilityChanged.connect(self.supervised_action.setChecked)
        if self.panel is not None:
            self.panel.setVisible(shown)
        self.practice.supervised = self.panel is not None and shown
        return self.panel

    def show_progress(self) -> ProgressView | None:
        profile, store = self.practice.profile, self.practice.store
        if profile is None or store is None:
            return None
        from rehabcoach.ui.progress_view import ProgressView

        view = ProgressView(store, profile, self.window)
        view.open()
        self.progress_view = view
        return view

    def import_prescription(self, path: str | None = None) -> bool:
        profile, store = self.practice.profile, self.practice.store
        if profile is None or store is None:
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Import a prescription", "",
                                                  "Prescriptions (*.yaml *.yml)")
            if not path:
                return False
        try:
            result = import_prescription(store, profile.name, path)
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
