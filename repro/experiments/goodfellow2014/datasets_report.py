"""Report section: Goodfellow et al. 2014 on TFD (Table 1, TFD column) and CIFAR-10 (Fig. 2 c, d)."""
from __future__ import annotations

from pathlib import Path

from repro.results import load_runs, parzen_check

PAPER_TABLE1_TFD = [("DBN", 1909, 66), ("Stacked CAE", 2110, 50), ("Deep GSN", 1890, 29),
                    ("Adversarial nets", 2057, 26)]
SOURCE = "Goodfellow et al. 2014, Table 1 (TFD, adversarial nets; SE over 5 folds)"
STAGES = {1: "stage 1 only (pretrain.yaml): the run stopped before epoch 50, where the second stack of "
              "train.yaml goes under G",
          2: "both stages (pretrain.yaml, then train.yaml's second stack under G)"}
TFD_COMMANDS = ("python -m repro train paper_configs/goodfellow2014_tfd.yaml --profile paper --data-dir DIR; "
                "python -m repro evaluate runs/goodfellow2014_tfd-paper --data-dir DIR")


def datasets_section(results_dir):
    tfd = {k: s for k, s in sorted(load_runs(results_dir).items())  # select
           if s["experiment"] == "goodfellow2014_tfd" and "tfd_parzen_5_folds" in (s.get("metrics") or {})}
    figures = sorted(p.name for p in Path(results_dir, "figures").glob("goodfellow2014_*-fig2.png")
                     if not p.name.startswith("goodfellow2014_mnist"))
    rows = [tfd_row(name, s) for name, s in tfd.items()] or [  # compute
        parzen_check("goodfellow2014.table1.tfd", SOURCE, 2057, 26, None,
                     "TFD is not publicly downloadable, so no run exists here; with a copy of "
                     f"TFD_48x48.mat: {TFD_COMMANDS} (72 epochs: 50 + 22, both stages)", against_paper=True)]
    return render(tfd, figures), rows  # render


def _stage(s):
    return STAGES.get(s["metrics"].get("generator_stage"), "generator stage unknown")


def tfd_row(name, s):
    r = s["metrics"]["tfd_parzen_5_folds"]
    return parzen_check(f"goodfellow2014.table1.tfd.{name}", SOURCE, 2057, 26, {**r, "sigma": r["folds"][0]["sigma"]},
                        f"{s['profile']} profile, {s['epochs_trained']} epochs; {_stage(s)}; σ of fold 0 shown",
                        run_names=(name,), against_paper=True)


def render(tfd, figures):
    table = ["| model | TFD (nats) | source |", "|---|---|---|"]
    table += [f"| {name} | {ll} ± {se} | paper, Table 1 |" for name, ll, se in PAPER_TABLE1_TFD]
    for name, s in tfd.items():
        r = s["metrics"]["tfd_parzen_5_folds"]
        sigmas = ", ".join(f"{f['sigma']:.3f}" for f in r["folds"])
        table.append(f"| Adversarial nets, reproduced ({name}) | {r['ll']:.1f} ± {r['se']:.1f} | this suite: "
                     f"{s['profile']} profile, {s['epochs_trained']} epochs, {_stage(s)}; σ per fold {sigmas} |")
    text = ["## Goodfellow et al. 2014 — TFD (Table 1) and CIFAR-10 (Fig. 2 c, d)", "",
            "Configs `paper_configs/goodfellow2014_tfd.yaml`, `goodfellow2014_cifar10_fc.yaml` and "
            "`goodfellow2014_cifar10_conv.yaml` follow the public code's yaml files value by value. Neither "
            "dataset is in this checkout: TFD is not public (give your `TFD_48x48.mat` with --data-dir or "
            "REPRO_TFD_DIR), CIFAR-10 comes from the python batches (--data-dir or REPRO_CIFAR10_DIR) or "
            "tensorflow-datasets. TFD protocol: per fold, σ chosen on the whole validation set, then that "
            "fold's test set; mean over the 5 folds ± standard error across folds.", "", *table, "",
            "CIFAR-10 samples (the paper reports no number for them): "
            + (", ".join(f"`results/figures/{f}`" for f in figures) if figures else
               "no CIFAR-10 or TFD run has been evaluated here (no data); with CIFAR-10 present: python -m repro "
               "train paper_configs/goodfellow2014_cifar10_fc.yaml --profile quick, then evaluate and figures."), ""]
    return "\n".join(text)
