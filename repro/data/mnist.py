"""MNIST from a local IDX folder (offline, checksummed) or through tensorflow-datasets.

The folder may hold the four standard files gzipped (`*.gz`) or raw; each is checked
against the published checksums before it is trusted.
"""
from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np

from repro.data.errors import DataError

FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# sha256 of the gzipped files as distributed, md5 of the raw files (the values other tools publish).
SHA256_GZ = {
    "train-images-idx3-ubyte": "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
    "train-labels-idx1-ubyte": "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
    "t10k-images-idx3-ubyte": "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
    "t10k-labels-idx1-ubyte": "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
}
MD5_RAW = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
HOW_TO_FIX = ("Point --data-dir or REPRO_DATA_DIR at a folder with the four MNIST IDX files "
              "(train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], "
              "t10k-labels-idx1-ubyte[.gz]), or install tensorflow-datasets and go online.")


def parse_idx(raw: bytes, name: str) -> np.ndarray:
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{name} is not an unsigned-byte IDX file (bad magic number). {HOW_TO_FIX}")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DataError(f"{name} is truncated: header says {dims}, found {data.size} values. {HOW_TO_FIX}")
    return data.reshape(dims)


def _read_checked(folder: Path, stem: str, verify: bool) -> np.ndarray:
    gz, raw = folder / f"{stem}.gz", folder / stem
    if gz.exists():
        blob = gz.read_bytes()
        if verify and hashlib.sha256(blob).hexdigest() != SHA256_GZ[stem]:
            raise DataError(f"checksum mismatch for {gz}: the file is damaged or not the standard MNIST file. "
                            f"Download it again (or delete it and use the raw file). Expected sha256 "
                            f"{SHA256_GZ[stem]}.")
        blob = gzip.decompress(blob)
        return parse_idx(blob, str(gz))
    if raw.exists():
        blob = raw.read_bytes()
        if verify and hashlib.md5(blob).hexdigest() != MD5_RAW[stem]:
            raise DataError(f"checksum mismatch for {raw}: the file is damaged or not the standard MNIST file. "
                            f"Download it again. Expected md5 {MD5_RAW[stem]}.")
        return parse_idx(blob, str(raw))
    raise DataError(f"MNIST file {stem}[.gz] is missing from {folder}. {HOW_TO_FIX}")


_CACHE: dict = {}


def load_mnist(data_dir: str | os.PathLike | None = None, verify: bool = True) -> dict:
    """Returns dict with uint8 `train_x` (60000, 28, 28), `train_y`, `test_x`, `test_y`."""
    data_dir = data_dir or os.environ.get("REPRO_DATA_DIR")
    key = str(Path(data_dir).resolve()) if data_dir else "tfds"
    if key in _CACHE:
        return _CACHE[key]
    if data_dir:
        folder = Path(data_dir)
        if not folder.is_dir():
            raise DataError(f"MNIST folder {folder} does not exist. {HOW_TO_FIX}")
        arrays = {k: _read_checked(folder, stem, verify) for k, stem in FILES.items()}
        out = {"train_x": arrays["train_images"], "train_y": arrays["train_labels"].astype(np.int64),
               "test_x": arrays["test_images"], "test_y": arrays["test_labels"].astype(np.int64)}
    else:
        out = _load_tfds()
    if out["train_x"].shape != (60000, 28, 28) or out["test_x"].shape != (10000, 28, 28):
        raise DataError(f"MNIST has unexpected shapes {out['train_x'].shape}, {out['test_x'].shape}. {HOW_TO_FIX}")
    _CACHE[key] = out
    return out


def _load_tfds() -> dict:
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise DataError(f"no MNIST folder given and tensorflow-datasets is not installed. {HOW_TO_FIX}") from None
    try:
        # tensorflow-datasets stores the examples in its own (fixed) order, not the IDX files' order, so
        # train[0:50000] from here is a different 50,000/10,000 split than the 2014 code's; the IDX path is exact.
        splits = tfds.as_numpy(tfds.load("mnist", split=["train", "test"], batch_size=-1, shuffle_files=False))
    except Exception as e:  # network or download failure, reported once with the fix
        raise DataError(f"tensorflow-datasets could not provide MNIST ({type(e).__name__}: {e}). {HOW_TO_FIX}") from None
    (tr, te) = splits
    return {"train_x": tr["image"][..., 0], "train_y": tr["label"].astype(np.int64),
            "test_x": te["image"][..., 0], "test_y": te["label"].astype(np.int64)}
