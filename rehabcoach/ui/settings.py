"""The app's persistent preferences (QSettings), with their defaults and limits in one place."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from PySide6.QtCore import QSettings

from rehabcoach.feedback.modes import FEEDBACK_CHOICES
from rehabcoach.vision.catalogue import SIDES, Side

ORGANIZATION = "RehabCoach"
APPLICATION = "RehabCoach"

TEXT_SIZE_RANGE = (16, 40)  # points; instructions are never smaller than 16 pt
SPEECH_RATE_RANGE = (90, 220)  # words per minute
AFFECTED_SIDES = ("none", "left", "right")
VOLUME_RANGE = (0, 100)
# Remembered per patient profile when one is active (several people practise on one computer).
PER_PROFILE = ("warning_feedback", "tone_volume", "hide_camera")


@dataclass(frozen=True)
class AppSettings:
    camera: int = 0
    voice: bool = True
    speech_rate: int = 150
    affected_side: str = "none"  # the patient's own side; "none" when not set
    text_size: int = 20
    high_contrast: bool = False
    warning_feedback: str = "auto"  # see feedback.modes: tone when the eyes are closed, voice always
    tone_volume: int = 60
    hide_camera: bool = False  # the "feel it" view
    first_run_done: bool = False

    def clamped(self) -> "AppSettings":
        """Values pulled back into range: a hand-edited settings file must not break the app."""
        return replace(
            self,
            camera=max(0, min(int(self.camera), 15)),
            speech_rate=max(SPEECH_RATE_RANGE[0], min(int(self.speech_rate), SPEECH_RATE_RANGE[1])),
            affected_side=self.affected_side if self.affected_side in AFFECTED_SIDES else "none",
            text_size=max(TEXT_SIZE_RANGE[0], min(int(self.text_size), TEXT_SIZE_RANGE[1])),
            warning_feedback=self.warning_feedback if self.warning_feedback in FEEDBACK_CHOICES else "auto",
            tone_volume=max(VOLUME_RANGE[0], min(int(self.tone_volume), VOLUME_RANGE[1])),
        )

    @property
    def affected_side_or_none(self) -> Side | None:
        # clamped() keeps affected_side to "none" or a side; the loop gives the side its type.
        for side in SIDES:
            if self.affected_side == side:
                return side
        return None


def open_app_settings(path: str | os.PathLike | None = None) -> QSettings:
    """The app's settings (QSettings): in the platform's usual place, or in an INI file (tests, portable use)."""
    if path is not None:
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings(ORGANIZATION, APPLICATION)


def _coerce(value, default):
    # QSettings returns strings from INI files and native types from other back ends.
    if isinstance(default, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if isinstance(default, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            return default
    return str(value)


def profile_group(profile_name: str) -> str:
    """The settings group of one profile: a digest of its name (names may hold any character)."""
    key = " ".join(profile_name.split()).casefold()
    return "profile-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def load_settings(store: QSettings, profile_name: str | None = None) -> AppSettings:
    """The settings; with a profile, its own feedback choices (else the computer's)."""
    defaults = AppSettings()
    values = {}
    for f in fields(AppSettings):
        default = getattr(defaults, f.name)
        values[f.name] = _coerce(store.value(f.name, default), default)
    if profile_name:
        store.beginGroup(profile_group(profile_name))
        try:
            for name in PER_PROFILE:
                values[name] = _coerce(store.value(name, values[name]), getattr(defaults, name))
        finally:
            store.endGroup()
    return AppSettings(**values).clamped()


def save_settings(store: QSettings, settings: AppSettings, profile_name: str | None = None) -> None:
    """The settings; with a profile, its feedback choices go to the profile's own group."""
    # The affected side is health information: the file is private to the user from its first byte
    # (created 0600 here, before Qt writes it; Qt's atomic save keeps an existing file's permissions).
    _prepare_private_file(store.fileName())
    for f in fields(AppSettings):
        if profile_name and f.name in PER_PROFILE:
            continue
        store.setValue(f.name, getattr(settings, f.name))
    if profile_name:
        store.beginGroup(profile_group(profile_name))
        for name in PER_PROFILE:
            store.setValue(name, getattr(settings, name))
        store.endGroup()
    previous = os.umask(0o077)  # anything Qt creates while saving (its temporary file) is private too
    try:
        store.sync()
    finally:
        os.umask(previous)
    file_name = store.fileName()
    if file_name and Path(file_name).is_file():
        try:
            os.chmod(file_name, 0o600)
        except OSError:
            pass


def _prepare_private_file(file_name: str) -> None:
    """Create the settings file empty and 0600 (its folder 0700 when created here), or tighten it."""
    if not file_name or not os.path.isabs(file_name):  # not a file (e.g. the Windows registry)
        return
    path = Path(file_name)
    try:
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
    except OSError:
        pass  # Qt reports a settings file it cannot write (store.status()); the app keeps working
