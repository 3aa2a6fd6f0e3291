"""Check a built bundle: what it must hold, what it must not, and how big it is.

Usage: python packaging/check_bundle.py BUNDLE_DIR [--media DIR]
Prints the size and the largest parts; exits 1 (with one line per problem) when a required file is
missing or a build leftover / recording slipped in. ``--media`` names the folder of test recordings
whose files must not appear in the bundle (by name or by content).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

DATA_DIR = "_internal"  # PyInstaller 6 keeps everything but the executables here (sys._MEIPASS)
REQUIRED = [
    f"{DATA_DIR}/rehabcoach/models/face_landmarker.task",
    f"{DATA_DIR}/rehabcoach/models/face_landmarker.LICENSE.txt",  # Apache-2.0 asks for the licence text
    f"{DATA_DIR}/exercises",
    f"{DATA_DIR}/assets/icons/rehabcoach.svg",
    f"{DATA_DIR}/mediapipe/tasks/c/libmediapipe.*",  # .so, .dll or .dylib: loaded through ctypes
]
# Folders and files that only exist in a work tree or a build, never in something we ship.
LEFTOVER_DIRS = {".git", ".pytest_cache", "__pycache__", ".venv", "test-artifacts", ".mypy_cache", "tests"}
LEFTOVER_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".pyc.tmp", ".orig", ".rej", ".swp"}
LIBRARY_PARTS = {(DATA_DIR, "exercises"), (DATA_DIR, "routines"), (DATA_DIR, "assets")}
VIDEO_AND_IMAGE_SUFFIXES = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".jpg", ".jpeg", ".png"}


def bundle_size(bundle: Path) -> tuple[int, int]:
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def largest_parts(bundle: Path, count: int = 12) -> list[tuple[int, str]]:
    """Sizes of the top-level items of the data folder (one level down for site-packages-like folders)."""
    root = bundle / DATA_DIR if (bundle / DATA_DIR).is_dir() else bundle
    parts = []
    for item in root.iterdir():
        if item.is_dir():
            size = sum(p.stat().st_size for p in item.rglob("*") if p.is_file() and not p.is_symlink())
        elif item.is_symlink():
            continue
        else:
            size = item.stat().st_size
        parts.append((size, item.name))
    return sorted(parts, reverse=True)[:count]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def problems(bundle: Path, media: Path | None = None) -> list[str]:
    found = []
    if not (bundle / "rehabcoach").is_file() and not (bundle / "rehabcoach.exe").is_file():
        found.append(f"{bundle}: no rehabcoach executable")
    for rel in REQUIRED:
        if not list(bundle.glob(rel)):
            found.append(f"{bundle / rel}: missing")
    # One OpenCV (two would fight over cv2/), and no Qt 5 beside PySide6's Qt 6 (the GUI builds of OpenCV
    # carry it for cv2.imshow, which the app never calls).
    opencv_libs = sorted(p.name for p in bundle.glob(f"{DATA_DIR}/opencv_*.libs"))
    if len(opencv_libs) > 1:
        found.append(f"more than one OpenCV: {', '.join(opencv_libs)}")
    found += [f"{p.relative_to(bundle)}: Qt 5 (cv2's GUI) in the bundle" for p in bundle.rglob("libQt5*")]
    for path in bundle.rglob("*"):
        rel = path.relative_to(bundle)
        if path.is_symlink() and not path.exists():
            found.append(f"{rel}: a link to a file that is not in the bundle")
        elif path.is_dir() and path.name in LEFTOVER_DIRS:
            found.append(f"{rel}: build or test leftover folder")
        elif path.is_file() and path.suffix.lower() in LEFTOVER_SUFFIXES:
            found.append(f"{rel}: build leftover or recording")
        elif path.is_file() and path.suffix == ".py" and rel.parts[:2] in LIBRARY_PARTS:
            found.append(f"{rel}: code in the exercise library (a tool that makes it?)")
    if media is not None and media.is_dir():
        recordings = [p for p in media.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_AND_IMAGE_SUFFIXES]
        names = {p.name for p in recordings}
        digests = {_sha256(p) for p in recordings if p.stat().st_size < 50_000_000}
        for path in bundle.rglob("*"):
            if path.is_file() and path.suffix.lower() in VIDEO_AND_IMAGE_SUFFIXES:
                if path.name in names or _sha256(path) in digests:
                    found.append(f"{path.relative_to(bundle)}: a test recording from {media}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="check_bundle.py", description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--media", type=Path, help="folder of test recordings that must not be in the bundle")
    args = parser.parse_args(argv)
    if not args.bundle.is_dir():
        print(f"check_bundle: {args.bundle} is not a folder", file=sys.stderr)
        return 1
    size, files = bundle_size(args.bundle)
    print(f"bundle {args.bundle}: {size / 1e6:.1f} MB in {files} files")
    for part_size, name in largest_parts(args.bundle):
        print(f"  {part_size / 1e6:8.1f} MB  {name}")
    found = problems(args.bundle, args.media)
    for line in found:
        print(f"check_bundle: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
