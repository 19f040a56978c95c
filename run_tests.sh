#!/usr/bin/env bash
# The test command: creates .venv on first use, then runs the whole suite (smoke profiles, real MNIST slices).
# REPRO_GPU=1 runs it with TensorFlow's NVIDIA GPU build (.venv-gpu from requirements-gpu.txt).
set -euo pipefail
cd "$(dirname "$0")"
source tools/ensure_venv.sh
# one worker per core (pytest-xdist; a test file stays on one worker, so its module fixtures are made once;
# TEST_WORKERS=0 runs everything in this process), each worker with its share of the cores
# for TensorFlow (tests/conftest.py); files handed out longest first, in the order tests/conftest.py sets
# (--no-loadscope-reorder: not by their number of tests); the 20 slowest tests listed: the suite should stay
# under 10 minutes on 2 cores
"$PY" -m pytest -q -n "${TEST_WORKERS:-$(nproc)}" --dist loadfile --no-loadscope-reorder --durations=20 tests "$@"
