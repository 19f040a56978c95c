# Sourced by run_all.sh and run_tests.sh: makes .venv from requirements.txt on first use (or when
# requirements.txt changed) and sets PY to its python.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "setting up $VENV from requirements.txt (first use; a few minutes)" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements.txt"
  echo "$want" > "$STAMP"
fi
PY="$VENV/bin/python"
# offline MNIST: the IDX folder beside the checkout unless the user points elsewhere (REPRO_DATA_DIR= , set
# but empty, means no folder: MNIST is then downloaded once into its cache)
if [ -z "${REPRO_DATA_DIR+set}" ] && [ -d "$ROOT/../shared/data/mnist" ]; then
  export REPRO_DATA_DIR="$(cd "$ROOT/../shared/data/mnist" && pwd)"
fi
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
