"""Measure the quick-profile bands: train and evaluate an experiment's quick profile with several seeds, and
merge the values of its quick metrics (declared in its experiment's registration) into results/quick_bands.json
together with this command line, the commit, the date, the CPU and the seconds each run took.

    .venv/bin/python tools/measure_quick_bands.py vae_mnist autoencoder_mnist --seeds 0 1 2

Runs go to runs/bands/EXPERIMENT-quick-seedS (kept, and resumed if killed); their summaries to
runs/bands/results/runs/, never into results/runs/. A seed's run that already has a summary is not redone.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def git_commit() -> str:
    from repro.results import git

    commit = git(ROOT, "rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown"
    dirty = git(ROOT, "status", "--porcelain", "--untracked-files=no", "repro", "paper_configs")
    return commit + ("+uncommitted changes" if dirty else "")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("experiments", nargs="+", help="config names in paper_configs/ (without .yaml)")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--runs", default=str(ROOT / "runs" / "bands"))
    ap.add_argument("--results", default=str(ROOT / "results"))
    a = ap.parse_args(argv)

    import repro.experiments  # noqa: F401  registers each experiment's quick metrics
    from repro.backend import _cpuinfo
    from repro.quick_bands import BANDS_FILE, metric_value, quick_metrics

    metrics = quick_metrics()

    bands_path = Path(a.results, BANDS_FILE)
    bands = json.loads(bands_path.read_text()) if bands_path.exists() else {}
    # the file's "how" note gathers what each measuring session said of itself: set it only when it is missing
    bands.setdefault("how", "each experiment's quick profile (paper_configs/EXPERIMENT.yaml) trained and evaluated "
                            "once per seed with --set seed=S; the band rule is in repro/quick_bands.py")
    bands.setdefault("experiments", {})
    scratch = Path(a.runs, "results")
    for exp in a.experiments:
        if exp not in metrics:
            raise SystemExit(f"error: {exp} declares no quick metrics (its experiment's registration)")
        cfg = ROOT / "paper_configs" / f"{exp}.yaml"
        entry_runs = []
        for seed in a.seeds:
            run = Path(a.runs, f"{exp}-quick-seed{seed}")
            summary_path = scratch / "runs" / f"{run.name}.json"
            timing = run / "band_seconds.json"  # the wall time of train + evaluate, kept for re-collection
            t0 = time.time()
            if not summary_path.exists():
                for cmd in (["train", str(cfg), "--profile", "quick", "--set", f"seed={seed}", "--run-dir", str(run),
                             "--resume"],
                            ["evaluate", str(run), "--results", str(scratch)]):
                    print(f"== {exp} seed {seed}: python -m repro {' '.join(cmd[:1])}", flush=True)
                    subprocess.run([sys.executable, "-m", "repro", *cmd], cwd=ROOT, check=True)
                timing.write_text(json.dumps({"seconds_wall": round(time.time() - t0, 1)}))
            s = json.loads(summary_path.read_text())
            sidecar = json.loads(timing.read_text()) if timing.exists() else {}
            entry_runs.append({"seed": seed, "run": run.name, "seconds_wall": sidecar.get("seconds_wall"),
                               **({"note": sidecar["note"]} if "note" in sidecar else {}),
                               "seconds_per_epoch_median": s.get("seconds_per_epoch_median"),
                               "epochs": s.get("epochs_trained"),
                               "values": {m.path: metric_value(s, m) for m in metrics[exp]}})
        per_metric = {}
        for label, path, better in ((m.label, m.path, m.better) for m in metrics[exp]):
            vals = [r["values"][path] for r in entry_runs if r["values"][path] is not None]
            per_metric[path] = {"label": label, "better": better, "values": vals,
                                "seeds": [r["seed"] for r in entry_runs if r["values"][path] is not None]}
        bands["experiments"][exp] = {
            **per_metric,
            "runs": entry_runs,
            "command": "tools/measure_quick_bands.py " + shlex.join([exp, "--seeds", *map(str, a.seeds)]),
            "commit": git_commit(),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": f"{_cpuinfo().get('model name', 'unknown CPU')}, {os.cpu_count()} cores (shared: timings are "
                   f"upper bounds)",
        }
        bands_path.parent.mkdir(parents=True, exist_ok=True)
        if bands_path.exists():  # another measuring process may have written other experiments meanwhile
            bands = {**bands, "experiments": {**json.loads(bands_path.read_text()).get("experiments", {}),
                                              exp: bands["experiments"][exp]}}
        bands_path.write_text(json.dumps(bands, indent=1) + "\n")
        print(f"{exp}: " + "; ".join(f"{p}: {v['values']}" for p, v in per_metric.items()), flush=True)


if __name__ == "__main__":
    main()
