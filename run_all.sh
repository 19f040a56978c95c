#!/usr/bin/env bash
# Regenerates results/ (figures, tables, REPORT.md, verification.json): trains the default profile
# (quick; PROFILE=paper for the papers' settings) of every experiment in paper_configs/, evaluates it,
# then draws the figures and writes the report; ends with a table of what happened to each experiment.
# Finished runs are kept in runs/ and not retrained; a killed run resumes where it stopped.
# Exit status: 0 when everything that can run here ran, 1 when something failed (a dataset that could
# not be fetched, a training or evaluation error) -- after all the others have run.
# Options by environment: PROFILE, ONLY / SKIP (comma-separated experiment names), RUNS_DIR, RESULTS_DIR;
# data: REPRO_DATA_DIR (offline MNIST folder), REPRO_MNIST_CACHE (where downloaded MNIST is kept).
# REPRO_GPU=1: TensorFlow's NVIDIA GPU build, in .venv-gpu (docs/install.md); default the CPU build in .venv.
set -euo pipefail
cd "$(dirname "$0")"
source tools/ensure_venv.sh
exec "$PY" tools/run_all.py
