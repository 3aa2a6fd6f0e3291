"""The one environment fix before QApplication: drop OpenCV's Qt5 plugin path."""

import os
from pathlib import Path

from rehabcoach.ui.qt_env import PLUGIN_PATH_VARIABLE, drop_opencv_qt_plugin_path


def test_real_cv2_import_sets_a_path_that_is_removed():
    import cv2

    # Importing cv2 (already imported or not) must leave a path we recognise, or none at all.
    env = {PLUGIN_PATH_VARIABLE: str(Path(cv2.__file__).parent / "qt" / "plugins")}
    assert drop_opencv_qt_plugin_path(env) is True
    assert PLUGIN_PATH_VARIABLE not in env


def test_a_path_set_by_the_user_elsewhere_is_kept(tmp_path):
    env = {PLUGIN_PATH_VARIABLE: str(tmp_path / "my-plugins")}
    assert drop_opencv_qt_plugin_path(env, cv2_dir=tmp_path / "site-packages" / "cv2") is False
    assert env[PLUGIN_PATH_VARIABLE] == str(tmp_path / "my-plugins")


def test_nothing_to_do_without_the_variable(tmp_path):
    env = {}
    assert drop_opencv_qt_plugin_path(env, cv2_dir=tmp_path) is False
    assert env == {}


def test_the_app_start_up_removes_it(monkeypatch):
    import cv2

    from rehabcoach.ui import app

    monkeypatch.setenv(PLUGIN_PATH_VARIABLE, os.path.join(os.path.dirname(cv2.__file__), "qt", "plugins"))
    app.prepare_environment()
    assert PLUGIN_PATH_VARIABLE not in os.environ
