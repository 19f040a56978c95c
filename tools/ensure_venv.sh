# Sourced by run_all.sh and run_tests.sh: makes .venv from requirements.txt on first use (or when
# requirements.txt changed) and sets PY to its python.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  # pip's own output (and any warnings of the machine's pip configuration) goes to a log, not the terminal;
  # on failure the log's end is shown with the way to retry
  LOG="$ROOT/venv-setup.log"
  echo "setting up $VENV from requirements.txt (first use; a few minutes; pip's output: $LOG)" >&2
  if ! { python3 -m venv "$VENV" && "$VENV/bin/python" -m pip install --upgrade pip \
         && "$VENV/bin/python" -m pip install -r "$ROOT/requirements.txt"; } > "$LOG" 2>&1; then
    tail -n 15 "$LOG" >&2
    echo "error: could not set up $VENV from requirements.txt (full pip output: $LOG); fix the cause shown" \
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
