"""Environment fixes that must happen once, before the QApplication exists."""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

PLUGIN_PATH_VARIABLE = "QT_QPA_PLATFORM_PLUGIN_PATH"


def _cv2_package_dir() -> Path | None:
    import importlib.util

    # find_spec does not import cv2, so this check cannot itself set the variable.
    spec = importlib.util.find_spec("cv2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def drop_opencv_qt_plugin_path(environ: MutableMapping[str, str] | None = None, cv2_dir: Path | None = None) -> bool:
    """Remove QT_QPA_PLATFORM_PLUGIN_PATH when it points inside the cv2 package.

    Importing opencv-contrib-python (a GUI build bundling Qt5) points Qt at its Qt5 platform plugins,
    which PySide6 (Qt6) cannot load on some machines.  A path the user set elsewhere is left alone.
    Returns True when the variable was removed.
    """
    environ = os.environ if environ is None else environ
    value = environ.get(PLUGIN_PATH_VARIABLE)
    if not value:
        return False
    cv2_dir = cv2_dir or _cv2_package_dir()
    if cv2_dir is None:
        return False
    try:
        inside = Path(value).resolve().is_relative_to(cv2_dir)
    except OSError:
        return False
    if inside:
        del environ[PLUGIN_PATH_VARIABLE]
    return inside
