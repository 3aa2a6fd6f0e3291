#!/usr/bin/env bash
# Render the app icon (assets/icons/rehabcoach.svg, and rehabcoach-small.svg for 16-24 px) to the PNG
# sizes the desktops want, a Windows .ico and a macOS .icns. The results are committed, so this only
# needs running after the SVG changes. Needs rsvg-convert (apt-get install librsvg2-bin) and ImageMagick:
# ImageMagick's own SVG renderer gets gradients and paths wrong, so it only packs the .ico.
set -euo pipefail
cd "$(dirname "$0")/.."
icons=assets/icons
command -v rsvg-convert >/dev/null || { echo "render-icons: needs rsvg-convert (apt-get install librsvg2-bin)" >&2; exit 1; }
for size in 16 24 32 48 64 128 256 512; do
  svg="$icons/rehabcoach.svg"
  [ "$size" -le 24 ] && svg="$icons/rehabcoach-small.svg"
  rsvg-convert -w "$size" -h "$size" "$svg" -o "$icons/rehabcoach-$size.png.tmp"
  mv "$icons/rehabcoach-$size.png.tmp" "$icons/rehabcoach-$size.png"
done
# Windows: one .ico with every size Explorer asks for (256 is stored as PNG inside the .ico).
convert "$icons"/rehabcoach-{16,24,32,48,64,128,256}.png "ico:$icons/rehabcoach.ico.tmp"
mv "$icons/rehabcoach.ico.tmp" "$icons/rehabcoach.ico"
python3 packaging/make_icns.py "$icons/rehabcoach.icns" "$icons"
ls -l "$icons"
