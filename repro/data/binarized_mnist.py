"""Binarized MNIST: 0/1 images, train 50,000 / valid 10,000 / test 10,000.

Where it comes from, first match wins (`binarisation: auto`):
1. Salakhutdinov & Murray's (2008) fixed stochastic binarisation, the set the likelihood tables of the
   autoregressive papers use: a folder (REPRO_BINARIZED_MNIST_DIR, or the CLI's data folder when it holds them)
   with its three files binarized_mnist_{train,valid,test}.amat (one image a line, 784 values 0/1);
2. the same set from tensorflow-datasets' `binarized_mnist`, only when it is already prepared on this machine
   (TFDS_DATA_DIR or ~/tensorflow_datasets): the suite never asks tensorflow-datasets to download, which offline
   would retry for minutes;
3. otherwise one seeded stochastic binarisation of the IDX MNIST (each pixel ~ Bernoulli(its intensity / 255)),
   train = train[0:50000], valid = train[50000:60000], test = t10k: the same process as the fixed set, but
   another draw of it. Every summary and report row carries which of the two was used (`binarisation`).

`binarisation: fixed` refuses to fall back to 3; `stochastic` always uses 3. The .amat files have no published
checksum we could confirm, so they are checked for their shape and values (50,000 / 10,000 / 10,000 lines of 784
zeros and ones) and the SHA-256 of each file read is recorded beside the results; the IDX files are checked by
their standard checksums (repro.data.mnist).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from repro.data.errors import DataError

AMAT = {"train": "binarized_mnist_train.amat", "valid": "binarized_mnist_valid.amat",
        "test": "binarized_mnist_test.amat"}
COUNTS = {"train": 50000, "valid": 10000, "test": 10000}
STOCHASTIC_SEED = 2008  # the one draw from the IDX files (any fixed number; 2008 is the fixed set's year)
FIXED = "fixed (Salakhutdinov & Murray 2008)"
HOW_TO_FIX = ("For the standard fixed binarisation, point REPRO_BINARIZED_MNIST_DIR at a folder holding "
              "binarized_mnist_train.amat, binarized_mnist_valid.amat and binarized_mnist_test.amat (they are "
              "published beside Larochelle's NADE code), or prepare tensorflow-datasets' binarized_mnist once online "
              "(python -c \"import tensorflow_datasets as t; t.load('binarized_mnist')\"); or set "
              "data.binarisation: stochastic to draw one from the MNIST IDX files.")


def stochastic_label(seed=STOCHASTIC_SEED):
    return f"stochastic (one seeded draw from the IDX MNIST, seed {seed}; not the fixed set)"


def amat_folder(data_dir=None):
    """The folder holding the three .amat files, or None."""
    for cand in (os.environ.get("REPRO_BINARIZED_MNIST_DIR"), data_dir):
        if cand and Path(cand).is_dir() and all((Path(cand) / f).exists() for f in AMAT.values()):
            return Path(cand)
    return None


def _tfds_prepared():
    """tensorflow-datasets' data folder when binarized_mnist is prepared in it (no import, no network)."""
    root = Path(os.environ.get("TFDS_DATA_DIR") or Path.home() / "tensorflow_datasets")
    return root if list((root / "binarized_mnist").glob("*/dataset_info.json")) else None


def read_amat(path: Path, count: int) -> tuple[np.ndarray, str]:
    try:
        blob = path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read {path} ({e.strerror}). {HOW_TO_FIX}") from None
    lines = blob.split(b"\n")
    if lines and not lines[-1].strip():
        lines = lines[:-1]
    if len(lines) != count:
        raise DataError(f"{path} has {len(lines)} images, the standard file has {count}: the file is damaged or "
                        f"not the standard one. Download it again. {HOW_TO_FIX}")
    try:
        x = np.array([np.frombuffer(line.replace(b" ", b"").strip(), np.uint8) - 48 for line in lines])
    except ValueError:
        x = None
    if x is None or x.ndim != 2 or x.shape[1] != 784 or x.max() > 1:
        raise DataError(f"{path} is not 784 values of 0 or 1 per line: the file is damaged or not the standard one. "
                        f"Download it again. {HOW_TO_FIX}")
    return x.reshape(count, 28, 28), hashlib.sha256(blob).hexdigest()


def _stochastic(data_dir, seed=STOCHASTIC_SEED):
    from repro.data.mnist import load_mnist

    m = load_mnist(data_dir)
    rng = np.random.default_rng(seed)
    grey = {"train": m["train_x"][:50000], "valid": m["train_x"][50000:60000], "test": m["test_x"]}
    # a pixel of intensity v/255 is 1 with probability v/255 (uniforms below it), as the fixed set was drawn
    out = {k: (rng.random(v.shape, dtype=np.float32) * 255.0 < v).astype(np.uint8) for k, v in grey.items()}
    return {**out, "intensity_train": grey["train"], "binarisation": stochastic_label(seed),
            "source": "the MNIST IDX files",
            "labels": {"train": m["train_y"][:50000], "valid": m["train_y"][50000:60000], "test": m["test_y"]}}


def _tfds(root):
    try:
        import tensorflow_datasets as tfds

        parts = tfds.as_numpy(tfds.load("binarized_mnist", split=["train", "validation", "test"], batch_size=-1,
                                        data_dir=str(root), download=False))
    except Exception as e:  # noqa: BLE001  a damaged or partial preparation: one message with the fix
        raise DataError(f"tensorflow-datasets' binarized_mnist in {root} could not be read ({type(e).__name__}: "
                        f"{e}). {HOW_TO_FIX}") from None
    out = {k: p["image"][..., 0].astype(np.uint8) for k, p in zip(("train", "valid", "test"), parts)}
    for k, n in COUNTS.items():
        if out[k].shape != (n, 28, 28):
            raise DataError(f"tensorflow-datasets' binarized_mnist in {root} has {k} shape {out[k].shape}, "
                            f"expected ({n}, 28, 28). {HOW_TO_FIX}")
    return {**out, "binarisation": FIXED, "source": f"tensorflow-datasets ({root})"}


_CACHE: dict = {}


def load_binarized_mnist(data_dir=None, binarisation="auto") -> dict:
    """uint8 0/1 arrays `train` (50000, 28, 28), `valid`, `test`; `binarisation` (which set, for every row),
    `source`, `sha256` (the .amat files read), and for the stochastic set `intensity_train` (grey levels, for
    re-drawing) and `labels`."""
    if binarisation not in ("auto", "fixed", "stochastic"):
        raise DataError(f"data.binarisation is {binarisation!r}; use auto, fixed or stochastic.")
    folder = amat_folder(data_dir) if binarisation != "stochastic" else None
    root = _tfds_prepared() if binarisation != "stochastic" and folder is None else None
    key = (binarisation, str(folder), str(root), str(data_dir or os.environ.get("REPRO_DATA_DIR")))
    if key in _CACHE:
        return _CACHE[key]
    if folder is not None:
        out, sha = {}, {}
        for k, name in AMAT.items():
            out[k], sha[name] = read_amat(folder / name, COUNTS[k])
        out.update(binarisation=FIXED, source=f"the folder {folder}", sha256=sha)
    elif root is not None:
        out = _tfds(root)
    elif binarisation == "fixed":
        raise DataError("data.binarisation is fixed, but no copy of the fixed binarised MNIST is here (no "
                        f"REPRO_BINARIZED_MNIST_DIR with its three .amat files, no prepared tensorflow-datasets "
                        f"binarized_mnist). {HOW_TO_FIX}")
    else:
        out = _stochastic(data_dir)
    _CACHE[key] = out
    return out

