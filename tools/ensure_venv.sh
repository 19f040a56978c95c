# Sourced by run_all.sh and run_tests.sh: makes the virtual environment on first use (or when its requirements
# file changed) and sets PY to its python.
#   default:      .venv from requirements.txt (TensorFlow's CPU build)
#   REPRO_GPU=1:  .venv-gpu from requirements-gpu.txt (the same TensorFlow version, its NVIDIA CUDA build)
# REPRO_VENV_PLAN=1 prints the folder and requirements file it would use, then stops without installing anything.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${REPRO_GPU:-0}" in
  0) REQ="requirements.txt"; VENV="$ROOT/.venv" ;;
  1) REQ="requirements-gpu.txt"; VENV="$ROOT/.venv-gpu" ;;
  *) echo "error: REPRO_GPU=${REPRO_GPU}: set REPRO_GPU=1 for TensorFlow's NVIDIA GPU build (requirements-gpu.txt)," \
          "or leave it unset (or 0) for the CPU build" >&2
     exit 2 ;;
esac
if [ -n "${REPRO_VENV_PLAN:-}" ]; then
  echo "$VENV from $REQ"
  exit 0
fi
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$ROOT/$REQ" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  # pip's own output (and any warnings of the machine's pip configuration) goes to a log, not the terminal;
  # on failure the log's end is shown with the way to retry
  LOG="$ROOT/venv-setup.log"
  echo "setting up $VENV from $REQ (first use; a few minutes; pip's output: $LOG)" >&2
  if ! { python3 -m venv "$VENV" && "$VENV/bin/python" -m pip install --upgrade pip \
         && "$VENV/bin/python" -m pip install -r "$ROOT/$REQ"; } > "$LOG" 2>&1; then
    tail -n 15 "$LOG" >&2
    echo "error: could not set up $VENV from $REQ (full pip output: $LOG); fix the cause shown" \
         "above (network, disk space, Python 3.11 with venv), then run the command again" >&2
    exit 1
  fi
  echo "$want" > "$STAMP"
fi
PY="$VENV/bin/python"
# offline MNIST: the IDX folder beside the checkout unless the user points elsewhere (REPRO_DATA_DIR= , set
# but empty, means no folder: MNIST is then downloaded once into its cache)
if [ -z "${REPRO_DATA_DIR+set}" ] && [ -d "$ROOT/../shared/data/mnist" ]; then
  export REPRO_DATA_DIR="$(cd "$ROOT/../shared/data/mnist" && pwd)"
fi
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
