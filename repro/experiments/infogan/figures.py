"""InfoGAN figures: the MI curve (paper Fig. 1), the categorical code (the book chapter “VAE, GAN and variants”
Fig. 10-14, paper Fig. 2a) and the continuous codes from -2 to 2 (the book chapter “VAE, GAN and variants”
Fig. 10-15, paper Fig. 2c-d)."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from repro.experiments.infogan.metrics import code_meaning
from repro.plotting import FIG_SEED, OKABE_ITO, draw_seeds, save, tile
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
    ax.set_title(f"The book chapter “VAE, GAN and variants” Fig. 10-14 / paper Fig. 2(a), {tag}:"
                 f"\nrows = categorical code (labelled with its "
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
    ax.set_title(f"The book chapter “VAE, GAN and variants” Fig. 10-15 / paper Fig. 2(c-d), {tag}: "
                 f"continuous code c{code + 1} from -2 to 2 "
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
    a, b = summary["recipe"]["train_range"]
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
        out.append(confusion_figure(failure,
                                    Path(results_dir) / "figures" / f"{EXPERIMENT}-merge_failure_confusion.png"))
    return out + [mi_figure(runs, Path(results_dir) / "figures" / f"{EXPERIMENT}-mi_curve.png")]


def _recipe_words(s):
    """The recipe of a run in a reader's words: the code's, the paper's text, or the settings that differ."""
    from repro.experiments.infogan.model import RECIPES
    from repro.experiments.infogan.report import variant

    v = variant(s)
    if not v:
        return "released code's recipe"
    params = s.get("model_params") or {}
    if all(params.get(k) == x for k, x in RECIPES["paper"].items()):
        return "paper's recipe"
    words = {"leaky_slope": "leaky slope", "lambda_continuous": "λ continuous", "adam_epsilon": "Adam ε"}
    pairs = (part.split("=") for part in v.split(", "))
    return "variant: " + ", ".join(f"{words.get(k, k)} {x}" for k, x in pairs)


def mi_groups(summaries):
    """Runs drawn together: same profile, recipe, training images and length (a band never mixes lengths).
    [(profile, recipe, label, [summaries])]: 50-epoch runs first, runs on the released code's split first."""
    from repro.experiments.infogan.report import config_train_range, train_range, variant

    groups = {}
    for s in summaries:
        if any(h.get("mi_cat") is not None for h in s["history"]):
            key = (s["profile"], variant(s), tuple(train_range(s)), s["epochs_trained"])
            groups.setdefault(key, []).append(s)
    out = []
    for (profile, var, (a, b), epochs), members in groups.items():
        members.sort(key=lambda s: s["recipe"]["seed"])
        errs = [100 * s["metrics"]["categorical_error"]["error"] for s in members]
        seeds = ", ".join(str(s["recipe"]["seed"]) for s in members)
        err = f"{errs[0]:.1f}%" if len(errs) == 1 else f"{min(errs):.1f}–{max(errs):.1f}%"
        recipe = f"{_recipe_words(members[0])}, training images {a:,}–{b - 1:,}"
        out.append((profile, recipe, f"{recipe}, {epochs} epochs, seed{'s' if len(members) > 1 else ''} {seeds} "
                                     f"(test error {err})", members,
                    ([a, b] != config_train_range(), var != "", -epochs)))
    out.sort(key=lambda g: (g[0] != "paper", g[4]))
    return [g[:4] for g in out]


def mi_figure(summaries, path, zoom_from=1000):
    """Paper Fig. 1: the categorical code's MI lower bound (epoch mean) during training; runs of one recipe and
    length as a mean line with a min-max band over seeds; the 50-epoch runs and the shorter runs side by side, one
    colour per recipe and training split; an inset zooms on the 50-epoch runs after `zoom_from` updates."""
    from repro.experiments.infogan.report import MI_TARGET

    groups = mi_groups(summaries)
    shorter = sorted({g[0] for g in groups if g[0] != "paper"})
    panels = ([("paper", "50-epoch runs (the paper's length)")] if any(g[0] == "paper" for g in groups) else []) \
        + ([("other", f"shorter runs ({', '.join(shorter)} profile)")] if shorter else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(11 if len(panels) > 1 else 7.5, 4.8), sharey=True,
                             layout="constrained", squeeze=False,
                             gridspec_kw={"width_ratios": [2, 1][:len(panels)]})
    ax_of = {key: ax for (key, _), ax in zip(panels, axes[0])}
    zoom = ax_of["paper"].inset_axes([0.36, 0.08, 0.6, 0.55]) if "paper" in ax_of else None
    palette = iter([OKABE_ITO[i] for i in (5, 6, 3, 7, 2, 1)] * 3)  # most distinct first; no yellow (faint on white)
    colour_of, late = {}, []
    for profile, recipe, label, members in groups:
        colour = colour_of.setdefault(recipe, next(palette))
        curves = [list(zip(*[((h["epoch"] + 1) * 100, h["mi_cat"]) for h in s["history"]
                             if h.get("mi_cat") is not None])) for s in members]
        draw_seeds(ax_of["paper" if profile == "paper" else "other"], curves, colour, label, lw=1.4)
        if profile == "paper":
            draw_seeds(zoom, curves, colour, label, lw=1.2)
            late += [(x, y) for c in curves for x, y in zip(*c) if x >= zoom_from]
    for (_, what), ax in zip(panels, axes[0]):
        ax.set_xlabel("generator updates (100 per epoch)")
        ax.set_title(what, fontsize=9)
    for ax in (*axes[0], *([zoom] if zoom else [])):
        ax.axhline(math.log(10), color=OKABE_ITO[0], ls="--", lw=1, label="H(c) = ln 10 = 2.303: the bound's maximum")
        ax.axhline(MI_TARGET, color="0.4", ls=":", lw=1.2,
                   label=f"{MI_TARGET}: our pass line for 'reaches H(c)' (the paper shows the curve, no number)")
    if zoom and late:
        zoom.set_xlim(zoom_from, max(x for x, _ in late))
        zoom.set_ylim(min(MI_TARGET, min(y for _, y in late)) - 0.01, math.log(10) + 0.005)
        zoom.tick_params(labelsize=7)
        zoom.set_title(f"zoom: from update {zoom_from:,} on", fontsize=7)
    elif zoom:
        zoom.remove()
    axes[0][0].set_ylabel("L_I = H(c) − CE, epoch mean (nats)")
    axes[0][0].set_ylim(top=2.35)
    runs, refs = {}, {}
    for ax in axes[0]:  # one legend for the panels, below them: the runs, then the two reference lines
        for h, lab in zip(*ax.get_legend_handles_labels()):
            (refs if "H(c)" in lab else runs).setdefault(lab, h)
    fig.legend([*runs.values(), *refs.values()], [*runs, *refs], loc="outside lower center", ncol=1, fontsize=7,
               frameon=False)
    fig.suptitle("InfoGAN, MNIST (paper Fig. 1): lower bound of I(c; G(z, c)) for the 10-way categorical code",
                 fontsize=10)
    return save(fig, path)
