"""CIFAR-10 as the 2014 code saw it (pylearn2 `CIFAR10(gcn=55.)`), from a local copy or tensorflow-datasets.

Local copy: the standard python-pickle batches (`cifar-10-batches-py/data_batch_1..5`, `test_batch`,
each a dict with b'data' uint8 (10000, 3072), rows = R, G, B planes of 32x32, and b'labels'), in the
folder given by --data-dir or REPRO_CIFAR10_DIR (that folder or its `cifar-10-batches-py/` child).
Without one, tensorflow-datasets is tried (its examples are stored shuffled; the `id` feature
"train_NNNNN" gives back the batches' order, which the train[0:40000] split depends on). When tfds has no copy
yet, one HEAD request first checks that its download server answers: offline, that is one error line within
seconds instead of minutes of tfds' retries; tfds' progress bars and warnings are kept off the terminal.

Preprocessing, as pylearn2's `global_contrast_normalize(X, scale=55.)` with its defaults: per image,
subtract the mean over its 3072 values, divide by the vector's L2 norm (use_std=False, sqrt_bias=0),
multiply by 55. Since sqrt(3072) = 55.4, every pixel then has a per-image variance of about 1.
(pylearn2 offers a std divisor too, but the CIFAR10 dataset used the default L2 norm.)
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np

from repro.data.errors import DataError, DatasetUnavailable

TRAIN_FILES = [f"data_batch_{i}" for i in range(1, 6)]
TEST_FILE = "test_batch"
HOW_TO_FIX = ("Download the CIFAR-10 python version (cifar-10-python.tar.gz from "
              "https://www.cs.toronto.edu/~kriz/cifar.html), unpack it and point --data-dir or REPRO_CIFAR10_DIR "
              "at the cifar-10-batches-py folder; or install tensorflow-datasets and go online.")


def global_contrast_normalize(x, scale=55.0, min_divisor=1e-8, chunk=5000):
    """pylearn2's GCN with its defaults: per row, subtract the mean, divide by the L2 norm, times `scale`.

    Computed in float64 a chunk of rows at a time (all of CIFAR-10 in float64 would take 1.4 GB)."""
    out = np.empty(np.shape(x), np.float32)
    for i in range(0, len(x), chunk):
        rows = np.asarray(x[i:i + chunk], np.float64)
        rows = rows - rows.mean(axis=1, keepdims=True)
        norms = np.sqrt((rows ** 2).sum(axis=1)) / scale
        norms[norms < min_divisor] = 1.0  # a flat image stays all zeros instead of dividing by ~0
        out[i:i + chunk] = rows / norms[:, None]
    return out


def gcn_to_unit(x):
    """GCN'd images to [0, 1] for display, as pylearn2's CIFAR10.adjust_for_viewer: each image divided by its own
    largest absolute value (giving [-1, 1]), then mapped to [0, 1]."""
    x = np.asarray(x, np.float32)
    flat = x.reshape(len(x), -1)
    peak = np.abs(flat).max(axis=1, keepdims=True)
    flat = flat / np.where(peak > 0, peak, 1.0)
    return ((flat + 1.0) / 2.0).reshape(x.shape).astype(np.float32)


def planes_to_hwc(rows):
    """(N, 3072) rows of R, G, B planes -> (N, 32, 32, 3)."""
    return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def _batch_folder(data_dir) -> Path:
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DatasetUnavailable(f"CIFAR-10 folder {folder} does not exist. {HOW_TO_FIX}")
    if not (folder / TRAIN_FILES[0]).exists() and (folder / "cifar-10-batches-py").is_dir():
        folder = folder / "cifar-10-batches-py"
    return folder


def read_batch(path: Path):
    """One pickle batch -> (uint8 (n, 3072), int64 (n,)); any problem is one DataError naming the file."""
    if not path.exists():
        raise DatasetUnavailable(f"CIFAR-10 file {path.name} is missing from {path.parent}. {HOW_TO_FIX}")
    try:
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        data = np.asarray(batch[b"data"])
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except Exception as e:  # truncated file, not a pickle, a dict without the keys ...
        raise DatasetUnavailable(f"CIFAR-10 file {path} could not be read as a python-pickle batch "
                                 f"({type(e).__name__}: {e}); it is damaged or not from cifar-10-python.tar.gz. "
                                 f"{HOW_TO_FIX}") from None
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise DatasetUnavailable(f"CIFAR-10 file {path} holds b'data' of shape {data.shape} ({data.dtype}) and "
                                 f"{len(labels)} labels; expected uint8 (n, 3072) and n labels. {HOW_TO_FIX}")
    return data, labels


# What tensorflow-datasets' cifar10 builder downloads (looked at before tfds is asked)
TFDS_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"


_CACHE: dict = {}


def load_cifar10(data_dir=None) -> dict:
    """uint8 `train_x` (50000, 32, 32, 3) in the batches' order, `train_y`, `test_x` (10000, ...), `test_y`.

    A local folder may hold fewer images per batch (the tests write tiny ones); shapes are not forced."""
    data_dir = data_dir or os.environ.get("REPRO_CIFAR10_DIR")
    key = str(Path(data_dir).resolve()) if data_dir else "tfds"
    if key in _CACHE:
        return _CACHE[key]
    if data_dir:
        folder = _batch_folder(data_dir)
        parts = [read_batch(folder / name) for name in TRAIN_FILES]
        test_x, test_y = read_batch(folder / TEST_FILE)
        out = {"train_x": planes_to_hwc(np.concatenate([p[0] for p in parts])),
               "train_y": np.concatenate([p[1] for p in parts]),
               "test_x": planes_to_hwc(test_x), "test_y": test_y}
    else:
        out = _load_tfds()
    _CACHE[key] = out
    return out


def _load_tfds() -> dict:
    from repro.data.download import tfds_splits

    tr, te = tfds_splits("cifar10", "CIFAR-10", TFDS_URL, "about 160 MB",
                         "no CIFAR-10 folder given (--data-dir or REPRO_CIFAR10_DIR) and ", HOW_TO_FIX)

    def in_batch_order(split):
        # tfds stores examples shuffled by key; "train_01234" is the image's index in the batches
        order = np.argsort([int(i.decode().rsplit("_", 1)[1]) for i in split["id"]])
        return split["image"][order], split["label"][order].astype(np.int64)

    train_x, train_y = in_batch_order(tr)
    test_x, test_y = in_batch_order(te)
    return {"train_x": train_x, "train_y": train_y, "test_x": test_x, "test_y": test_y}


def load_cifar10_splits(cfg: dict, data_dir=None):
    """Splits of the config: train[train_range] (first train_examples of it), valid[valid_range], the test batch.

    With data.gcn_scale set (the 2014 configs: 55) images are GCN'd as pylearn2 did; otherwise scaled to the
    config's pixel range."""
    from repro.data.splits import Splits, _scale

    d = cfg["data"]
    m = load_cifar10(data_dir)
    (a, b), (va, vb) = d["train_range"], d["valid_range"]
    n_train = len(m["train_x"])
    if not (0 <= a < b <= n_train and 0 <= va < vb <= n_train):
        raise DataError(f"data.train_range {d['train_range']} / data.valid_range {d['valid_range']} do not fit the "
                        f"{n_train} CIFAR-10 training images found. {HOW_TO_FIX}")

    def prepare(x):
        if d["gcn_scale"] is None:
            return _scale(x, d["pixel_range"])
        # GCN works on the flat vector; the value order inside it does not change the result
        return global_contrast_normalize(x.reshape(len(x), -1), d["gcn_scale"]).reshape(x.shape)

    tr_x, tr_y = m["train_x"][a:b], m["train_y"][a:b]
    n = cfg["train"].get("train_examples")
    if n:
        tr_x, tr_y = tr_x[:n], tr_y[:n]
    return Splits(prepare(tr_x), prepare(m["train_x"][va:vb]), prepare(m["test_x"]),
                  tr_y, m["train_y"][va:vb], m["test_y"], (32, 32, 3), "cifar10")
