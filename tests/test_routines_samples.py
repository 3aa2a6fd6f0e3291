"""Small routine files shared by the routine and library-command tests (no tests here).

``write_library`` builds a library folder (exercises/, routines/, assets/) in a temporary folder;
tests then break one thing at a time and check the mistake reported.
"""

from __future__ import annotations

from pathlib import Path

GENTLE_SMILE = """\
kind: exercise
id: gentle-smile
title: Gentle smile
category: movement
description: A small, slow smile while the eyes stay soft and open.
illustration: assets/exercises/gentle-smile.svg
steps:
  - instruction: Sit comfortably and look at the screen.
    cue: Sit comfortably.
    seconds: 5
movement:
  reps: 5
  hold_seconds: 5
  rest_seconds: 4
  target:
    region: mouth
    measure: mouth_corner_excursion
    direction: increase
    achieved: 0.05
  guards:
    - region: eye
      measure: eye_aperture
      sides: both
      direction: decrease
      threshold: 0.25
    - region: brow
      measure: brow_height
      sides: left
      direction: either
      threshold: 0.2
      min_duration: 1.0
"""

CHEEK_STROKES = """\
kind: exercise
id: cheek-strokes
title: Cheek strokes
category: massage
description: Slow strokes from the nose towards the ears to loosen the cheek muscles.
illustration: assets/exercises/cheek-strokes.svg
steps:
  - instruction: Stroke from the side of the nose towards the ear.
    cue: Stroke towards your ears.
    reps: 10
  - instruction: Rest your hands.
    cue: Rest.
    seconds: 10
"""

MORNING = """\
kind: routine
id: morning
title: Morning routine
description: Loosen the cheeks, then practise a gentle smile.
items:
  - exercise: cheek-strokes
  - exercise: gentle-smile
    reps: 3
    thresholds:
      eye_aperture: 0.3
"""

FILES = {
    "exercises/movement/gentle-smile.yaml": GENTLE_SMILE,
    "exercises/massage/cheek-strokes.yaml": CHEEK_STROKES,
    "routines/morning.yaml": MORNING,
}


def write_library(root: Path, **replacements: str) -> Path:
    """Write the sample library under ``root``; ``replacements`` maps a file stem to new text."""
    for relative, text in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(replacements.get(path.stem, text), encoding="utf-8")
    assets = root / "assets" / "exercises"
    assets.mkdir(parents=True, exist_ok=True)
    for name in ("gentle-smile.svg", "cheek-strokes.svg"):
        (assets / name).write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    return root


def line_of(text: str, fragment: str) -> int:
    """1-based number of the first line of ``text`` containing ``fragment``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in text")
