"""The closest sample/training pairs of the nearest-neighbour check (`repro.metrics.nearest_neighbours`)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from repro.plotting import save  # noqa: E402


def closest_pairs_figure(samples, train, result, path, title):
    """Top row: the samples nearest to any training image; bottom row: those training images; each
    column's title is the distance, set against the near-copy threshold (1st percentile of test->train)."""
    pairs = result["closest_pairs"]
    shape = np.asarray(samples).shape[1:]
    fig, axes = plt.subplots(2, len(pairs), figsize=(1.3 * len(pairs), 3.2), squeeze=False)
    for c, p in enumerate(pairs):
        for r, img in enumerate((samples[p["sample"]], train[p["train"]])):
            ax = axes[r, c]
            ax.imshow(np.asarray(img).reshape(shape)[..., 0] if shape[-1] == 1 else np.asarray(img).reshape(shape),
                      cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, c].set_title(f"d = {p['distance']:.2f}", fontsize=7,
                             color="red" if p["distance"] < result["threshold"] else "black")
    axes[0, 0].set_ylabel("sample", fontsize=7)
    axes[1, 0].set_ylabel("nearest\ntraining", fontsize=7)
    fig.suptitle(f"{title}\nthe {len(pairs)} samples closest to a training image (red: closer than the 1st "
                 f"percentile of test->train distances, {result['threshold']:.2f});\nnear-copies "
                 f"{100 * result['near_copy_fraction_samples']:.2f}% of samples vs "
                 f"{100 * result['near_copy_fraction_test']:.2f}% of test images; median distance ratio "
                 f"{result['median_ratio']:.2f}", fontsize=7, y=1.0)
    fig.subplots_adjust(top=0.72, hspace=0.15)
    return save(fig, path)
