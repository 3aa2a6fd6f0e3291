#!/usr/bin/env bash
# Every Linux release file in one command: what .github/workflows/release.yml's Linux job runs, and what
# tests/test_packaging_bundle.py runs in every test run (so the Linux path of the workflow runs here).
#   1. the wheel and the sdist (python -m build: the sdist first, then the wheel built from it), twine check;
#   2. the bundle (packaging/build-linux.sh: build, checks, self-test; --tar also packs it);
#   3. the .deb wrapped around that bundle (packaging/build-deb.sh).
# Usage: packaging/release-linux.sh [--tar]
# Environment: BUILD_DIR (default: build), PYTHON (default: .venv/bin/python), DEB_COMPRESSION.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
python="${PYTHON:-.venv/bin/python}"
mkdir -p "$build/dist"
build="$(cd "$build" && pwd)"
version="$("$python" -c 'import sys; sys.path.insert(0, "."); import rehabcoach; print(rehabcoach.__version__)')"

"$python" -m build --no-isolation --outdir "$build/dist" .
"$python" -m twine check --strict "$build/dist/rehabcoach-$version-py3-none-any.whl" "$build/dist/rehabcoach-$version.tar.gz"
BUILD_DIR="$build" PYTHON="$python" packaging/build-linux.sh "$@"
packaging/build-deb.sh "$build/dist/rehabcoach" "$build/dist"
echo "release-linux: release files in $build/dist:"
for file in "$build"/dist/*.whl "$build"/dist/*.tar.gz "$build"/dist/*.deb; do
  [ -f "$file" ] && echo "  $(du -h "$file" | cut -f1)  $(basename "$file")"
done
