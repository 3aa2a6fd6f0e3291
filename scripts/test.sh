#!/usr/bin/env bash
# Install what the tests need (system packages, .venv, test extras) and run the whole suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k calibration
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest -q "$@"
