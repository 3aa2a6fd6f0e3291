#!/usr/bin/env bash
# Install RehabCoach into .venv (once) and open the app. Extra arguments go to `rehabcoach`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
exec .venv/bin/rehabcoach "$@"
