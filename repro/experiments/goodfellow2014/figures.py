"""Goodfellow et al. 2014 on MNIST: Fig. 2 (samples beside their nearest training example) and Fig. 3
(interpolation in z). The validation Parzen estimate during training is longrun.py's figure."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from repro.plotting import FIG_SEED, nearest_training_example, save, tile


def fig2_samples_with_neighbours(model, splits, path, title, rows=6, cols=5):
    """Paper Fig. 2: random samples; the rightmost column is the nearest training example of its left neighbour."""
    samples = model.generate(rows * cols, seed=FIG_SEED)["images"]
    train = splits.flat("train")
    nn = nearest_training_example(samples.reshape(len(samples), -1), train)
    grid = []
    for r in range(rows):
        row = samples[r * cols:(r + 1) * cols]
        neighbour = train[nn[(r + 1) * cols - 1]].reshape(1, *samples.shape[1:])
        grid.append(np.concatenate([row, neighbour], axis=0))
    img = tile(np.concatenate(grid), rows, cols + 1)
    fig, ax = plt.subplots(figsize=(0.9 * (cols + 1), 0.9 * rows))
    ax.imshow(img, cmap="gray", vmin=0, vmax=1)
    h = samples.shape[1] + 2
    ax.add_patch(plt.Rectangle((cols * h + 0.5, 0.5), h, rows * h, fill=False, edgecolor="gold", linewidth=2))
    ax.set_axis_off()
    ax.set_title(title, fontsize=8)
    return save(fig, path)


def fig3_interpolation(model, path, title, rows=6, steps=12):
    """Paper Fig. 3: digits from linear interpolation alpha z1 + (1 - alpha) z0 between random points in z."""
    rng = np.random.default_rng(FIG_SEED)
    z0, z1 = model.noise_numpy(rows, rng), model.noise_numpy(rows, rng)
    alphas = np.linspace(0.0, 1.0, steps, dtype=np.float32)
    z = (alphas[None, :, None] * z1[:, None, :]
         + (1 - alphas[None, :, None]) * z0[:, None, :]).reshape(rows * steps, -1)
    images = model.decode_numpy(z)
    fig, ax = plt.subplots(figsize=(0.8 * steps, 0.8 * rows))
    ax.imshow(tile(images, rows, steps), cmap="gray", vmin=0, vmax=1)
    ax.set_axis_off()
    ax.set_title(title, fontsize=8)
    return save(fig, path)


def run_figures(run, summary, results_dir):
    """Figs. 2 and 3 of an MNIST run (TFD and CIFAR-10 runs: datasets_figures.py)."""
    figdir = Path(results_dir) / "figures"
    run_dir, model, splits, info = run.run_dir, run.model, run.splits, run.info
    tag = f"{run_dir.name}, {info['checkpoint']} checkpoint (epoch {info['epoch']})"
    return [
        fig2_samples_with_neighbours(
            model, splits, figdir / f"{run_dir.name}-fig2.png",
            f"Fig. 2 (Goodfellow et al. 2014), {tag}:\nrandom samples; framed column = nearest training example "
            "of its left neighbour"),
        fig3_interpolation(model, figdir / f"{run_dir.name}-fig3.png",
                           f"Fig. 3 (Goodfellow et al. 2014), {tag}: linear interpolation in z"),
    ]

