#!/usr/bin/env bash
# Regenerates results/ (figures, tables, REPORT.md, verification.json): trains the default profile
# (quick; PROFILE=paper for the papers' settings) of every experiment in paper_configs/, evaluates it,
# computes the Parzen baselines, then draws the figures and writes the report.
# Finished runs are kept in runs/ and not retrained; a killed run resumes where it stopped.
set -euo pipefail
cd "$(dirname "$0")"
source tools/ensure_venv.sh
PROFILE="${PROFILE:-quick}"
for cfg in paper_configs/*.yaml; do
  name="$(basename "$cfg" .yaml)"
  if ! "$PY" -m repro check-data "$cfg"; then
    echo "== $name: skipped (its dataset is not available here; see the message above)"
    continue
  fi
  echo "== $name ($PROFILE profile)"
  "$PY" -m repro train "$cfg" --profile "$PROFILE" --run-dir "runs/$name-$PROFILE" --resume
  "$PY" -m repro evaluate "runs/$name-$PROFILE"
done
"$PY" -m repro baselines
"$PY" -m repro figures
"$PY" -m repro report
echo "results regenerated: results/REPORT.md"
