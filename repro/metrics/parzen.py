"""The Parzen-window log-likelihood protocol of Goodfellow et al. (2014), `parzen_ll.py`.

A Gaussian kernel of width sigma sits on each generated sample; a test point's
log-likelihood is

    log-mean-exp_j( -||x - mu_j||^2 / (2 sigma^2) ) - D log(sigma sqrt(2 pi)).

sigma is chosen from logspace(-1, 0, 10) by the mean log-likelihood of validation points;
the test set is then scored with that sigma, reported as mean and std / sqrt(M).

The original builds a (batch x samples x pixels) difference tensor. Here the squared
distances come from ||x||^2 - 2 x.mu + ||mu||^2 with one matrix product per chunk of
points, computed once and reused for every sigma. A float32 product loses up to ~1e-4 in
a distance of ~50, which at sigma = 0.1 is ~5e-3 nats, so the few nearest samples of each
point (they carry the log-sum-exp) are recomputed exactly in float64.
"""
from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

SIGMAS = np.logspace(-1, 0, 10)


def _check(name, a, dim=None):
    a = np.asarray(a)
    if a.ndim != 2:
        a = a.reshape(len(a), -1)
    if dim is not None and a.shape[1] != dim:
        raise ValueError(f"{name} has {a.shape[1]} values per point, the samples have {dim}.")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf.")
    return a


@tf.function(reduce_retracing=True)
def _chunk_ll(points, samples, samples64, sq_samples, inv_two_var, log_norm, refine):
    """Per-point log-likelihood for every sigma; points (m, D), samples (N, D)."""
    sq_points = tf.reduce_sum(tf.square(points), axis=1, keepdims=True)
    d2 = sq_points - 2.0 * tf.matmul(points, samples, transpose_b=True) + sq_samples[None, :]
    d2 = tf.maximum(d2, 0.0)
    # the nearest samples, recomputed exactly; their float32 entries are pushed out of the sum
    _, idx = tf.math.top_k(-d2, k=refine)
    near = tf.gather(samples64, idx)  # (m, k, D)
    exact = tf.reduce_sum(tf.square(tf.cast(points, tf.float64)[:, None, :] - near), axis=2)  # (m, k)
    rows = tf.broadcast_to(tf.range(tf.shape(idx)[0])[:, None], tf.shape(idx))
    d2_rest = tf.tensor_scatter_nd_update(d2, tf.stack([rows, idx], axis=-1), tf.fill(tf.shape(idx), 1e30))

    def one_sigma(inv):
        rest = tf.cast(tf.reduce_logsumexp(-d2_rest * tf.cast(inv, tf.float32), axis=1), tf.float64)
        near_part = tf.reduce_logsumexp(-exact * inv, axis=1)
        return tf.reduce_logsumexp(tf.stack([rest, near_part], axis=1), axis=1)

    lse = tf.map_fn(one_sigma, inv_two_var, fn_output_signature=tf.float64)  # (S, m)
    return tf.transpose(lse) - log_norm[None, :]


def parzen_log_likelihoods(samples, points, sigmas, batch_size: int = 1000, refine: int = 8,
                           devices=None) -> np.ndarray:
    """Log-likelihood of each point under the Parzen window for each sigma: array (M, S), float64.

    Memory is bounded by the chunk of points (batch_size x N distances), not by M x N. With `devices`
    (e.g. ["/gpu:0", "/gpu:1"]) the chunks of test points are sharded round-robin over them; each device
    holds its own copy of the samples."""
    samples = _check("samples", samples)
    points = _check("points", points, samples.shape[1])
    sigmas = np.atleast_1d(np.asarray(sigmas, dtype=np.float64))
    if sigmas.size == 0 or not np.all(np.isfinite(sigmas) & (sigmas > 0)):
        raise ValueError(f"Parzen window widths must be positive numbers; got {sigmas.tolist()}.")
    if len(samples) == 0 or len(points) == 0:
        raise ValueError(f"the Parzen estimate needs at least one sample and one point; got {len(samples)} samples "
                         f"and {len(points)} points.")
    n, dim = samples.shape
    refine = int(min(refine, n))
    devices = list(devices or [None])
    per_device = []
    for d in devices:
        with tf.device(d):
            s32 = tf.constant(samples, tf.float32)
            per_device.append((s32, tf.constant(samples, tf.float64), tf.reduce_sum(tf.square(s32), axis=1),
                               tf.constant(1.0 / (2.0 * sigmas ** 2), tf.float64),
                               tf.constant(math.log(n) + dim * np.log(sigmas * math.sqrt(2 * math.pi)), tf.float64)))
    pending = []
    for i, start in enumerate(range(0, len(points), batch_size)):
        d = i % len(devices)
        with tf.device(devices[d]):
            s32, s64, sq, inv, log_norm = per_device[d]
            chunk = tf.constant(points[start:start + batch_size], tf.float32)
            pending.append(_chunk_ll(chunk, s32, s64, sq, inv, log_norm, refine))  # runs asynchronously
        if len(pending) > 2 * len(devices):  # keep memory bounded: at most two chunks in flight per device
            pending[-2 * len(devices) - 1] = pending[-2 * len(devices) - 1].numpy()
    return np.concatenate([np.asarray(p) for p in pending], axis=0)


def parzen_protocol(samples, valid, test, sigmas=SIGMAS, sigma: float | None = None, batch_size: int = 1000,
                    devices=None) -> dict:
    """The paper's protocol: sigma by validation mean log-likelihood, then test mean and standard error."""
    valid_means = None
    if sigma is None:
        valid_ll = parzen_log_likelihoods(samples, valid, sigmas, batch_size, devices=devices)
        valid_means = valid_ll.mean(axis=0)
        sigma = float(np.asarray(sigmas)[int(np.argmax(valid_means))])
    test_ll = parzen_log_likelihoods(samples, test, [sigma], batch_size, devices=devices)[:, 0]
    return {
        "ll": float(test_ll.mean()),
        "se": float(test_ll.std() / math.sqrt(len(test_ll))),
        "sigma": float(sigma),
        "n_samples": int(len(samples)),
        "n_test": int(len(test_ll)),
        "n_valid": None if valid is None else int(len(valid)),
        "valid_ll_by_sigma": None if valid_means is None else
        {f"{s:.6g}": float(v) for s, v in zip(np.asarray(sigmas), valid_means)},
    }


def parzen_over_folds(samples, folds, sigmas=SIGMAS, valid_examples=None, test_examples=None) -> dict:
    """Table 1's TFD protocol: per fold, sigma by that fold's validation set, then its test set (the first
    `valid_examples` / `test_examples` of each); the mean over the folds with the standard error across folds
    (std over folds / sqrt(number of folds), numpy's default ddof=0). `folds`: [(valid, test)] per fold."""
    out = []
    for fold, (valid, test) in enumerate(folds):
        out.append({"fold": fold, **parzen_protocol(samples, valid[:valid_examples], test[:test_examples], sigmas)})
    lls = np.array([f["ll"] for f in out])
    return {"ll": float(lls.mean()), "se": float(lls.std() / np.sqrt(len(lls))), "folds": out}


def parzen_brute_force(samples, points, sigma: float) -> np.ndarray:
    """Float64 reference with the original's shape of work (points x samples x pixels). Small data only."""
    samples = np.asarray(samples, np.float64).reshape(len(samples), -1)
    points = np.asarray(points, np.float64).reshape(len(points), -1)
    diff = points[:, None, :] - samples[None, :, :]
    a = -np.sum(diff ** 2, axis=2) / (2 * sigma ** 2)
    m = a.max(axis=1, keepdims=True)
    lme = m[:, 0] + np.log(np.mean(np.exp(a - m), axis=1))
    return lme - samples.shape[1] * np.log(sigma * np.sqrt(2 * np.pi))
