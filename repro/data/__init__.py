"""Datasets as float32 arrays, split the way each experiment's source split them."""
from __future__ import annotations

import numpy as np

from repro.data.errors import DataError, DatasetUnavailable
from repro.data.splits import Splits, _scale

# Datasets no script can fetch (the user must bring a copy): an experiment that needs one is NOT RUN without it,
# which is not a failure. Every other dataset (MNIST, CIFAR-10) is downloaded when it is missing, so failing to
# get it is one.
PRIVATE_DATASETS = {"tfd": "the Toronto Face Database is not publicly downloadable"}


def without_autotune(ds):
    """`ds` with tf.data's autotuning off. Our pipelines have nothing to tune (a fixed prefetch, sequential maps),
    and the autotuner's background thread polls with a period that starts at 10 ms and doubles (up to 60 s):
    deleting the iterator waits for its current period, so every `fit` call ended on the next mark of 10 ms x
    (2^k - 1) — measured: 120 steps of the 2014 model, 5.3 s of CPU, returned after 10.26 s. A long run pays that
    once; a benchmark timing one `fit` per round paid it every round."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)


def load_splits(cfg: dict, data_dir=None) -> Splits:
    d = cfg["data"]
    name = d["dataset"]
    if name == "mnist":
        from repro.data.mnist import load_mnist

        m = load_mnist(data_dir)
        a, b = d["train_range"]
        va, vb = d["valid_range"]
        tr_x, tr_y = m["train_x"][a:b], m["train_y"][a:b]
        n = cfg["train"].get("train_examples")
        if n:
            tr_x, tr_y = tr_x[:n], tr_y[:n]
        return Splits(_scale(tr_x, d["pixel_range"])[..., None],
                      _scale(m["train_x"][va:vb], d["pixel_range"])[..., None],
                      _scale(m["test_x"], d["pixel_range"])[..., None], tr_y, m["train_y"][va:vb], m["test_y"],
                      (28, 28, 1), name)
    if name == "binarized_mnist":
        return load_binarized_splits(cfg, data_dir)
    if name == "cifar10":
        from repro.data.cifar10 import load_cifar10_splits

        return load_cifar10_splits(cfg, data_dir)
    if name == "tfd":
        from repro.data.tfd import load_tfd_splits

        return load_tfd_splits(cfg, data_dir)
    raise DataError(f"dataset {name!r} has no loader here")


def load_binarized_splits(cfg: dict, data_dir=None) -> Splits:
    """Binarized MNIST as float32 0/1 arrays; `binarisation` says which set (fixed or one stochastic draw), and
    `train_intensity` (grey levels in [0, 1]) is kept when the training set may be re-drawn every epoch."""
    from repro.data.binarized_mnist import load_binarized_mnist

    d = cfg["data"]
    m = load_binarized_mnist(data_dir, d["binarisation"])
    if d["redraw_train_binarisation"] and "intensity_train" not in m:
        raise DataError("data.redraw_train_binarisation needs the grey levels, which the fixed binarised set does "
                        "not have: set data.binarisation: stochastic (drawn from the MNIST IDX files), or turn "
                        "re-drawing off.")
    n = cfg["train"].get("train_examples") or len(m["train"])
    labels = m.get("labels") or {}
    splits = Splits(m["train"][:n, :, :, None].astype(np.float32), m["valid"][..., None].astype(np.float32),
                    m["test"][..., None].astype(np.float32), labels["train"][:n] if labels else None,
                    labels.get("valid"), labels.get("test"), (28, 28, 1), "binarized_mnist")
    splits.binarisation = m["binarisation"]
    splits.source = m["source"]
    splits.sha256 = m.get("sha256")
    if "intensity_train" in m:
        splits.train_intensity = m["intensity_train"][:n, :, :, None].astype(np.float32) / 255.0
    return splits


__all__ = ["DataError", "DatasetUnavailable", "PRIVATE_DATASETS", "Splits", "load_splits"]
