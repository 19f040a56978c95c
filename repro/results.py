"""The small files in results/: reading the evaluated runs' summaries, and the rows of verification.json.

A row is {id, source, reported, reproduced, tolerance, status, note}; every experiment's report section
returns its rows, and the report engine writes them all.
"""
from __future__ import annotations

import json
import math
from pathlib import Path


def row(id, source, reported, reproduced, tolerance, status, note):
    return {"id": id, "source": source, "reported": reported, "reproduced": reproduced,
            "tolerance": tolerance, "status": status, "note": note}


def parzen_check(id, source, reported, reported_se, result, note, higher_is_pass=True):
    """PASS when above the reported mean (if `higher_is_pass`) or within 2 sqrt(se_paper^2 + se_ours^2) of it."""
    if result is None:
        return row(id, source, reported, None, f"2·√({reported_se}² + SE²)", "NOT RUN", note)
    ll, se = result["ll"], result["se"]
    tol = 2 * math.sqrt(reported_se ** 2 + se ** 2)
    ok = (higher_is_pass and ll > reported) or abs(ll - reported) <= tol
    gap = ll - reported
    return row(id, source, reported, round(ll, 2), f"{'above, or ' if higher_is_pass else ''}within ±{tol:.2f}",
               "PASS" if ok else "FAIL", f"{note}; ours {ll:.1f} ± {se:.1f} (σ = {result['sigma']:.3f}), "
                                         f"{'+' if gap >= 0 else ''}{gap:.1f} nats from the reported value")


def load_runs(results_dir):
    out = {}
    for p in sorted(Path(results_dir, "runs").glob("*.json")):
        s = json.loads(p.read_text())
        out[s["run"]] = s
    return out
