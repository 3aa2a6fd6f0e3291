#!/usr/bin/env bash
# Add this RehabCoach bundle to your application menu (for you only; no root needed).
# Usage: ./install.sh [--uninstall]     PREFIX defaults to ~/.local
# The bundle stays where it is: move it first if you want it elsewhere, then run this again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${PREFIX:-$HOME/.local}"
app_id=org.rehabcoach.RehabCoach
targets=("$prefix/bin/rehabcoach" "$prefix/share/applications/$app_id.desktop" "$prefix/share/metainfo/$app_id.metainfo.xml")
for icon in "$here"/share/icons/hicolor/*/apps/*; do
  targets+=("$prefix/${icon#"$here"/}")
done
if [ "${1:-}" = --uninstall ]; then
  rm -f "${targets[@]}"
  echo "RehabCoach removed from the menu (the bundle itself is untouched)."
  exit 0
fi
mkdir -p "$prefix/bin"
ln -sfn "$here/rehabcoach" "$prefix/bin/rehabcoach"
for icon in "$here"/share/icons/hicolor/*/apps/*; do
  install -Dm644 "$icon" "$prefix/${icon#"$here"/}"
done
install -Dm644 "$here/share/metainfo/$app_id.metainfo.xml" "$prefix/share/metainfo/$app_id.metainfo.xml"
# Point the menu entry at this bundle's executable (the menu may not have ~/.local/bin on its PATH).
mkdir -p "$prefix/share/applications"
sed "s|^Exec=.*|Exec=\"$here/rehabcoach\"|" "$here/share/applications/$app_id.desktop" \
  > "$prefix/share/applications/$app_id.desktop.tmp"
mv "$prefix/share/applications/$app_id.desktop.tmp" "$prefix/share/applications/$app_id.desktop"
# Refresh the menu and icon caches where those tools exist; a failure there must not fail the install.
if command -v update-desktop-database >/dev/null; then update-desktop-database -q "$prefix/share/applications" || true; fi
if command -v gtk-update-icon-cache >/dev/null; then gtk-update-icon-cache -q -t "$prefix/share/icons/hicolor" || true; fi
echo "RehabCoach added to your application menu; run it from a terminal with: $prefix/bin/rehabcoach"
