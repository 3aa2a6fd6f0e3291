#!/usr/bin/env bash
# Wrap a built Linux bundle into a Debian package, offline, with Debian's own dpkg-deb:
#   /usr/lib/rehabcoach/         the bundle (program, Python, libraries, library, face model)
#   /usr/bin/rehabcoach          -> ../lib/rehabcoach/rehabcoach
#   /usr/share/applications/, /usr/share/icons/hicolor/, /usr/share/metainfo/   menu entry, icons, AppStream
#   /usr/share/doc/rehabcoach/   copyright (GPL-3+, and Apache-2.0 for the face model), changelog
# Users install it with `sudo apt install ./rehabcoach_VERSION_amd64.deb` (or a double-click in their
# software centre) and remove it with `sudo apt remove rehabcoach`; their records in ~/.local/share/rehabcoach
# and settings in ~/.config are theirs and stay.
#
# Usage: packaging/build-deb.sh [BUNDLE_DIR [OUT_DIR]]   (default: build/dist/rehabcoach, build/dist)
# Environment: DEB_COMPRESSION (xz, the default, is smallest; gzip builds several times faster).
set -euo pipefail
cd "$(dirname "$0")/.."
bundle="$(cd "${1:-build/dist/rehabcoach}" && pwd)"
out="${2:-build/dist}"
compression="${DEB_COMPRESSION:-xz}"
app_id=org.rehabcoach.RehabCoach
[ -x "$bundle/rehabcoach" ] || { echo "build-deb: $bundle holds no rehabcoach program (run packaging/build-linux.sh)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "build-deb: dpkg-deb is missing (apt-get install dpkg)" >&2; exit 1; }

version="$("$bundle/rehabcoach" --version | awk '{print $2}')"
arch="$(dpkg --print-architecture)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
root="$(mktemp -d "$out/deb-root.XXXXXX")"
trap 'rm -rf "$root"' EXIT

# The bundle, without what only a per-user unpacked copy needs (its own menu installer; share/ goes below).
mkdir -p "$root/usr/lib/rehabcoach"
cp -a "$bundle/." "$root/usr/lib/rehabcoach/"
rm -rf "$root/usr/lib/rehabcoach/share" "$root/usr/lib/rehabcoach/install.sh"
# Shared libraries need no execute bit (lintian: shared-library-is-executable); programs keep theirs.
find "$root/usr/lib/rehabcoach" -type f -name "*.so*" -exec chmod 644 {} +
mkdir -p "$root/usr/bin" "$root/usr/share"
ln -s ../lib/rehabcoach/rehabcoach "$root/usr/bin/rehabcoach"  # relative, as Debian policy asks
install -d "$root/usr/share/man/man1"
gzip -9n < packaging/linux/rehabcoach.1 > "$root/usr/share/man/man1/rehabcoach.1.gz"

# Desktop integration in the standard places: the bundle's share/ (menu entry, AppStream metainfo, icons,
# laid out by build-linux.sh) becomes /usr/share/. dpkg's triggers refresh the menu and icon caches.
[ -f "$bundle/share/applications/$app_id.desktop" ] || { echo "build-deb: $bundle/share lacks the menu entry" >&2; exit 1; }
cp -a "$bundle/share/." "$root/usr/share/"

doc="$root/usr/share/doc/rehabcoach"
install -d "$doc"
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: RehabCoach"
  echo
  echo "Files: *"
  echo "Copyright: 2026 The RehabCoach developers"
  echo "License: GPL-3+"
  echo " On Debian systems the full text is in /usr/share/common-licenses/GPL-3."
  echo
  echo "Files: usr/lib/rehabcoach/_internal/rehabcoach/models/face_landmarker.task"
  echo "Copyright: 2023 Google LLC (MediaPipe Face Landmarker)"
  echo "License: Apache-2.0"
  echo " On Debian systems the full text is in /usr/share/common-licenses/Apache-2.0;"
  echo " /usr/lib/rehabcoach/_internal/rehabcoach/models/face_landmarker.LICENSE.txt says where the file comes from."
  echo
  echo "Files: usr/lib/rehabcoach/_internal/*"
  echo "Copyright: the authors of each bundled package (Python, Qt/PySide6, OpenCV, MediaPipe, NumPy, ...)"
  echo "License: various free licences"
  echo " Each package's licence files are inside its folder or its *.dist-info folder."
} > "$doc/copyright"
printf 'rehabcoach (%s) unstable; urgency=medium\n\n  * Release %s: see the project'"'"'s README.\n\n -- The RehabCoach developers <packaging@rehabcoach.org>  %s\n' \
  "$version" "$version" "$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")" | gzip -9n > "$doc/changelog.gz"
chmod 644 "$doc/copyright" "$doc/changelog.gz"

install -d "$root/DEBIAN"
installed_size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
cat > "$root/DEBIAN/control" <<EOF
Package: rehabcoach
Version: $version
Architecture: $arch
Maintainer: The RehabCoach developers <packaging@rehabcoach.org>
Installed-Size: $installed_size
Depends: libc6 (>= 2.36), libegl1, libgl1, libfontconfig1, libxkbcommon0, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libportaudio2
Recommends: espeak-ng, alsa-utils
Section: science
Priority: optional
Description: coach for facial rehabilitation after facial palsy
 RehabCoach steps you through massage, relaxation and movement-retraining
 routines, speaks each cue, watches your face through the webcam and warns
 live, per side, when an unwanted eye or mouth movement appears
 (synkinesis). Everything stays on your computer.
 .
 It supports your therapy; it does not diagnose. Stop an exercise if it
 hurts, and talk to your therapist.
EOF

deb="$out/rehabcoach_${version}_${arch}.deb"
chmod -R u+rwX,go+rX,go-w "$root"
dpkg-deb --root-owner-group -Z"$compression" --build "$root" "$deb.partial" >/dev/null
mv "$deb.partial" "$deb"
echo "build-deb: $deb ($(du -h "$deb" | cut -f1), installs $((installed_size / 1024)) MiB)"
