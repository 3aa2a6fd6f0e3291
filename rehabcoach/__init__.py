"""RehabCoach: a desktop coach for facial rehabilitation.

The package is split into a Qt-free core (routines, vision, coaching, analysis, records)
and a thin Qt shell (``rehabcoach.ui``).  Nothing outside ``rehabcoach.ui`` may import Qt.
"""

__version__ = "0.1.0"

DISCLAIMER = (
    "RehabCoach supports your therapy; it does not diagnose. "
    "Stop an exercise if it hurts, and talk to your therapist."
)
