"""Figures of the course documents' MNIST models: VAE, autoencoder, conditional GAN, WGAN.

Run figures load the trained run; `wgan_curves` and `cgan_curves` draw from results/runs/*.json alone.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from repro.plotting import FIG_SEED, save, tile
from repro.results import load_runs

DIGIT_COLOURS = plt.get_cmap("tab10")


def _load(run):
    return run.cfg, run.model, run.splits, f"{run.run_dir.name}, epoch {run.info['epoch']}"


def _grid_figure(images, rows, cols, title, path, scale=0.55):
    fig, ax = plt.subplots(figsize=(scale * cols, scale * rows + 0.5))
    ax.imshow(tile(images, rows, cols), cmap="gray", vmin=0, vmax=1)
    ax.set_axis_off()
    ax.set_title(title, fontsize=7)
    return save(fig, path)


def manifold_extent(grid, image_size, pad=2):
    """imshow extent (left, right, bottom, top) in z units of a tile() grid whose cell centres are at `grid`
    (evenly spaced, the same values along both axes; the top row is the largest z2)."""
    step = grid[1] - grid[0]
    cell = image_size + pad  # pixels per cell; tile() puts `pad` pixels before the first cell too
    centre0 = pad + image_size / 2  # pixel coordinate of the first cell's centre
    total = len(grid) * cell + pad
    left, right = grid[0] - centre0 / cell * step, grid[0] + (total - centre0) / cell * step
    top, bottom = grid[-1] + centre0 / cell * step, grid[-1] - (total - centre0) / cell * step
    return float(left), float(right), float(bottom), float(top)


def manifold_figure(images, grid, title, path, scale=0.4):
    """Decoded images of z = (z1, z2) on `grid` x `grid` (rows from the largest z2 down), with z on the axes."""
    n = len(grid)
    fig, ax = plt.subplots(figsize=(scale * n + 0.6, scale * n + 0.9))
    ax.imshow(tile(images, n, n), cmap="gray", vmin=0, vmax=1,
              extent=manifold_extent(grid, images.shape[1]))
    ticks = np.arange(np.ceil(grid[0]), np.floor(grid[-1]) + 1)
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    ax.set_title(title, fontsize=7)
    return save(fig, path)


def pca_2d(codes, *others):
    """Project codes (and other points in the same space) on the codes' first two principal axes."""
    mean = codes.mean(axis=0)
    if codes.shape[1] <= 2:
        return [codes, *others], "z"
    _, _, vt = np.linalg.svd(codes - mean, full_matrices=False)
    axes = vt[:2].T
    return [(codes - mean) @ axes] + [(o - mean) @ axes for o in others], "PCA of z"


def codes_scatter(codes, labels, path, title, prior=None, xlabel="z"):
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    for d in range(10):
        sel = labels == d
        ax.scatter(codes[sel, 0], codes[sel, 1], s=2, color=DIGIT_COLOURS(d), label=str(d), alpha=0.6, linewidths=0)
    if prior is not None:
        ax.scatter(prior[:, 0], prior[:, 1], s=3, color="k", marker="x", linewidths=0.4, label="N(0, I) draws")
    ax.set_xlabel(f"{xlabel} 1")
    ax.set_ylabel(f"{xlabel} 2")
    ax.legend(markerscale=4, fontsize=6, loc="best", ncol=2)
    ax.set_title(title, fontsize=7)
    return save(fig, path)


def vae_figures(run, summary, results_dir):
    cfg, model, splits, tag = _load(run)
    figdir, name = Path(results_dir) / "figures", run.run_dir.name
    out = [_grid_figure(model.generate(100, seed=FIG_SEED)["images"], 10, 10,
                        "The book chapter “VAE, GAN and variants” fig. 10-2: VAE samples "
                        f"(decoder means at z ~ N(0, I)), {tag}",
                        figdir / f"{name}-samples.png")]
    if model.latent_dim == 2:
        # fig. 10-4 of the book chapter: an evenly spaced grid of the latent plane through the decoder
        steps = 20
        grid = np.linspace(-3.0, 3.0, steps, dtype=np.float32)
        z = np.stack(np.meshgrid(grid, grid[::-1]), axis=-1).reshape(-1, 2)
        out.append(manifold_figure(model.decode_numpy(z), grid,
                                   'Fig. 10-4 of the book chapter "VAE, GAN and variants" (Kingma & Welling 2014, '
                                   f"Fig. 4b):\nthe decoder's mean image on an evenly spaced grid of the latent plane, "
                                   f"{tag}", figdir / f"{name}-manifold.png"))
    n = 5000
    codes = model.encode_numpy(splits.test[:n])
    (proj,), axis = pca_2d(codes)
    out.append(codes_scatter(proj, splits.test_labels[:n], figdir / f"{name}-latent_codes.png",
                             f"VAE: posterior means of {n} test digits ({model.latent_dim}-d latent"
                             f"{'' if model.latent_dim == 2 else ', first two principal axes'}), by label; {tag}",
                             xlabel=axis))
    return out


def autoencoder_figures(run, summary, results_dir):
    cfg, model, splits, tag = _load(run)
    figdir, name = Path(results_dir) / "figures", run.run_dir.name
    test = splits.test[:12]
    recon = model.decode_numpy(model.encode_numpy(test))
    out = [_grid_figure(np.concatenate([test, recon]), 2, 12,
                        f"Lecture 8 “Generative Models” exercise: autoencoder reconstructions "
                        f"(top: test digits, bottom: decoded codes), "
                        f"{tag}", figdir / f"{name}-reconstructions.png")]
    n = 5000
    codes = model.encode_numpy(splits.test[:n])
    prior = model.noise_numpy(1000, np.random.default_rng(FIG_SEED))
    (proj, prior_proj), axis = pca_2d(codes, prior)
    out.append(codes_scatter(proj, splits.test_labels[:n], figdir / f"{name}-latent_codes.png",
                             f"Autoencoder: codes of {n} test digits ({model.latent_dim}-d, first two principal axes) "
                             f"by label, and 1,000 N(0, I) draws in the same projection; {tag}",
                             prior=prior_proj, xlabel=axis))
    train_codes = model.encode_numpy(splits.train[:20000])
    fitted = np.random.default_rng(FIG_SEED).multivariate_normal(train_codes.mean(0), np.cov(train_codes, rowvar=False),
                                                                 50).astype(np.float32)
    images = np.concatenate([model.generate(50, seed=FIG_SEED)["images"], model.decode_numpy(fitted)])
    out.append(_grid_figure(images, 10, 10,
                            f"Autoencoder decoder at z ~ N(0, I) (top 5 rows) and at z ~ a Gaussian fitted to the "
                            f"training codes (bottom 5 rows), {tag}", figdir / f"{name}-prior_samples.png"))
    return out


def cgan_figures(run, summary, results_dir):
    cfg, model, splits, tag = _load(run)
    figdir, name = Path(results_dir) / "figures", run.run_dir.name
    cols = 12
    labels = np.repeat(np.arange(10), cols)
    images = model.generate(10 * cols, seed=FIG_SEED, labels=labels)["images"]
    acc = summary.get("metrics", {}).get("requested_label_accuracy")
    fig, ax = plt.subplots(figsize=(0.55 * cols, 0.55 * 10 + 0.5))
    ax.imshow(tile(images, 10, cols), cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([2 + 14 + 30 * d for d in range(10)], [f"y = {d}" for d in range(10)], fontsize=7)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title(f"Mirza & Osindero 2014 fig. 2: conditional GAN, one row per requested digit; {tag}"
                 + (f"\nclassifier agrees with the requested label on {100 * acc:.1f}% of 10,000 samples"
                    if acc is not None else ""), fontsize=7)
    return [save(fig, figdir / f"{name}-rows_by_label.png")]


def wgan_figures(run, summary, results_dir):
    cfg, model, splits, tag = _load(run)
    figdir, name = Path(results_dir) / "figures", run.run_dir.name
    return [_grid_figure(model.generate(100, seed=FIG_SEED)["images"], 10, 10,
                         f"WGAN (weight clipping, Arjovsky et al. 2017) samples, {tag}",
                         figdir / f"{name}-samples.png")]


def _summaries(results_dir, experiment):
    """The summaries in results/runs of one experiment's runs, chosen by their own `experiment` field (a run
    folder may have any name)."""
    return [s for s in load_runs(results_dir).values() if s.get("experiment") == experiment]


def _quality_panels(ax_score, ax_fd, x, monitored):
    """Classifier score and Frechet distance of the samples SampleMonitor kept, against x."""
    ax_score.plot(x, [m["classifier_score"] for m in monitored], color="C1")
    ax_score.set_ylabel("classifier score (max 10)")
    ax_fd.plot(x, [m["frechet_distance"] for m in monitored], color="C2")
    ax_fd.set_yscale("log")
    ax_fd.set_ylabel("Fréchet distance (classifier logits)")


def wgan_curves(results_dir):
    """Arjovsky et al. 2017 figs. 3-4 style: the critic's estimate over training beside sample quality."""
    out = []
    for s in _summaries(results_dir, "wgan_mnist"):
        h = [r for r in s["history"] if r.get("wasserstein") is not None]
        if not h:
            continue
        steps_per_epoch = s["metrics"].get("generator_steps_per_epoch") or 1
        x = [(r["epoch"] + 1) * steps_per_epoch for r in h]
        fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
        axes[0].plot(x, [r["wasserstein"] for r in h], color="C0")
        axes[0].set_ylabel("critic's Wasserstein estimate")
        monitored = s["metrics"].get("monitor", [])
        # SampleMonitor's epochs count from 1, the history's from 0
        _quality_panels(axes[1], axes[2], [m["epoch"] * steps_per_epoch for m in monitored], monitored)
        for ax in axes:
            ax.set_xlabel("generator iterations" if steps_per_epoch > 1 else "epoch")
        fig.suptitle(f"WGAN (Arjovsky et al. 2017 figs. 3-4 style), {s['run']}: the critic's Wasserstein estimate "
                     f"(epoch mean, last critic step of each generator step)\nbeside sample quality of "
                     f"{s['metrics'].get('monitor_samples')} samples kept after each epoch", fontsize=8)
        fig.tight_layout(rect=(0, 0, 1, 0.9))
        out.append(save(fig, Path(results_dir) / "figures" / f"{s['run']}-wasserstein_vs_quality.png"))
    return out


def cgan_curves(results_dir, bar=0.90):
    """Requested-label accuracy against epoch (where it meets our bar, or where it stops)."""
    out = []
    for s in _summaries(results_dir, "cgan_mnist"):
        q = [m for m in s["metrics"].get("monitor", []) if m.get("requested_label_accuracy") is not None]
        if not q:
            continue
        epochs = [m["epoch"] for m in q]
        fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
        axes[0].plot(epochs, [100 * m["requested_label_accuracy"] for m in q], color="C0")
        axes[0].axhline(100 * bar, color="k", lw=0.8, ls="--", label=f"our bar ({100 * bar:.0f}%)")
        final = s["metrics"].get("requested_label_accuracy")
        if final is not None:
            axes[0].plot([epochs[-1]], [100 * final], "o", color="C3", ms=4, label="final, 10,000 samples")
        axes[0].set_ylabel("requested-label accuracy (%)")
        axes[0].legend(fontsize=7, loc="lower right")
        _quality_panels(axes[1], axes[2], epochs, q)
        for ax in axes:
            ax.set_xlabel("epoch")
        fig.suptitle(f"Conditional GAN, {s['run']}: does the classifier see the requested digit? "
                     f"{s['metrics'].get('monitor_samples')} label-balanced samples from fixed noise after each epoch",
                     fontsize=8)
        fig.tight_layout(rect=(0, 0, 1, 0.92))
        out.append(save(fig, Path(results_dir) / "figures" / f"{s['run']}-label_accuracy_vs_epoch.png"))
    return out
