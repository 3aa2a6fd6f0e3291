"""The main window: home, the session screens and the summary, with the controls around them.

The window only renders :attr:`SessionEngine.state` and forwards what the patient asks for.  The
engine lives on the GUI thread; face frames arrive from the capture thread through a one-slot
mailbox (see capture_worker), and a QTimer ticks the engine so countdowns run without a camera.
Speech goes through the speech service, which speaks on its own thread; the movement tone and the
phase chimes go through the feedback service (rehabcoach.feedback), which plays on the sound
output's own thread.  The window only hands them each frame's levels and the engine's phase changes.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rehabcoach.clock import Clock, ManualClock, SystemClock
from rehabcoach.coaching import cues
from rehabcoach.coaching.events import MovementPhase, PhaseChanged, SpeakRequest, WarningStarted
from rehabcoach.coaching.session import SessionEngine, SessionSettings, SessionState
from rehabcoach.coaching.summary import SessionSummary
from rehabcoach.feedback.modes import FeedbackPlan, plan_for
from rehabcoach.practice import PracticeService, SessionPlan
from rehabcoach.routines.resolve import resolve_exercise, resolve_routine
from rehabcoach.ui.capture_worker import CaptureThread
from rehabcoach.ui.home_screen import HomeScreen
from rehabcoach.ui.patient_menu import PatientMenu
from rehabcoach.ui.session_screens import CalibrationScreen, CameraMissingScreen, MovementScreen, StepScreen
from rehabcoach.ui.settings import AppSettings, load_settings, save_settings
from rehabcoach.ui.settings_dialog import SettingsDialog
from rehabcoach.ui.sound_bridge import Feedback, open_feedback
from rehabcoach.ui.speech_bridge import Speech, open_speech
from rehabcoach.ui.summary_screen import SummaryScreen
from rehabcoach.ui.theme import TypeScale, base_font, palette_for, stylesheet, theme_for
from rehabcoach.ui.widgets import CurrentPageStack, button, label
from rehabcoach.vision.catalogue import Side

TICK_MS = 50  # countdowns update 20 times a second; frames update the screen as they come

CHIME_PHASES = ("move", "hold", "relax")  # a patient with closed eyes hears when to move, hold and rest
# Keyed by the state's phase as it comes (None outside movement exercises: no banner).
PHASE_BANNERS: dict[MovementPhase | None, str] = {
    "get_ready": cues.GET_READY, "hold": cues.HOLD, "relax": cues.RELAX, "done": cues.EXERCISE_DONE,
}


class MainWindow(QMainWindow):
    screen_changed = Signal(str)  # "home" or one of the engine's screens
    frame_shown = Signal()  # a camera frame was handed to the screen (tests wait on it)
    # Each new session's engine, before it starts: a listener subscribed now hears every event of the session
    # (the level suggestion after a recorded session, the tests, the window benchmark).
    session_started = Signal(object)

    def __init__(
        self,
        library,
        settings_store,
        *,
        source=None,
        loop_source: bool = True,
        pace_source: bool = True,
        lossless_frames: bool = False,
        follow_frame_time: bool = False,
        speech: Speech | None = None,
        feedback: Feedback | None = None,
        practice: PracticeService | None = None,
        session_settings: SessionSettings | None = None,
        capture_factory: Callable[..., CaptureThread] | None = None,
        engine_factory: Callable[..., SessionEngine] = SessionEngine,
        clock_factory: Callable[[], Clock] | None = None,
    ):
        """``source``: a camera index or a recording path (None: the camera in the settings).
        ``follow_frame_time``: the session clock follows the recording's timestamps instead of the
        wall clock, so a test runs a routine as fast as frames can be processed.
        ``practice``: who is practising, their plan and the recorder (rehabcoach/practice.py), with the
        Patient menu; without it the window practises the library as it is, unrecorded, and has no
        Patient menu."""
        super().__init__()
        self.setWindowTitle("RehabCoach")
        self.setAccessibleName("RehabCoach")
        self.library = library
        self.store = settings_store
        self.settings: AppSettings = load_settings(settings_store)
        self.source_override = source
        self.loop_source = loop_source
        self.pace_source = pace_source
        self.lossless_frames = lossless_frames
        self.follow_frame_time = follow_frame_time
        self.base_session_settings = session_settings or SessionSettings()
        self._capture_factory = capture_factory or CaptureThread
        self._engine_factory = engine_factory
        self._clock_factory = clock_factory
        self.speech: Speech = speech if speech is not None else open_speech()
        self._speech_notice_shown = False
        self.feedback: Feedback = feedback if feedback is not None else open_feedback()
        # Ducks the tone while a cue is spoken, so it never hides a word.
        self.feedback.set_speaking(lambda: self.speech.busy)
        self._feedback_notice_shown = False
        self.practice = practice if practice is not None else PracticeService(library)
        self.profile_name: str | None = None  # set from the Patient menu; feedback settings are per profile
        self._spoken_warnings: set[str] = set()  # this frame's warning sentences (spoken only with voice warnings)
        self.muted = False
        self.engine: SessionEngine | None = None
        self.clock: Clock = SystemClock()
        self.capture: CaptureThread | None = None
        self._camera_problem: str | None = None
        self._summary_shown: SessionSummary | None = None
        self._previous_warning_keys: frozenset = frozenset()
        # Called with every face frame given to the engine (the supervised panel's live traces).
        self.face_frame_listeners: list[Callable] = []
        # Called with (captured_at, new warning keys) when a frame brings a new warning (benchmark).
        self.warning_listeners: list[Callable[[float, frozenset], None]] = []

        self._build()
        self.apply_settings(self.settings)
        self.tick_timer = QTimer(self)
        self._frame_rendered_at = float("-inf")  # time.monotonic() of the last frame's render
        self._controls_shown: tuple | None = None  # what the session controls last showed
        self.tick_timer.setInterval(TICK_MS)
        self.tick_timer.timeout.connect(self._tick)
        self._show_speech_status_once()
        # Frame-to-tone figures for bench-window: (captured_at) of frames whose levels were handed over.
        self.tone_listeners: list[Callable[[float, dict], None]] = []
        self.patient_menu = PatientMenu(self, self.practice) if self.practice.uses_records else None

    # --- construction -----------------------------------------------------------------------
    def _build(self) -> None:
        theme = theme_for(self.settings.high_contrast)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.stack = CurrentPageStack()
        self.home = HomeScreen(self.library, self._illustration_for, self._routine_seconds, self.current_affected_side)
        self.home.routine_chosen.connect(self.start_routine)
        self.home.exercise_chosen.connect(self.start_exercise)
        self.home.settings_requested.connect(self.open_settings)
        self.calibration_screen = CalibrationScreen(theme)
        self.step_screen = StepScreen()
        self.movement_screen = MovementScreen(theme)
        self.movement_screen.picture_hidden_requested.connect(self.set_picture_hidden)
        self.camera_missing_screen = CameraMissingScreen()
        self.camera_missing_screen.retry_requested.connect(self.retry_camera)
        self.camera_missing_screen.continue_without_camera.connect(self._continue_without_camera)
        self.summary_screen = SummaryScreen(theme)
        self.summary_screen.home_requested.connect(self.show_home)
        self.screens = {
            "home": self.home,
            "calibration": self.calibration_screen,
            "step": self.step_screen,
            "movement": self.movement_screen,
            "camera_missing": self.camera_missing_screen,
            "summary": self.summary_screen,
        }
        for widget in self.screens.values():
            self.stack.addWidget(widget)
        for view in (self.calibration_screen.camera, self.movement_screen.camera):
            view.size_listeners.append(self._update_display_size)
        outer.addWidget(self.stack, 1)
        outer.addWidget(self._build_controls())
        self.setCentralWidget(central)
        help_menu = self.menuBar().addMenu("&Help")
        self.help_menu = help_menu  # stays the last menu: others are inserted before it
        extension = self.menuBar().findChild(QToolButton, "qt_menubar_ext_button")
        if extension is not None:  # shown when the menus do not fit across: screen readers name it too
            extension.setAccessibleName("More menus")
        self.welcome_action = help_menu.addAction("Welcome and checks…")
        self.welcome_action.triggered.connect(self.show_first_run)
        self._current_screen = "home"
        self.controls.hide()

        shortcuts = (
            (Qt.Key.Key_Space, self.toggle_pause),
            (Qt.Key.Key_Right, self.skip),
            (Qt.Key.Key_Left, self.previous),
            (Qt.Key.Key_R, self.repeat),
            (Qt.Key.Key_M, self.toggle_mute),
            (Qt.Key.Key_Escape, self.request_stop),
            (QKeySequence.StandardKey.Preferences, self.open_settings),
            (QKeySequence("Ctrl+,"), self.open_settings),
        )
        self._shortcuts = []
        for key, slot in shortcuts:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self._shortcuts.append(shortcut)

    def _build_controls(self) -> QWidget:
        self.controls = QWidget()
        self.controls.setAccessibleName("Session controls")
        self.controls.setObjectName("session-controls")
        # Always the height its buttons need: on a short screen the screen above gives way, not them.
        self.controls.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        column = QVBoxLayout(self.controls)
        column.setContentsMargins(16, 4, 16, 10)
        column.setSpacing(6)
        progress_row = QHBoxLayout()
        self.session_progress = QProgressBar()
        self.session_progress.setAccessibleName("Progress through the routine")
        self.session_progress.setRange(0, 100)
        self.session_progress.setTextVisible(False)
        self.session_progress_text = label("", "muted", wrap=False, name="Progress in words")
        progress_row.addWidget(self.session_progress, 1)
        progress_row.addWidget(self.session_progress_text)
        column.addLayout(progress_row)
        row = QHBoxLayout()
        row.setSpacing(12)
        self.previous_button = button("◀  Back", "Previous step (Left arrow)", tooltip="Left arrow")
        self.pause_button = button("Pause", "Pause or resume (Space)", primary=True, tooltip="Space")
        self.skip_button = button("Next  ▶", "Skip to the next step (Right arrow)", tooltip="Right arrow")
        self.repeat_button = button("Repeat", "Repeat this exercise (R)", tooltip="R")
        self.recalibrate_button = button("Measure again", "Measure my resting face again",
                                         tooltip="Measure your resting face again")
        self.mute_button = button("Mute voice", "Mute or unmute the voice (M)", tooltip="M")
        self.stop_button = button("Stop", "Stop the session (Escape)", tooltip="Escape")
        self.previous_button.clicked.connect(self.previous)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.skip_button.clicked.connect(self.skip)
        self.repeat_button.clicked.connect(self.repeat)
        self.recalibrate_button.clicked.connect(self.recalibrate)
        self.mute_button.clicked.connect(self.toggle_mute)
        self.stop_button.clicked.connect(self.request_stop)
        for widget in (self.previous_button, self.pause_button, self.skip_button, self.repeat_button):
            row.addWidget(widget)
        row.addStretch(1)
        for widget in (self.recalibrate_button, self.mute_button, self.stop_button):
            row.addWidget(widget)
        column.addLayout(row)
        self.status_note = label("", "muted", name="Status")
        self.status_note.hide()
        column.addWidget(self.status_note)
        return self.controls

    def current_affected_side(self) -> Side | None:
        """The patient's affected side: their profile's when one is active, else the settings'."""
        return self.practice.affected_side(self.settings.affected_side_or_none)

    def _illustration_for(self, exercise) -> Path | None:
        return resolve_exercise(exercise).illustration

    def _routine_seconds(self, routine) -> float:
        return sum(e.duration_seconds for e in resolve_routine(self.library, routine.id))

    # --- settings and look --------------------------------------------------------------------
    def apply_settings(self, settings: AppSettings) -> None:
        self.settings = settings
        theme = theme_for(settings.high_contrast)
        scale = TypeScale(settings.text_size)
        self.theme = theme
        self.setPalette(palette_for(theme))
        self.setFont(base_font(scale))
        self.setStyleSheet(stylesheet(theme, scale))
        for view in (self.calibration_screen.camera, self.movement_screen.camera):
            view.set_theme(theme)
        self.movement_screen.meter.set_theme(theme)
        self.summary_screen.set_theme(theme)
        if self.speech is not None:
            self.speech.set_rate(settings.speech_rate)
            self.speech.set_muted(self.muted or not settings.voice)
        self.feedback.set_volume(settings.tone_volume)
        self.movement_screen.set_picture_hidden(settings.hide_camera)

    def feedback_plan(self) -> FeedbackPlan:
        exercise = self.engine.state.exercise if self.engine is not None else None
        return plan_for(self.settings.warning_feedback, exercise)

    def set_profile_name(self, name: str | None) -> None:
        """The patient practising now: the feedback choices and the "feel it" view are theirs."""
        self.profile_name = name
        self.apply_settings(load_settings(self.store, name))

    def set_picture_hidden(self, hidden: bool) -> None:
        """The "feel it" view on or off, remembered (for the profile, when one is active)."""
        chosen = replace(self.settings, hide_camera=hidden)
        save_settings(self.store, chosen, self.profile_name)
        self.apply_settings(chosen)

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            chosen = dialog.chosen()
            camera_changed = chosen.camera != self.settings.camera
            save_settings(self.store, chosen, self.profile_name)
            self.apply_settings(chosen)
            if camera_changed and self.engine is not None and self.source_override is None:
                self._start_capture(chosen.camera)

    # --- first run -------------------------------------------------------------------------------
    def maybe_show_first_run(self, **kwargs):
        """At the very first start: the welcome, the side, the tries, safety, a first routine."""
        if self.settings.first_run_done:
            return None
        return self.show_first_run(**kwargs)

    def show_first_run(self, *, modal: bool = True, **kwargs):
        from rehabcoach.ui.first_run import FirstRunDialog

        dialog = FirstRunDialog(self, **kwargs)
        dialog.finished.connect(lambda _result: self._first_run_done(dialog))
        self.first_run_dialog = dialog
        if modal:
            dialog.exec()
        else:
            dialog.open()
        return dialog

    def _first_run_done(self, dialog) -> None:
        # Skipped or finished, it is not shown again (Help > Welcome and checks shows it on request).
        side = self.settings.affected_side if dialog.skipped else dialog.chosen_side
        chosen = replace(self.settings, first_run_done=True, affected_side=side)
        save_settings(self.store, chosen, self.profile_name)
        self.apply_settings(chosen)
        if dialog.safety_seen:  # the same page as Help > Before you start: it counts as read
            from rehabcoach.ui.before_you_start import READ_KEY

            self.store.setValue(READ_KEY, True)
            self.store.sync()
        if dialog.routine_chosen:
            self.start_routine(dialog.routine_chosen)

    def _show_speech_status_once(self) -> None:
        if self._speech_notice_shown or self.speech is None:
            return
        if not self.speech.available:
            self._speech_notice_shown = True
            message = self.speech.status_message or "No voice is available: the app runs silently."
            self.statusBar().showMessage(message)

    def _show_feedback_status_once(self) -> None:
        # Said when a tone is first wanted, not at start: most exercises need none.
        if not self._feedback_notice_shown and not self.feedback.available:
            self._feedback_notice_shown = True
            self.statusBar().showMessage(self.feedback.status_message or "Sound feedback is off.")

    # --- starting and ending a session ----------------------------------------------------------
    def start_routine(self, routine_id: str) -> None:
        """The routine as the patient practising does it (the practice service plans it)."""
        self.start_session(self.practice.plan_routine(routine_id))

    def start_exercise(self, exercise_id: str) -> None:
        """One exercise from the library, on its own."""
        self.start_session(self.practice.plan_exercise(exercise_id))

    def start_session(self, plan: SessionPlan) -> None:
        self._end_session()
        if self.follow_frame_time:
            self.clock = ManualClock(0.0)
        else:
            self.clock = self._clock_factory() if self._clock_factory else SystemClock()
        self._frame_clock_origin: float | None = None
        side = self.current_affected_side()
        settings = replace(self.base_session_settings, affected_side=side)
        # "Your {affected} cheek" reads "your left cheek" once the side is known (routines/resolve.py).
        exercises = [e.for_side(side) for e in plan.exercises]
        self.engine = self._engine_factory(exercises, self.clock, settings)
        self.engine.subscribe(self._on_engine_event)
        for listener in self.practice.record(plan):  # the patient's records, when someone is chosen
            self.engine.subscribe(listener)
        self.session_started.emit(self.engine)
        self._summary_shown = None
        self._previous_warning_keys = frozenset()
        self.controls.show()
        self.muted = False
        self._update_mute_button()
        needs_camera = any(e.category == "movement" for e in exercises)
        if needs_camera or self.follow_frame_time:
            self._start_capture(self._source_spec())
        self.engine.start()
        self.tick_timer.start()
        self._render()

    def _source_spec(self):
        return self.source_override if self.source_override is not None else self.settings.camera

    def _end_session(self) -> None:
        self.feedback.silence()
        self.tick_timer.stop()
        self._stop_capture()
        self.engine = None

    def show_home(self) -> None:
        self._end_session()
        self.controls.hide()
        self._set_screen("home")

    def request_stop(self) -> None:
        """Esc or the Stop button: ask first, since a stopped session cannot be continued."""
        if self.engine is None or self.engine.finished:
            if self._current_screen == "summary":
                self.show_home()
            return
        answer = QMessageBox.question(
            self,
            "Stop the session?",
            "Stop this session now? You will see what you have done so far.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.stop()

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.stop()
            self._render()

    def session_running(self) -> bool:
        return self.engine is not None and self.engine.state.started and not self.engine.finished

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.session_running():
            answer = QMessageBox.question(
                self,
                "Close RehabCoach?",
                "A session is still running. Close RehabCoach and discard this session?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            if self.engine is not None:  # the question ran its own event loop: the session may have ended meanwhile
                self.engine.stop()
        self._end_session()
        if self.speech is not None:
            # Silence what is queued; the service itself lives as long as the process (see app.run_app).
            self.speech.say("", interrupt=True)
        self.feedback.silence()
        event.accept()

    # --- capture --------------------------------------------------------------------------------
    def _start_capture(self, spec) -> None:
        self._stop_capture()
        self._camera_problem = None
        capture = self._capture_factory(
            spec,
            loop=self.loop_source,
            pace_realtime=self.pace_source,
            lossless=self.lossless_frames,
        )
        capture.frame_ready.connect(self._on_frame)
        capture.failed.connect(self._on_capture_failed)
        capture.source_lost.connect(self._on_source_lost)
        capture.source_ended.connect(self._on_source_ended)
        capture.opened.connect(self._on_capture_opened)
        self.capture = capture
        for view in (self.calibration_screen.camera, self.movement_screen.camera):
            view.set_placeholder("Starting the camera…")
        self._update_display_size()
        capture.start()

    def _update_display_size(self, _size=None) -> None:
        # Frames are scaled in the worker to the camera view on screen now (or about to be).
        if self.capture is None:
            return
        view = self._visible_camera(self._current_screen) or self.movement_screen.camera
        if view.width() > 1 and view.height() > 1:
            self.capture.display_size = (view.width(), view.height())

    def _stop_capture(self) -> None:
        capture, self.capture = self.capture, None
        if capture is not None:
            for sig in (capture.frame_ready, capture.failed, capture.source_lost, capture.source_ended, capture.opened):
                try:
                    sig.disconnect()
                except (RuntimeError, TypeError):
                    pass
            capture.stop()
            capture.deleteLater()

    def retry_camera(self, index: int) -> None:
        spec = self.source_override if isinstance(self.source_override, str) else index
        if spec != self.settings.camera and self.source_override is None:
            chosen = replace(self.settings, camera=index)
            save_settings(self.store, chosen)
            self.settings = chosen
        self._start_capture(spec)

    def _continue_without_camera(self) -> None:
        if self.engine is not None:
            self.engine.continue_without_camera()
            self._render()

    def _on_capture_opened(self, _name: str, _fps: float) -> None:
        if self.engine is not None and not self.engine.state.camera_available:
            self.engine.camera_restored()
            self._render()

    def _on_capture_failed(self, message: str) -> None:
        self._camera_problem = f"The camera could not be started: {message.rstrip('.?! ')}."
        self._camera_gone()

    def _on_source_lost(self, message: str) -> None:
        self._camera_problem = (
            f"The camera stopped sending pictures ({message.rstrip('.?! ')}). Check that it is plugged in, "
            "then press “Try this camera”."
        )
        self._camera_gone()

    def _on_source_ended(self) -> None:
        self._camera_problem = "The recording has ended."
        self._camera_gone()

    def _camera_gone(self) -> None:
        for view in (self.calibration_screen.camera, self.movement_screen.camera):
            view.set_placeholder(self._camera_problem or "No camera")
        if self.engine is not None:
            self.engine.camera_lost()
            self._render()

    def _on_frame(self) -> None:
        capture = self.capture
        if capture is None or self.engine is None:
            return
        item = capture.take_latest()
        if item is None:
            return
        if self.follow_frame_time:
            self._follow(item.face.timestamp)
        self.engine.on_face_frame(item.face)
        for listener in self.face_frame_listeners:
            listener(item.face)
        state = self.engine.state
        self._feed_tone(state, item.captured_at)
        view = self._visible_camera(state.screen)
        if view is not None:
            view.set_frame(item.image, item.paths, item.captured_at)
        keys = frozenset((w.region, w.side) for w in state.warnings)
        new = keys - self._previous_warning_keys
        self._previous_warning_keys = keys
        self._render(state)
        self._frame_rendered_at = time.monotonic()
        if new:
            for listener in self.warning_listeners:
                listener(item.captured_at, new)
        self.frame_shown.emit()

    def _follow(self, timestamp: float) -> None:
        # The session clock runs on the recording's time: it starts at 0 with the first frame.
        if self._frame_clock_origin is None:
            self._frame_clock_origin = timestamp - self.clock.now()
        target = timestamp - self._frame_clock_origin
        clock = self.clock
        assert isinstance(clock, ManualClock)  # start_session() gives one when following frame time
        if target > clock.now():
            clock.set(target)

    def _visible_camera(self, screen: str):
        if screen == "calibration":
            return self.calibration_screen.camera
        if screen == "movement":
            return self.movement_screen.camera
        return None

    # --- commands -------------------------------------------------------------------------------
    def _running_engine(self) -> SessionEngine | None:
        """The engine while a session is under way: the controls do nothing before or after one."""
        return self.engine if self.engine is not None and not self.engine.finished else None

    def toggle_pause(self) -> None:
        if (engine := self._running_engine()) is not None:
            if engine.state.paused:
                engine.resume()
            else:
                engine.pause()
            self._render()

    def skip(self) -> None:
        if (engine := self._running_engine()) is not None:
            engine.skip()
            self._render()

    def previous(self) -> None:
        if (engine := self._running_engine()) is not None:
            engine.previous()
            self._render()

    def repeat(self) -> None:
        if (engine := self._running_engine()) is not None:
            engine.repeat()
            self._render()

    def recalibrate(self) -> None:
        if (engine := self._running_engine()) is not None:
            engine.recalibrate()
            self._render()

    def toggle_mute(self) -> None:
        self.muted = not self.muted
        if self.speech is not None:
            self.speech.set_muted(self.muted or not self.settings.voice)
        self._update_mute_button()

    def _update_mute_button(self) -> None:
        self.mute_button.setText("Unmute voice" if self.muted else "Mute voice")

    # --- engine events and rendering ----------------------------------------------------------
    def _on_engine_event(self, event) -> None:
        if isinstance(event, WarningStarted):
            exercise = self.engine.state.exercise if self.engine is not None else None
            target = exercise.target if exercise is not None else None
            self._spoken_warnings.add(cues.warning_sentence(target, event.warning))
        elif isinstance(event, PhaseChanged) and event.phase in CHIME_PHASES:
            if self.feedback_plan().tone:
                self._show_feedback_status_once()
                self.feedback.chime(event.phase)
        if isinstance(event, SpeakRequest) and self.speech is not None and event.text:
            if event.priority == "warning" and event.text in self._spoken_warnings:
                self._spoken_warnings.discard(event.text)
                if not self.feedback_plan().voice_warnings:
                    return  # the patient chose the tone (or nothing) for warnings
            self.speech.say(event.text, interrupt=event.interrupt)

    # --- sound feedback -------------------------------------------------------------------------
    def _tone_armed(self, state: SessionState) -> bool:
        """The tone sounds while the engine's guards are armed, when the tone is chosen for this exercise."""
        return (state.guards_armed and self.engine is not None and self.engine.baseline is not None
                and state.exercise is not None and self.feedback_plan().tone)

    def _feed_tone(self, state: SessionState, captured_at: float) -> None:
        if not self._tone_armed(state):
            self.feedback.silence()
            return
        self._show_feedback_status_once()
        # The engine's own guard levels: how close each side is to a warning, before any warning starts.
        levels = dict(state.guard_levels)
        self.feedback.update(levels, stamp=captured_at)
        for listener in self.tone_listeners:
            listener(captured_at, levels)

    def _tick(self) -> None:
        if self.engine is None:
            return
        if not self.follow_frame_time:
            self.engine.tick()
        if time.monotonic() - self._frame_rendered_at < TICK_MS / 1000:
            return  # frames are arriving and each renders the screen: this tick has nothing new to show
        self._render()

    def _set_screen(self, name: str) -> None:
        if name != self._current_screen:
            self._current_screen = name
            self.stack.setCurrentWidget(self.screens[name])
            self.controls.setVisible(name not in ("home", "summary"))
            self._update_display_size()
            self.screen_changed.emit(name)

    def current_screen(self) -> str:
        return self._current_screen

    def _render(self, state: SessionState | None = None) -> None:
        if self.engine is None:
            return
        state = state or self.engine.state
        if not self._tone_armed(state):
            self.feedback.silence()  # a rest, a pause, another screen: the tone fades out at once
        if self.capture is not None and not self.follow_frame_time:
            # Inference only when the engine uses faces (calibration, movement): saves a core during
            # massage and relaxation.  The camera keeps running, so a lost camera is still noticed.
            self.capture.inference_enabled = state.needs_face
        note = self._camera_problem if self._camera_problem and state.screen in ("step",) else ""
        if note:
            note += " Movement exercises will ask what to do."
        controls = (note, round(state.progress * 100), state.paused, state.screen)
        if controls != self._controls_shown:  # the same for most frames: nine Qt calls saved 30 times a second
            self._controls_shown = controls
            self.status_note.setText(note)
            self.status_note.setVisible(bool(note))
            self.session_progress.setValue(controls[1])
            self.session_progress_text.setText(f"Routine {controls[1]}% done")
            self.pause_button.setText("Resume" if state.paused else "Pause")
            self.recalibrate_button.setVisible(state.screen == "movement")
            self.previous_button.setEnabled(state.screen in ("step", "movement"))
        position = f"Exercise {state.exercise_index + 1} of {state.exercise_total}"
        exercise = state.exercise
        if state.screen == "step" and exercise is not None:
            self._render_step(state, exercise, position)
        elif state.screen == "movement" and exercise is not None:
            self._render_movement(state, exercise, position)
        elif state.screen == "calibration":
            status = state.calibration
            if status is None:
                self.calibration_screen.show_status(0.0, None, "Look at the camera and let your face rest.")
            else:
                self.calibration_screen.show_status(status.progress, status.problem, status.message)
            self.calibration_screen.show_paused(state.paused)
        elif state.screen == "camera_missing":
            message = state.message or cues.CAMERA_MISSING
            if self._camera_problem:
                message = f"{self._camera_problem}\n\n{message}"
            current = self.settings.camera if not isinstance(self.source_override, str) else None
            self.camera_missing_screen.show_problem(message, current)
        elif state.screen == "summary" and state.summary is not None:
            if self._summary_shown is not state.summary:
                self._summary_shown = state.summary
                self.summary_screen.show_summary(state.summary)
                self.tick_timer.stop()
                self._stop_capture()
        self._set_screen(state.screen)

    def _render_step(self, state: SessionState, exercise, position: str) -> None:
        remaining = state.phase_seconds_remaining
        fraction = 0.0
        if state.phase_seconds and remaining is not None:
            fraction = 1.0 - remaining / state.phase_seconds
        counter = None
        if state.rep is not None and state.reps:
            counter = f"{state.rep} of {state.reps}"
        self.step_screen.show_step(
            title=exercise.title,
            position=position,
            illustration=exercise.illustration,
            step_number=(state.step_index or 0) + 1,
            step_count=state.step_count,
            instruction=state.step_text,
            remaining=remaining,
            counter=counter,
            fraction_done=fraction,
            paused=state.paused,
        )

    def _render_movement(self, state: SessionState, exercise, position: str) -> None:
        phase = state.phase
        remaining = state.phase_seconds_remaining
        if phase == "instruction":
            banner = "Get ready to practise"
            step = f"Step {(state.step_index or 0) + 1} of {state.step_count}: "
            instruction = step + state.step_text
        elif phase == "move":
            banner, instruction = cues.move_cue(exercise.target), ""
        else:
            banner, instruction = PHASE_BANNERS.get(phase, ""), ""
        countdown = ""
        if remaining is not None and phase in ("hold",):
            countdown = f"hold {max(1, math.ceil(remaining - 1e-9))}"
        elif remaining is not None and phase in ("get_ready", "move", "relax", "instruction"):
            countdown = f"{max(0, math.ceil(remaining - 1e-9))} s"
        rep = f"Repetition {state.rep} of {state.reps}" if state.rep and state.reps else ""
        warnings = cues.warning_lines(exercise.target, state.warnings)
        notice = None
        if state.paused:
            notice = "Paused. Press Space or the Resume button to continue."
        elif state.face_lost:
            notice = state.face_lost_reason or cues.FACE_LOST
            if phase == "hold":
                notice += " The hold timer waits for you."
        elif state.face_turned:
            notice = state.face_turned_reason or cues.FACE_TURNED
        levels = state.target_levels if phase in ("move", "hold") else {}
        if exercise.target is not None and phase in ("move", "hold"):
            levels = {side: levels.get(side, 0.0) for side in exercise.target.sides}
        self.movement_screen.show_movement(
            title=exercise.title,
            position=position,
            banner=banner,
            countdown=countdown,
            rep=rep,
            instruction=instruction,
            levels=levels,
            warnings=warnings,
            notice=notice,
        )
        self.movement_screen.camera.set_warned((w.region, w.side) for w in state.warnings)

