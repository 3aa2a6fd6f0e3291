"""Errors that are the user's to fix, reported as one clear message (never a traceback)."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in the user's input: a missing file, a bad value, an unknown id.

    The command-line front end prints ``str(error)`` and exits with ``exit_code``.
    """

    exit_code = 1

    def __init__(self, message: str, *, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ModelNotFoundError(UserError):
    """No FaceLandmarker model file could be found."""
