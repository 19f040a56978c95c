"""Fig. 2 b-d of Goodfellow et al. (2014) for runs on TFD and CIFAR-10 (the MNIST panel is in figures.py).

Laid out as the code's show_samples_cifar_full_paper.py / show_samples_cifar_conv_paper.py: 4 rows of 5
samples, and after each row the training example nearest (squared Euclidean, in the data's own space:
GCN'd for CIFAR-10) to the row's last sample. GCN'd images are displayed as that script did: everything
divided by the largest absolute value among the samples, [-1, 1] mapped to [0, 1].
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from repro.plotting import FIG_SEED, nearest_training_example, save

PANELS = {("goodfellow2014_tfd_2stage", "tfd"): "Fig. 2 b (TFD)", ("goodfellow2014", "tfd"): "Fig. 2 b (TFD)",
          ("goodfellow2014", "cifar10"): "Fig. 2 c (CIFAR-10, fully connected model)",
          ("goodfellow2014_conv", "cifar10"): "Fig. 2 d (CIFAR-10, convolutional D and \"deconvolutional\" G)"}


def tile_rgb(images, rows, cols, pad=2, fill=1.0):
    """(rows*cols, H, W, C) in [0, 1] -> one (H', W', C) image with gutters."""
    n, h, w, c = images.shape
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, c), fill, np.float32)
    for i, im in enumerate(images[: rows * cols]):
        r, k = divmod(i, cols)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + k * (w + pad): pad + k * (w + pad) + w] = im
    return out


def samples_with_neighbours(model, splits, gcn, rows=4, cols=5):
    """The grid as unit-range images: rows of `cols` samples plus the nearest training example of the last one."""
    import keras

    z = model.noise_numpy(rows * cols, np.random.default_rng(FIG_SEED))
    raw = keras.ops.convert_to_numpy(model.decode(z)).astype(np.float32)  # G's own output space, before to_unit
    train = splits.flat("train")
    nn = nearest_training_example(raw.reshape(len(raw), -1), train)
    grid = []
    for r in range(rows):
        grid += list(raw[r * cols:(r + 1) * cols])
        grid.append(train[nn[(r + 1) * cols - 1]].reshape(raw.shape[1:]))
    grid = np.stack(grid)
    if gcn:
        scale = np.abs(raw).max()  # the paper script's one scale for samples and neighbours
        return np.clip((grid / scale + 1.0) / 2.0, 0.0, 1.0)
    return np.clip(grid, 0.0, 1.0)


def dataset_samples_figure(run, summary, results_dir):
    run_dir, cfg, model, splits, info = run.run_dir, run.cfg, run.model, run.splits, run.info
    rows, cols = 4, 5
    grid = samples_with_neighbours(model, splits, cfg["data"]["gcn_scale"] is not None, rows, cols)
    img = tile_rgb(grid, rows, cols + 1)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.0 * (cols + 1), 1.0 * rows))
    ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray", vmin=0, vmax=1)
    h = grid.shape[1] + 2
    ax.add_patch(plt.Rectangle((cols * h + 0.5, 0.5), h, rows * h, fill=False, edgecolor="gold", linewidth=2))
    ax.set_axis_off()
    panel = PANELS.get((cfg["model"], cfg["data"]["dataset"]), "Fig. 2")
    ax.set_title(f"{panel} (Goodfellow et al. 2014), {run_dir.name}, "
                 f"{info['checkpoint']} checkpoint (epoch {info['epoch']}):\nrandom samples; framed column = nearest "
                 "training example of its left neighbour", fontsize=7)
    return [save(fig, Path(results_dir) / "figures" / f"{run_dir.name}-fig2.png")]


def with_other_datasets(mnist_figures):
    """Runs of the 2014 models on TFD / CIFAR-10 get `dataset_samples_figure`; MNIST runs `mnist_figures`."""
    def figures(run, summary, results_dir):
        if run.cfg["data"]["dataset"] == "mnist":
            return mnist_figures(run, summary, results_dir)
        return dataset_samples_figure(run, summary, results_dir)

    return figures
