"""Table 1's long runs and seed study (issue 11): how far the released recipe climbs, how often it collapses.

The protocol is written in paper_configs/goodfellow2014_mnist.yaml (below the profiles) and was fixed before the
runs. This module only reads results/runs/*.json: the paper-profile runs of goodfellow2014_mnist, grouped into the
released recipe and named variants (model_params that differ from the config's), and runs evaluated before the
per-layer initialisation fix (summaries without a recorded commit) kept apart from both.
"""
from __future__ import annotations

import statistics
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from repro.config import load_config
from repro.metrics.curves import best_so_far, collapse, gain_over_last, value_at
from repro.plotting import save
from repro.results import load_runs, parzen_check

CONFIG = Path(__file__).resolve().parents[3] / "paper_configs" / "goodfellow2014_mnist.yaml"
EXPERIMENT = "goodfellow2014_mnist"
FIXED_EPOCHS = (50, 100, 200, 300)
SEED_LENGTH = 300  # the protocol: every seed to >= 300 epochs; the Table 1 mean pools only those
COLLAPSE = {"threshold": -200.0, "run": 5}  # the protocol: 5 consecutive monitored values below -200 nats
PLATEAU_WINDOW, PLATEAU_GAIN = 100, 1.0  # the protocol: a plateau gains < 1 nat over the last 100 epochs
SOURCE = "Goodfellow et al. 2014, Table 1 (MNIST, adversarial nets)"


def variant_of(summary, recipe):
    """'recipe' for the released recipe, else the differing model_params as 'key=value, ...'."""
    params = dict(summary.get("model_params") or {})  # older summaries carry only the update rule in "recipe"
    for key in ("update", "k"):
        params.setdefault(key, summary["recipe"].get(key))
    diff = sorted(k for k in params if k in recipe and params[k] != recipe[k])
    return ", ".join(f"{k}={params[k]}" for k in diff) or "recipe"


def study(results_dir):
    """One entry per paper-profile run with a validation curve: its group and what its curve says."""
    recipe = load_config(CONFIG)["model_params"]
    out = []
    for s in load_runs(results_dir).values():
        if s["experiment"] != EXPERIMENT or s["profile"] != "paper" or not s.get("parzen"):
            continue
        h = s["history"]
        e = [int(r["epoch"]) + 1 for r in h]
        v = [r.get("val_parzen") for r in h]
        be, best = best_so_far(e, v)
        out.append({
            "summary": s, "run": s["run"], "seed": s["recipe"]["seed"], "variant": variant_of(s, recipe),
            "fixed_init": bool(s.get("commit")), "epochs": len(h),
            "collapse": collapse(e, v, COLLAPSE["threshold"], COLLAPSE["run"]),
            "at": {n: value_at(e, v, n) for n in FIXED_EPOCHS},
            "best_valid": (float(best[-1]), int(be[int(np.argmax(best))])) if len(best) else None,
            "gain": gain_over_last(e, v, PLATEAU_WINDOW),
            "lr_end": h[-1].get("lr") if h else None,
        })
    return sorted(out, key=lambda r: (not r["fixed_init"], r["variant"] != "recipe", r["variant"], r["seed"], r["run"]))


def _fmt(x, digits=1):
    return "—" if x is None else f"{x:.{digits}f}"


def section(results_dir):
    runs = study(results_dir)
    text = ["### The long run and the seed study (issue 11)", "",
            "Protocol (fixed before the runs; `paper_configs/goodfellow2014_mnist.yaml`): the released recipe with "
            "the per-layer initialisation fix, validation Parzen every 2nd epoch, best checkpoint by it, test set once; "
            f"**collapse** = {COLLAPSE['run']} consecutive validation estimates below {COLLAPSE['threshold']:.0f} nats; "
            f"**plateau** = the best validation estimate gains < {PLATEAU_GAIN:.0f} nat over the last "
            f"{PLATEAU_WINDOW} epochs. Variants have their own rows and are never pooled with the recipe; runs "
            "evaluated before the initialisation fix (no commit recorded) are listed apart.", ""]
    if not runs:
        return "\n".join(text + ["No paper-profile run evaluated yet.", ""]), []
    text += ["| run | group | seed | epochs | collapse | valid @50 | @100 | @200 | @300 | best valid (epoch) | "
             "gain, last 100 ep. | lr at end | test (σ), checkpoint epoch |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        c = r["collapse"]
        col = "no" if not c["collapsed"] else (f"at epoch {c['epoch']}, " + ("recovered" if c["recovered"] else
                                                                            "not recovered"))
        group = r["variant"] + ("" if r["fixed_init"] else " (before the init fix)")
        p = r["summary"]["parzen"]
        best = f"{r['best_valid'][0]:.1f} ({r['best_valid'][1]})" if r["best_valid"] else "—"
        text.append(f"| {r['run']} | {group} | {r['seed']} | {r['epochs']} | {col} | "
                    + " | ".join(_fmt(r["at"][n]) for n in FIXED_EPOCHS)
                    + f" | {best} | {_fmt(r['gain'])} | {_fmt(r['lr_end'], 4)} | {p['ll']:.1f} ± {p['se']:.1f} "
                      f"({p['sigma']:.3f}), {r['summary']['checkpoint']['epoch']} |")
    rows = []
    recipe_runs = [r for r in runs if r["fixed_init"] and r["variant"] == "recipe"]
    healthy = [r for r in recipe_runs if not r["collapse"]["collapsed_at_end"]]
    collapsed = sum(r["collapse"]["collapsed"] for r in recipe_runs)
    text += ["", f"- Collapse rate (released recipe, fixed init): {collapsed} of {len(recipe_runs)} seeds collapsed "
                 f"at some point; {sum(r['collapse']['collapsed_at_end'] for r in recipe_runs)} still collapsed "
                 "at their last epoch."]
    complete = [r for r in healthy if r["epochs"] >= SEED_LENGTH]
    if complete:
        tests = [r["summary"]["parzen"]["ll"] for r in complete]
        best = max(complete, key=lambda r: r["summary"]["parzen"]["ll"])
        spread = statistics.stdev(tests) if len(tests) > 1 else None
        text.append(f"- Table 1 row (non-collapsed seeds of the recipe that reached {SEED_LENGTH} epochs, n = "
                    f"{len(tests)}): {statistics.mean(tests):.1f}"
                    + (f" ± {spread:.1f} (sd over seeds)" if spread is not None else " (one seed: no spread yet)")
                    + f"; best seed {best['seed']}: {best['summary']['parzen']['ll']:.1f} ± "
                      f"{best['summary']['parzen']['se']:.1f}.")
    short = [r for r in recipe_runs if r["epochs"] < SEED_LENGTH]
    if short:
        text.append(f"- Not yet {SEED_LENGTH} epochs (no Table 1 row from them): "
                    + ", ".join(f"{r['run']} ({r['epochs']} epochs)" for r in short) + ".")
    if healthy:
        longest = max(healthy, key=lambda r: r["epochs"])
        g = longest["gain"]
        shape = ("still rising" if g is None or g >= PLATEAU_GAIN else "on a plateau")
        text.append(f"- The long run ({longest['run']}, {longest['epochs']} epochs, lr now {_fmt(longest['lr_end'], 4)}): "
                    f"best validation {longest['best_valid'][0]:.1f} at epoch {longest['best_valid'][1]}, gain over the "
                    f"last {PLATEAU_WINDOW} epochs {_fmt(g)} nats: {shape} by the protocol's rule.")
        rows.append(parzen_check(f"goodfellow2014.table1.mnist.long.{longest['run']}", SOURCE, 225, 2,
                                 longest["summary"]["parzen"],
                                 f"the long run, released recipe with the init fix, {longest['epochs']} epochs so far, "
                                 f"best-validation checkpoint epoch {longest['summary']['checkpoint']['epoch']}; "
                                 f"{shape} (gain {_fmt(g)} nats over the last {PLATEAU_WINDOW} epochs)"))
    text += ["", "Figure: `results/figures/goodfellow2014_mnist-longrun.png` (validation estimate and chosen σ "
                 "against epoch and against the learning rate).", ""]
    return "\n".join(text), rows


def longrun_figure(results_dir):
    runs = [r for r in study(results_dir) if r["fixed_init"]]
    if not runs:
        return []
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), layout="constrained")  # the y labels would overlap
    for r in runs:
        h = r["summary"]["history"]
        pts = [(int(x["epoch"]) + 1, x["val_parzen"], x.get("val_sigma"), x.get("lr")) for x in h
               if x.get("val_parzen") is not None]
        if not pts:
            continue
        e, v, sig, lr = (np.array(a, dtype=float) for a in zip(*pts))
        label = f"{r['run']} ({r['variant']})"
        line, = axes[0].plot(e, v, lw=0.7, alpha=0.6, label=label)
        be, best = best_so_far(e, v)
        axes[0].plot(be, best, color=line.get_color(), lw=1.4)
        axes[1].plot(e, sig, color=line.get_color(), lw=1.0, drawstyle="steps-post")
        axes[2].plot(lr, v, color=line.get_color(), lw=0.7)
    axes[0].axhline(225, color="k", ls="--", lw=1, label="paper (test): 225")
    axes[0].set(xlabel="epoch", ylabel="validation Parzen LL (nats)", title="estimate (thin) and best so far (thick)")
    axes[0].set_ylim(bottom=max(axes[0].get_ylim()[0], -50))
    axes[1].set(xlabel="epoch", ylabel="σ chosen on validation", title="Parzen window σ")
    axes[2].set(xlabel="learning rate (decays from 0.1; axis reversed)", ylabel="validation Parzen LL (nats)",
                xscale="log", title="estimate against the learning rate")
    axes[2].invert_xaxis()
    # a log axis over less than a decade labels every minor tick in 10^x form: plain numbers at 1, 1.5, 2, 3, 4, 5, 7 instead
    axes[2].xaxis.set_major_locator(LogLocator(subs=(1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.0)))
    axes[2].xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    axes[2].xaxis.set_minor_formatter(NullFormatter())
    axes[2].set_ylim(bottom=max(axes[2].get_ylim()[0], -50))
    axes[2].axhline(225, color="k", ls="--", lw=1)
    axes[0].legend(fontsize=6)
    for ax in axes:
        ax.title.set_fontsize(8)
    return [save(fig, Path(results_dir) / "figures" / f"{EXPERIMENT}-longrun.png")]
