#!/usr/bin/env bash
# Build the Linux bundle: build/dist/rehabcoach/ (one folder; start it with ./rehabcoach), check that it
# holds what it must and nothing it must not, and run its --self-test headless.
#
# Usage: packaging/build-linux.sh [--tar]
#   --tar        also pack build/dist/rehabcoach-<version>-linux-<arch>.tar.gz
# Environment: BUILD_DIR (default: build, git-ignored), PYTHON (default: .venv/bin/python).
# Idempotent: PyInstaller's cache in $BUILD_DIR/pyinstaller is reused, the bundle is built beside the
# old one and only replaces it once it has passed its checks.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
build="${BUILD_DIR:-build}"
python="${PYTHON:-.venv/bin/python}"
make_tar=0
# The bundle's OpenCV (see below); pip installs get opencv-contrib-python through mediapipe instead.
OPENCV_HEADLESS="opencv-python-headless==5.0.0.93"
for arg in "$@"; do
  case "$arg" in
    --tar) make_tar=1 ;;
    *) echo "build-linux: unknown option $arg (try --tar)" >&2; exit 2 ;;
  esac
done
if ! "$python" -c "import PyInstaller" 2>/dev/null; then
  echo "build-linux: PyInstaller is not installed; run: $python -m pip install -e '.[packaging]'" >&2
  exit 1
fi
mkdir -p "$build"
build="$(cd "$build" && pwd)"
partial="$build/dist.partial"
rm -rf "$partial"

# The bundle's one OpenCV: the headless build (same API, no Qt 5 and no X11 libraries for cv2.imshow,
# which the app never calls). pip gives the app opencv-contrib-python, through mediapipe; here the headless
# build is unpacked beside the build and put first on PYTHONPATH, so that PyInstaller, its hooks and the
# spec all import it instead. Downloaded once (pip's cache serves later builds).
headless_cv2="$build/opencv-headless/$OPENCV_HEADLESS"
if [ ! -d "$headless_cv2/cv2" ]; then
  wheels="$build/opencv-headless/wheels"
  "$python" -m pip download -q --no-deps --only-binary=:all: -d "$wheels" "$OPENCV_HEADLESS"
  rm -rf "$headless_cv2.partial"
  "$python" -m zipfile -e "$wheels"/opencv_python_headless-*.whl "$headless_cv2.partial"
  mv "$headless_cv2.partial" "$headless_cv2"
fi

started=$SECONDS
PYTHONPATH="$headless_cv2${PYTHONPATH:+:$PYTHONPATH}" "$python" -m PyInstaller --noconfirm --log-level WARN \
  --workpath "$build/pyinstaller" --distpath "$partial" packaging/rehabcoach.spec
bundle="$partial/rehabcoach"
# Symbol tables and debugging data (26 MB: Python's own library and modules, libmediapipe, kiwisolver,
# ...) out of the libraries that auditwheel did not rewrite; stripping those it did can break them.
"$python" packaging/lean_bundle.py strip "$bundle"

# Desktop integration, so a user who unpacks the bundle can add it to their menu with ./install.sh.
app_id=org.rehabcoach.RehabCoach
install -Dm644 "packaging/linux/$app_id.desktop" "$bundle/share/applications/$app_id.desktop"
install -Dm644 "packaging/linux/$app_id.metainfo.xml" "$bundle/share/metainfo/$app_id.metainfo.xml"
for size in 16 24 32 48 64 128 256 512; do
  install -Dm644 "assets/icons/rehabcoach-$size.png" "$bundle/share/icons/hicolor/${size}x${size}/apps/$app_id.png"
done
install -Dm644 assets/icons/rehabcoach.svg "$bundle/share/icons/hicolor/scalable/apps/$app_id.svg"
install -Dm755 packaging/linux/install.sh "$bundle/install.sh"
echo "build-linux: PyInstaller and desktop files took $((SECONDS - started)) s"

media_args=()
[ -d "$repo/../shared/media" ] && media_args=(--media "$repo/../shared/media")
"$python" packaging/check_bundle.py "$bundle" "${media_args[@]}"

# The self-test runs from an empty folder with a clean environment, so it can only find the model,
# library and assets inside the bundle, never in this checkout or the build venv.
selftest_home="$(mktemp -d)"
trap 'rm -rf "$selftest_home"' EXIT
(cd "$selftest_home" && env -i PATH=/usr/bin:/bin HOME="$selftest_home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
  "$bundle/rehabcoach" --self-test)

mkdir -p "$build/dist"
rm -rf "$build/dist/rehabcoach.old"
[ -d "$build/dist/rehabcoach" ] && mv "$build/dist/rehabcoach" "$build/dist/rehabcoach.old"
mv "$bundle" "$build/dist/rehabcoach"
rm -rf "$build/dist/rehabcoach.old" "$partial"
echo "build-linux: bundle ready: $build/dist/rehabcoach ($(du -sh "$build/dist/rehabcoach" | cut -f1)); start it with $build/dist/rehabcoach/rehabcoach"

if [ "$make_tar" = 1 ]; then
  version="$("$python" -c 'import sys; sys.path.insert(0, "."); import rehabcoach; print(rehabcoach.__version__)')"
  tarball="$build/dist/rehabcoach-$version-linux-$(uname -m).tar.gz"
  tar -C "$build/dist" -czf "$tarball.partial" rehabcoach
  mv "$tarball.partial" "$tarball"
  echo "build-linux: archive $tarball ($(du -h "$tarball" | cut -f1))"
fi
