"""What a quick-profile run is expected to reach: bands measured by this suite over several seeds.

A quick run is far too short to reach a paper's number, so comparing it with one says nothing. Instead each
experiment's quick run is checked against the spread of the same quick profile trained here with other seeds
(`results/quick_bands.json`, written by `tools/measure_quick_bands.py`, which records its own command line,
commit, date and CPU). Green means the code still does what it did when the band was measured; red means a
regression (or a band measured with other code: re-measure it after a deliberate change of recipe).

The protocol is fixed here, before looking at any run:
- the metrics of each experiment and which way is better (QUICK_METRICS);
- the band: the worst seed value, widened on the bad side by the seeds' range or by 5% of the mean's
  magnitude, whichever is larger (with 2-3 seeds the range is the honest spread; the 5% floor keeps a
  near-deterministic metric from failing on float rounding). Better than every seed is a PASS too.
"""
from __future__ import annotations

import json
from pathlib import Path

BANDS_FILE = "quick_bands.json"
RELATIVE_FLOOR = 0.05

# experiment -> [(label, path into the run summary, "higher" | "lower" is better)]
QUICK_METRICS = {
    "goodfellow2014_mnist": [("test Parzen log-likelihood (nats)", "parzen.ll", "higher")],
    "keras_dcgan_mnist": [("test Parzen log-likelihood (nats)", "parzen.ll", "higher")],
    "infogan_mnist": [("categorical-code error (fraction of test digits)", "metrics.categorical_error.error", "lower")],
    "vae_mnist": [("test ELBO (nats)", "metrics.test_bounds.elbo", "higher"),
                  ("test Parzen log-likelihood (nats)", "parzen.ll", "higher")],
    "vae_latent20_mnist": [("test ELBO (nats)", "metrics.test_bounds.elbo", "higher"),
                           ("test Parzen log-likelihood (nats)", "parzen.ll", "higher")],
    "autoencoder_mnist": [("test reconstruction (nats)", "metrics.test_reconstruction_nats", "lower")],
    "cgan_mnist": [("requested-label accuracy", "metrics.requested_label_accuracy", "higher"),
                   ("test Parzen log-likelihood (nats)", "parzen.ll", "higher")],
    "wgan_mnist": [("test Parzen log-likelihood (nats)", "parzen.ll", "higher"),
                   ("Fréchet distance of 10,000 samples (classifier features)", "metrics.samples.frechet_distance",
                    "lower")],
    "pixelcnn_binarized_mnist": [("exact test NLL (nats)", "metrics.test_nll.nll", "lower")],
    "toy1d_gaussian": [("JSD(p_data, p_g) after training", "metrics.jsd_data_g_end", "lower"),
                       ("abs(mean of G − μ)", "abs_mean_error", "lower")],
}


def metric_value(summary: dict, path: str):
    if path == "abs_mean_error":  # toy 1-D: how far G's mean ended from the data's
        m = summary.get("metrics") or {}
        return abs(m["g_mean"] - m["mu"]) if "g_mean" in m and "mu" in m else None
    node = summary
    for part in path.split("."):
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
    return json.loads(p.read_text()) if p.exists() else {}


def judge(summary: dict, bands: dict) -> list[dict]:
    """One verdict per metric of this quick run: PASS / FAIL against the band, or NO BAND (never invented)."""
    out = []
    exp = summary["experiment"]
    measured = (bands.get("experiments") or {}).get(exp, {})
    for label, path, better in QUICK_METRICS.get(exp, []):
        value = metric_value(summary, path)
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
