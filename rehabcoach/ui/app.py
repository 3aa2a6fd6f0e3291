"""Start the desktop app: environment fix, QApplication, the main window."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rehabcoach.errors import UserError
from rehabcoach.resources import resource_path
from rehabcoach.ui.qt_env import drop_opencv_qt_plugin_path

if TYPE_CHECKING:  # Qt is imported at run time only after prepare_environment()
    from PySide6.QtWidgets import QApplication


def prepare_environment() -> None:
    """The one place that fixes the environment before Qt starts (see qt_env)."""
    drop_opencv_qt_plugin_path()


def create_application(argv: list[str] | None = None) -> QApplication:
    prepare_environment()
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if existing is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    else:
        # The window needs a GUI application; a bare QCoreApplication already running cannot become one.
        assert isinstance(existing, QApplication), "a QCoreApplication is running, the window needs a QApplication"
        app = existing
    app.setApplicationName("RehabCoach")
    app.setOrganizationName("RehabCoach")
    app.setApplicationDisplayName("RehabCoach")
    # Matches packaging/linux/org.rehabcoach.RehabCoach.desktop, so desktops group the window under its entry.
    app.setDesktopFileName("org.rehabcoach.RehabCoach")
    icon = resource_path("library") / "assets" / "icons" / "rehabcoach.svg"
    if icon.is_file():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))
    return app


PREFERRED_SIZE = (1280, 860)


def initial_size(available_w: int, available_h: int, preferred=PREFERRED_SIZE) -> tuple[int, int]:
    """The first window size on a screen with this much room (less its panels): the preferred size
    when it fits, else the room there is (a 1366x768 laptop), and on a large screen (4K) a larger
    window, about two thirds of it, so the picture is not a postage stamp."""
    pref_w, pref_h = preferred
    width = max(min(pref_w, available_w), round(available_w * 0.66))
    height = max(min(pref_h, available_h), round(available_h * 0.75))
    return min(width, available_w), min(height, available_h)


def fit_to_screen(window) -> None:
    screen = window.screen()
    if screen is None:
        window.resize(*PREFERRED_SIZE)
        return
    room = screen.availableGeometry()
    # The title bar and frame are outside the size given to resize(): leave them some room.
    window.resize(*initial_size(room.width() - 16, room.height() - 40))
    if room.width() < PREFERRED_SIZE[0] or room.height() < PREFERRED_SIZE[1]:
        window.move(room.topLeft())


def source_from_args(camera: int | None, source: str | None):
    """The frame source the user asked for: a recording path, a camera index, or None (settings)."""
    if camera is not None and source is not None:
        raise UserError("give either --camera or --source, not both")
    if source is not None:
        path = Path(source).expanduser()
        if not path.exists():
            raise UserError(f"--source: no such file or folder: {path}")
        return str(path)
    if camera is not None:
        if camera < 0:
            raise UserError(f"--camera: a camera number is 0 or more, not {camera}")
        return camera
    return None


def run_app(args) -> int:
    """Open the main window; ``args`` carries --camera, --source, --routine and --settings."""
    from rehabcoach.routines.loader import load_library

    source = source_from_args(getattr(args, "camera", None), getattr(args, "source", None))
    library = load_library()
    routine_id = getattr(args, "routine", None)
    if routine_id:
        library.routine(routine_id)  # an unknown id is a UserError with a hint, before any window opens

    app = create_application()
    from rehabcoach.practice import PracticeService
    from rehabcoach.ui.main_window import MainWindow
    from rehabcoach.ui.settings import open_app_settings

    # Records that cannot be opened leave the app usable: unrecorded, and the status bar says why.
    practice = PracticeService.open(library, getattr(args, "database", None))
    window = MainWindow(
        library,
        open_app_settings(getattr(args, "settings", None)),
        source=source,
        loop_source=not getattr(args, "no_loop", False),
        practice=practice,
    )
    fit_to_screen(window)
    from rehabcoach.ui import before_you_start

    before_you_start.add_menu_action(window)
    from rehabcoach.ui import level_suggestion

    level_suggestion.install(window)  # after a recorded session: "ready for the next level?"
    window.show()
    if not routine_id:
        window.maybe_show_first_run()
        if window.patient_menu is not None:
            window.patient_menu.choose_at_start()
        before_you_start.show_if_unread(window)  # before the first session: who it is for, what to avoid
    if routine_id:
        window.start_routine(routine_id)
    try:
        return app.exec()
    finally:
        if window.speech is not None:
            window.speech.close()
        window.feedback.close()
