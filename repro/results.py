"""The small files in results/: reading the evaluated runs' summaries, and the rows of verification.json.

A row is {id, source, reported, reproduced, tolerance, status, note}; every experiment's report section
returns its rows, and the report engine writes them all.
"""
from __future__ import annotations

import csv
import json
import math
import subprocess
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def git(cwd, *args) -> str:
    """What `git ARGS` prints in `cwd` ('' outside a git checkout or without git): provenance for results files."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def code_commit():
    """The checkout's commit, if this is a git checkout (None otherwise)."""
    return git(CHECKOUT, "rev-parse", "--short", "HEAD") or None


def row(id, source, reported, reproduced, tolerance, status, note, runs=None, shown=None):
    """A verification row. Optional: `runs` says what evidence judged it (e.g. "4 seeds × 300 epochs"), `shown`
    how the reproduced number reads for a person (e.g. "216.3 ± 2.3" where `reproduced` is 216.29)."""
    r = {"id": id, "source": source, "reported": reported, "reproduced": reproduced,
         "tolerance": tolerance, "status": status, "note": note}
    if runs:
        r["runs"] = runs
    if shown:
        r["shown"] = shown
    return r


def parzen_verdict(ll, se, reported, reported_se, higher_is_pass=True):
    """(tolerance, passed): above the reported mean (if `higher_is_pass`) or within 2 sqrt(se_paper^2 + se^2)."""
    tol = 2 * math.sqrt(reported_se ** 2 + se ** 2)
    return tol, (higher_is_pass and ll > reported) or abs(ll - reported) <= tol


def parzen_check(id, source, reported, reported_se, result, note, higher_is_pass=True, runs=None):
    """PASS when above the reported mean (if `higher_is_pass`) or within 2 sqrt(se_paper^2 + se_ours^2) of it."""
    if result is None:
        return row(id, source, reported, None, f"2·√({reported_se}² + SE²)", "NOT RUN", note, runs=runs)
    ll, se = result["ll"], result["se"]
    tol, ok = parzen_verdict(ll, se, reported, reported_se, higher_is_pass)
    gap = ll - reported
    return row(id, source, reported, round(ll, 2), f"{'above, or ' if higher_is_pass else ''}within ±{tol:.2f}",
               "PASS" if ok else "FAIL", f"{note}; ours {ll:.1f} ± {se:.1f} (σ = {result['sigma']:.3f}), "
                                         f"{'+' if gap >= 0 else ''}{gap:.1f} nats from the reported value",
               runs=runs, shown=f"{ll:.1f} ± {se:.1f}")


def load_runs(results_dir):
    out = {}
    for p in sorted(Path(results_dir, "runs").glob("*.json")):
        s = json.loads(p.read_text())
        out[s["run"]] = s
    return out


# while a report is being written: the files of that report, written together at its end (None: write at once)
_pending: dict | None = None


def emit(results_dir, name, text):
    """A results file of a report section (table1.md, ...): joins the report's set while one is being written."""
    from repro.callbacks import atomic_write_text

    if _pending is not None:
        _pending[name] = text
    else:
        atomic_write_text(Path(results_dir, name), text)


class collect_files:
    """`with collect_files(results_dir) as files:` — every `emit` inside, plus whatever the block puts in `files`,
    is written as one set (`write_file_set`) when the block ends without an error; nothing is written otherwise."""

    def __init__(self, results_dir):
        self.results_dir, self.files = Path(results_dir), {}

    def __enter__(self):
        global _pending
        _pending = self.files
        return self.files

    def __exit__(self, exc_type, exc, tb):
        global _pending
        _pending = None
        if exc_type is None:
            from repro.callbacks import write_file_set

            write_file_set(self.results_dir, self.files)
        return False


def _number(text):
    value = float(text) if text not in ("", None, "NA") else None
    return value if value is not None and math.isfinite(value) else None


def read_history(run_dir) -> list[dict]:
    path = Path(run_dir) / "history.csv"
    if not path.exists():
        return []
    rows = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            # a resumed run may log an epoch twice; the later line wins. Keras' CSVLogger writes "NA" in the
            # val_* columns it adds when a model logs no validation metrics (e.g. the 1-D toy)
            # (and "nan" where a value was not measured that epoch, e.g. val_parzen between monitored epochs)
            rows[int(row["epoch"])] = {k: _number(v) for k, v in row.items()}
    return [rows[k] for k in sorted(rows)]
