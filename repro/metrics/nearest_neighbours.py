"""Does the generator copy its training set? Nearest-neighbour distances as numbers, not pictures.

Theis et al. (2016) warn that a nearest-neighbour picture (the framed column of the 2014 paper's Fig. 2)
proves little. Here the same question is asked of every sample: the distance from each of N samples to
its nearest training image, against the distance from each of N held-out test images to theirs (pixel
space, Euclidean, images in [0, 1]). A generator that memorises puts its samples closer to training
images than fresh data from the same distribution would lie:

- `median_ratio`: median sample->train distance / median test->train distance (~1 for a model whose
  samples are as novel as test images; far below 1 for a copier; above 1 for blurry or poor samples);
- `threshold`: the 1st percentile of the test->train distances ("as close as the closest 1% of real
  held-out images come");
- `near_copy_fraction_samples`: the fraction of samples closer than that (near-copies), against
  `near_copy_fraction_test`, the test images' own fraction (about 1% by construction);
- the verdict rule: "no memorisation" when the samples' near-copy fraction is at most `factor` (2) times
  the test images' own.

Distances come from ||x||^2 - 2 x.t + ||t||^2 with one float32 matrix product per chunk of points (as
`repro.metrics.parzen` does); float32 cancellation loses up to ~1e-3 in a squared distance of ~100, which
would blur exact copies (distance 0), so the few nearest training images of each point are recomputed
exactly in float64.
"""
from __future__ import annotations

import time

import numpy as np
import tensorflow as tf

PERCENTILE = 1.0   # near-copy threshold: this percentile of the test->train distances
FACTOR = 2.0       # "no memorisation" while samples' near-copy fraction <= FACTOR x the test images' own


def _flat(name, a, dim=None):
    a = np.asarray(a, np.float32)
    a = a.reshape(len(a), -1)
    if dim is not None and a.shape[1] != dim:
        raise ValueError(f"{name} has {a.shape[1]} values per image, the training images have {dim}.")
    if not len(a):
        raise ValueError(f"{name} is empty.")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf.")
    return a


@tf.function(reduce_retracing=True)
def _chunk_nearest(points, train, train64, sq_train, refine):
    sq_points = tf.reduce_sum(tf.square(points), axis=1, keepdims=True)
    d2 = sq_points - 2.0 * tf.matmul(points, train, transpose_b=True) + sq_train[None, :]
    _, idx = tf.math.top_k(-d2, k=refine)  # candidates by the float32 product ...
    near = tf.gather(train64, idx)  # (m, k, D)
    exact = tf.reduce_sum(tf.square(tf.cast(points, tf.float64)[:, None, :] - near), axis=2)  # ... ranked exactly
    best = tf.argmin(exact, axis=1, output_type=tf.int32)
    return tf.sqrt(tf.reduce_min(exact, axis=1)), tf.gather(idx, best, batch_dims=1)


def nearest_training_distances(points, train, batch_size: int = 1000, refine: int = 4):
    """Euclidean distance (float64) from each point to its nearest training image, and that image's index."""
    train = _flat("train", train)
    points = _flat("points", points, train.shape[1])
    refine = int(min(refine, len(train)))
    t32 = tf.constant(train)
    t64 = tf.constant(train, tf.float64)
    sq = tf.reduce_sum(tf.square(t32), axis=1)
    dist, idx = [], []
    for start in range(0, len(points), batch_size):
        d, i = _chunk_nearest(tf.constant(points[start:start + batch_size]), t32, t64, sq, refine)
        dist.append(d.numpy())
        idx.append(i.numpy())
    return np.concatenate(dist), np.concatenate(idx).astype(np.int64)


def memorisation_check(samples, test, train, percentile: float = PERCENTILE, factor: float = FACTOR,
                       n_pairs: int = 8, batch_size: int = 1000) -> dict:
    """The numbers above for N samples and N test images (the same N: the shorter list is cut), plus the
    `n_pairs` closest sample/training pairs (indices into `samples` and `train`) for a figure."""
    n = min(len(samples), len(test))
    t0 = time.time()
    d_samples, i_samples = nearest_training_distances(np.asarray(samples)[:n], train, batch_size)
    d_test, _ = nearest_training_distances(np.asarray(test)[:n], train, batch_size)
    threshold = float(np.percentile(d_test, percentile))
    frac_samples = float(np.mean(d_samples < threshold))
    frac_test = float(np.mean(d_test < threshold))
    closest = np.argsort(d_samples, kind="stable")[:n_pairs]
    return {
        "n_samples": int(n), "n_test": int(n), "n_train": int(len(train)),
        "median_sample_distance": float(np.median(d_samples)),
        "median_test_distance": float(np.median(d_test)),
        "median_ratio": float(np.median(d_samples) / np.median(d_test)),
        "percentile": float(percentile),
        "threshold": threshold,
        "near_copy_fraction_samples": frac_samples,
        "near_copy_fraction_test": frac_test,
        "factor": float(factor),
        "no_memorisation": bool(frac_samples <= factor * frac_test),
        "closest_pairs": [{"sample": int(i), "train": int(i_samples[i]), "distance": float(d_samples[i])}
                          for i in closest],
        "seconds": time.time() - t0,
    }
