"""InfoGAN figures: the MI curve (paper Fig. 1), the categorical code (seed 002 Fig. 10-14, paper Fig. 2a)
and the continuous codes from -2 to 2 (seed 002 Fig. 10-15, paper Fig. 2c-d)."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from repro.experiments.infogan.metrics import code_meaning
from repro.plotting import FIG_SEED, save, tile
from repro.results import load_runs

EXPERIMENT = "infogan_mnist"


def _category_order(summary):
    """Categories sorted by the digit the Hungarian assignment gave them (row i shows digit i where it worked)."""
    digits = summary["metrics"]["categorical_error"]["digit_of_category"]
    return [int(c) for c in np.argsort(digits)], digits


def categorical_grid(model, summary, path, tag, cols=10):
    order, digits = _category_order(summary)
    p = model.params
    rng = np.random.default_rng(FIG_SEED)
    noise = rng.uniform(-1, 1, (cols, p["noise_dim"])).astype(np.float32)
    rows = []
    for c in order:
        z, _, _ = model.latent_numpy(cols, rng, cat=c, cont=np.zeros(p["n_continuous"], np.float32))
        z[:, :p["noise_dim"]] = noise  # the same noise in every row: only the categorical code changes
        rows.append(z)
    images = model.decode_numpy(np.concatenate(rows))
    err = summary["metrics"]["categorical_error"]["error"]
    fig, ax = plt.subplots(figsize=(0.7 * cols, 0.7 * len(order)))
    ax.imshow(tile(images, len(order), cols), cmap="gray", vmin=0, vmax=1)
    ax.set_yticks([(i + 0.5) * 30 + 1 for i in range(len(order))])
    ax.set_yticklabels([f"c={c}→{digits[c]}" for c in order], fontsize=6)
    ax.set_xticks([])
    ax.set_title(f"Seed 002 Fig. 10-14 / paper Fig. 2(a), {tag}:\nrows = categorical code (labelled with its "
                 f"Hungarian-matched digit; test error {100 * err:.1f}%), columns = fixed noise, continuous codes 0",
                 fontsize=7)
    return save(fig, path)


def describe_code(effect):
    e = effect["effects"]
    return (f"measured: {code_meaning(effect)} (angle {e['angle']['slope']:+.1f}°/unit, "
            f"width {e['width']['slope']:+.2f} px/unit, ink {e['ink']['slope']:+.3f}/unit; standardized "
            f"{e['angle']['standardized']:+.2f}, {e['width']['standardized']:+.2f}, {e['ink']['standardized']:+.2f}; "
            f"{effect['draws']} draws)")


def continuous_grid(model, summary, code, path, tag, steps=9):
    order, digits = _category_order(summary)
    values = np.linspace(-2.0, 2.0, steps)
    images = np.concatenate([model.traversal(code, values, n_draws=1, seed=FIG_SEED + c, cat=c)[0] for c in order])
    effect = summary["metrics"]["continuous_codes"][code]
    fig, ax = plt.subplots(figsize=(0.7 * steps, 0.7 * len(order)))
    ax.imshow(tile(images, len(order), steps), cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([(i + 0.5) * 30 + 1 for i in range(steps)])
    ax.set_xticklabels([f"{v:+.1f}" for v in values], fontsize=6)
    ax.set_yticks([(i + 0.5) * 30 + 1 for i in range(len(order))])
    ax.set_yticklabels([f"c={c}→{digits[c]}" for c in order], fontsize=6)
    ax.set_title(f"Seed 002 Fig. 10-15 / paper Fig. 2(c-d), {tag}: continuous code c{code + 1} from -2 to 2 "
                 f"(trained on [-1, 1]);\n{describe_code(effect)}", fontsize=6)
    return save(fig, path)


def infogan_figures(run, summary, results_dir):
    figdir = Path(results_dir) / "figures"
    run_dir, model, info = run.run_dir, run.model, run.info
    tag = f"{run_dir.name}, epoch {info['epoch']}"
    out = [categorical_grid(model, summary, figdir / f"{run_dir.name}-categorical.png", tag)]
    for j in range(model.params["n_continuous"]):
        out.append(continuous_grid(model, summary, j, figdir / f"{run_dir.name}-continuous{j + 1}.png", tag))
    return out


def typical_merge_failure(summaries, pair=(4, 9)):
    """The run a confusion figure shows: among complete paper-length runs of the code's recipe that fail
    (error > 5%) with `pair` sharing a category, the one with the median error (the lower of two middles);
    runs of the seed protocol (data split fixed) are preferred over older ones. None if there is none."""
    from repro.experiments.infogan.metrics import merged_digits
    from repro.experiments.infogan.report import ERROR_TARGET, complete, protocol_run, variant

    def fails(s):
        err = s["metrics"]["categorical_error"]
        return (s["profile"] == "paper" and complete(s) and variant(s) == "" and err["error"] > ERROR_TARGET
                and tuple(pair) in merged_digits(err["confusion"]))

    found = [s for s in summaries if fails(s)]
    found = [s for s in found if protocol_run(s["run"])] or found
    if not found:
        return None
    found.sort(key=lambda s: s["metrics"]["categorical_error"]["error"])
    return found[(len(found) - 1) // 2]


def confusion_figure(summary, path, pair=(4, 9)):
    """Categories (rows, ordered by their Hungarian digit) against test digits (columns): share of each
    category's test images, with the Hungarian match outlined."""
    err = summary["metrics"]["categorical_error"]
    confusion = np.asarray(err["confusion"], np.float64)
    digits = err["digit_of_category"]
    order = [int(c) for c in np.argsort(digits)]
    shares = confusion[order] / np.maximum(confusion[order].sum(axis=1, keepdims=True), 1.0)
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    im = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(shares.shape[0]):
        for j in range(shares.shape[1]):
            if shares[i, j] >= 0.02:
                ax.text(j, i, f"{100 * shares[i, j]:.0f}", ha="center", va="center", fontsize=6,
                        color="white" if shares[i, j] > 0.6 else "black")
        ax.add_patch(plt.Rectangle((digits[order[i]] - 0.5, i - 0.5), 1, 1, fill=False, ec="red", lw=1))
    ax.set_xticks(range(shares.shape[1]))
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([f"c={c}→{digits[c]}" for c in order], fontsize=6)
    ax.set_xlabel("MNIST test digit")
    ax.set_ylabel("Q's category (→ Hungarian-matched digit)")
    fig.colorbar(im, ax=ax, fraction=0.046, label="share of the category's test images")
    a, b = summary["recipe"].get("train_range") or [0, 55000]
    ax.set_title(f"A typical {pair[0]}/{pair[1]}-merge failure: {summary['run']}, epoch {summary['epochs_trained']}"
                 f",\ntest error {100 * err['error']:.1f}% (train images {a:,}–{b - 1:,}); red: the Hungarian match "
                 "(% of row)", fontsize=7)
    return save(fig, path)


def infogan_summary_figures(results_dir):
    """Paper Fig. 1: the categorical code's MI lower bound during training, for every InfoGAN run; and the
    confusion matrix of a typical 4/9-merge failure."""
    runs = [s for name, s in load_runs(results_dir).items() if name.startswith(f"{EXPERIMENT}-")]
    if not runs:
        return []
    out = []
    failure = typical_merge_failure(runs)
    if failure is not None:
        out.append(confusion_figure(failure, Path(results_dir) / "figures" / f"{EXPERIMENT}-merge_failure_confusion.png"))
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for s in runs:
        pts = [((h["epoch"] + 1) * 100, h["mi_cat"]) for h in s["history"] if h.get("mi_cat") is not None]
        if pts:
            x, y = zip(*pts)
            err = s["metrics"]["categorical_error"]["error"]
            name = s["run"].removeprefix(f"{EXPERIMENT}-")
            line, = ax.plot(x, y, lw=1.2 if s["profile"] == "paper" else 0.8, marker="." if s["profile"] == "paper" else None,
                            label=f"{name} (test error {100 * err:.1f}%)")
            last = [((h["epoch"] + 1) * 100, h["mi_cat_step"]) for h in s["history"] if h.get("mi_cat_step") is not None]
            if last:
                ax.plot(*zip(*last), lw=0.6, ls=":", color=line.get_color())
    ax.axhline(math.log(10), color="k", ls="--", lw=1, label="H(c) = ln 10 = 2.303")
    ax.axhline(2.25, color="grey", ls=":", lw=1, label="issue target 2.25")
    ax.set_xlabel("generator updates (100 per epoch)")
    ax.set_ylabel("L_I = H(c) − CE (nats)\nsolid: epoch mean; dotted: last step")
    ax.set_ylim(0, 2.45)
    ax.legend(fontsize=5.5, loc="lower right", ncol=2)
    ax.set_title("Paper Fig. 1 (InfoGAN): lower bound of I(c; G(z, c)) for the 10-way categorical code, MNIST",
                 fontsize=8)
    return out + [save(fig, Path(results_dir) / "figures" / f"{EXPERIMENT}-mi_curve.png")]
