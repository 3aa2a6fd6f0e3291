"""The real recordings in ../shared/media: used by path, never copied; tests skip when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

MEDIA = Path(__file__).resolve().parents[1].parent / "shared" / "media"


def recording(name: str) -> Path:
    path = MEDIA / name
    if not path.is_file():
        pytest.skip(f"recording {name} not found in {MEDIA} (the shared media folder is absent)")
    return path
