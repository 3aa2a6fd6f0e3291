"""Keeping native libraries' console chatter away from patients and therapists.

MediaPipe and OpenCV's FFmpeg write INFO/WARNING lines straight to file descriptor 2 ("Feedback manager
requires a model ...", "moov atom not found"), ignoring GLOG_minloglevel set from Python.  They mean
nothing to our users, and every real problem reaches us as a Python exception or a failed call that we
turn into a clear message.  Set REHABCOACH_DEBUG=1 to see them.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def native_stderr_silenced():
    """Point fd 2 at /dev/null for the duration (Python-level errors are raised, not printed, meanwhile)."""
    if os.environ.get("REHABCOACH_DEBUG"):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (e.g. a windowed app): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
