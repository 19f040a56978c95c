"""What a quick-profile run is expected to reach: bands measured by this suite over several seeds.

A quick run is far too short to reach a paper's number, so comparing it with one says nothing. Instead each
experiment's quick run is checked against the spread of the same quick profile trained here with other seeds
(`results/quick_bands.json`, written by `tools/measure_quick_bands.py`, which records its own command line,
commit, date and CPU). Green means the code still does what it did when the band was measured; red means a
regression (or a band measured with other code: re-measure it after a deliberate change of recipe).

The protocol is fixed here, before looking at any run:
- the metrics of each experiment and which way is better (each experiment's `quick_metrics` registration);
- the band: the worst seed value, widened on the bad side by the seeds' range or by 5% of the mean's
  magnitude, whichever is larger (with 2-3 seeds the range is the honest spread; the 5% floor keeps a
  near-deterministic metric from failing on float rounding). Better than every seed is a PASS too.
"""
from __future__ import annotations

from pathlib import Path

from repro.results import read_json

BANDS_FILE = "quick_bands.json"
RELATIVE_FLOOR = 0.05

def quick_metrics() -> dict:
    """{experiment: [QuickMetric]}: what each experiment declares in its registration (repro.registry)."""
    from repro import registry

    return registry.quick_metrics()


def metric_value(summary: dict, metric) -> float | None:
    """A QuickMetric's value in a run summary (its `value` function, else its dotted `path`), None when the
    summary lacks it."""
    if metric.value is not None:
        return metric.value(summary)
    node = summary
    for part in metric.path.split("."):
        if not isinstance(node, dict) or node.get(part) is None:
            return None
        node = node[part]
    return float(node)


def band_limit(values, better: str) -> float:
    """The worst value a working quick run may reach (see the module docstring)."""
    worst = min(values) if better == "higher" else max(values)
    mean = sum(values) / len(values)
    slack = max(max(values) - min(values), RELATIVE_FLOOR * abs(mean))
    return worst - slack if better == "higher" else worst + slack


def load_bands(results_dir) -> dict:
    p = Path(results_dir, BANDS_FILE)
    fix = "restore it from the checkout (git checkout -- results/quick_bands.json), or move it out of the folder"
    return read_json(p, fix, dict, {"experiments": dict}) if p.exists() else {}


def judge(summary: dict, bands: dict) -> list[dict]:
    """One verdict per metric of this quick run: PASS / FAIL against the band, or NO BAND (never invented)."""
    out = []
    exp = summary["experiment"]
    measured = (bands.get("experiments") or {}).get(exp, {})
    for metric in quick_metrics().get(exp, []):
        label, path, better = metric.label, metric.path, metric.better
        value = metric_value(summary, metric)
        entry = measured.get(path)
        base = {"experiment": exp, "run": summary["run"], "metric": label, "path": path, "better": better,
                "value": value}
        if value is None:
            out.append({**base, "status": "NOT RUN", "limit": None, "note": "the run's summary has no such value"})
        elif not entry or len(entry.get("values", [])) < 2:
            out.append({**base, "status": "NO BAND", "limit": None,
                        "note": "no band measured yet (tools/measure_quick_bands.py, at least 2 seeds)"})
        else:
            limit = band_limit(entry["values"], better)
            ok = value >= limit if better == "higher" else value <= limit
            out.append({**base, "status": "PASS" if ok else "FAIL", "limit": limit, "values": entry["values"],
                        "seeds": entry.get("seeds"), "note": ""})
    return out
