#!/usr/bin/env bash
# The test command: creates .venv on first use, then runs the whole suite (smoke profiles, real MNIST slices).
set -euo pipefail
cd "$(dirname "$0")"
source tools/ensure_venv.sh
"$PY" -m pytest -q --durations=20 tests "$@"  # the 20 slowest listed: the suite should stay under ~15 min
