"""Pack PNG renderings of the app icon into a macOS .icns file.

ImageMagick cannot write .icns and iconutil only exists on macOS, but the format is simple:
the magic ``icns`` and the total length, then one ``(type, length, PNG bytes)`` chunk per size.
Usage: python make_icns.py OUT.icns DIR   (DIR holds rehabcoach-<size>.png)
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

# ICNS chunk types that hold PNG data, and the pixel size each one expects.
CHUNKS = [
    ("icp4", 16),
    ("icp5", 32),
    ("icp6", 64),
    ("ic07", 128),
    ("ic08", 256),
    ("ic09", 512),
    ("ic11", 32),  # 16 pt at 2x
    ("ic12", 64),  # 32 pt at 2x
    ("ic13", 256),  # 128 pt at 2x
    ("ic14", 512),  # 256 pt at 2x
]


def build_icns(png_dir: Path) -> bytes:
    body = b""
    for kind, size in CHUNKS:
        data = (png_dir / f"rehabcoach-{size}.png").read_bytes()
        body += kind.encode("ascii") + struct.pack(">I", len(data) + 8) + data
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    out, png_dir = Path(argv[0]), Path(argv[1])
    tmp = out.with_suffix(".icns.tmp")
    tmp.write_bytes(build_icns(png_dir))
    tmp.replace(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
