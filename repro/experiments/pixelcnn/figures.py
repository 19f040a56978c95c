"""PixelCNN and Row LSTM figures: a grid of samples and one image being generated pixel by pixel (with the
probability the model gave each pixel as it was drawn). They reuse the samples evaluate drew (eval_samples.npz in
the run folder); without them, a few are drawn afresh."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from repro.plotting import FIG_SEED, full_grid_shape, save, tile


def _samples(run, n=100):
    path = Path(run.run_dir) / "eval_samples.npz"
    if path.exists():
        with np.load(path) as f:
            return f["images"].astype(np.float32), f["probabilities"].astype(np.float32), "the evaluated samples"
    s = run.model.generate(min(n, 36), seed=FIG_SEED)
    return s["images"], s["probabilities"], f"seed {FIG_SEED}"


def sample_grid(images, title, path):
    rows, cols = full_grid_shape(min(len(images), 100), max_cols=10)  # every image drawn shows (36 -> 6 x 6)
    fig, ax = plt.subplots(figsize=(0.55 * cols, 0.55 * rows + 0.5))
    ax.imshow(tile(images, rows, cols, fill=0.5), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title, fontsize=7)
    return save(fig, path)


def generation_sequence(image, probs, title, path, frames=(0, 28, 84, 168, 252, 336, 420, 504, 588, 672, 784)):
    """Top row: the image after k pixels (not yet drawn: grey); bottom row: p(x_i = 1 | x_<i) of each drawn pixel."""
    flat, p = image.reshape(-1), probs.reshape(-1)
    fig, axes = plt.subplots(2, len(frames), figsize=(1.1 * len(frames), 2.6))
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("0.5")  # pixels not drawn yet: grey, as in the top row
    for j, k in enumerate(frames):
        shown, pk = np.full_like(flat, 0.5), np.full_like(p, np.nan)
        shown[:k], pk[:k] = flat[:k], p[:k]
        axes[0, j].imshow(shown.reshape(image.shape[:2]), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axes[1, j].imshow(np.ma.masked_invalid(pk.reshape(image.shape[:2])), cmap=cmap, vmin=0, vmax=1,
                          interpolation="nearest")
        axes[0, j].set_title(f"{k} pixels", fontsize=6)
        for a in axes[:, j]:
            a.set_axis_off()
    axes[1, 0].text(-2, 14, "p(x_i = 1 | x_<i)", fontsize=6, rotation=90, va="center", ha="right")
    fig.suptitle(title, fontsize=7)
    return save(fig, path)


def pixelcnn_figures(run, summary, results_dir):
    figdir, name = Path(results_dir) / "figures", run.run_dir.name
    images, probs, which = _samples(run)
    tag = f"{name}, epoch {run.info['epoch']}, {which}"
    model = type(run.model).NAME
    out = [sample_grid(images[:100], f"{model} samples (0/1 pixels; grey: gutter), {tag}",
                       figdir / f"{name}-samples.png"),
           generation_sequence(images[0], probs[0], f"One {model} sample drawn pixel by pixel in raster order, {tag}",
                               figdir / f"{name}-generation.png")]
    return out
