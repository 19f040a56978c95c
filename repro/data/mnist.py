"""MNIST as the four standard IDX files, in their original order (train[0:50000] is the 2014 split).

Where it comes from, first match wins:
1. an offline folder: --data-dir or REPRO_DATA_DIR, holding the four files gzipped (`*.gz`) or raw;
2. otherwise a one-time download of the four .gz files from MIRROR into a cache folder (REPRO_MNIST_CACHE,
   or the CLI's --mnist-cache; default Keras' own cache, ~/.keras/datasets/mnist-idx), by
   `keras.utils.get_file` with the SHA-256 of each file as served there;
3. tensorflow-datasets' MNIST only when asked for (REPRO_MNIST_SOURCE=tfds, the CLI's --mnist-source tfds):
   its examples come in another order, so its train[0:50000] is NOT the 2014 split.

Whatever the source, the decompressed contents are checked against the SHA-256 of the standard files
(RAW_SHA256: the same bytes whose MD5s other tools publish, MD5_RAW), so a different gzip of the same
data is accepted and anything else is refused.
"""
from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np

from repro.data.errors import DatasetUnavailable

FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# The download source: the CVDF mirror of the original files (the one tensorflow-datasets and TensorFlow's old
# MNIST tutorial use); SHA-256 of each .gz as served there (as recorded in tensorflow-datasets'
# url_checksums/mnist.txt, sizes 9912422 / 28881 / 1648877 / 4542 bytes).
MIRROR = "https://storage.googleapis.com/cvdf-datasets/mnist/"
MIRROR_SHA256 = {
    "train-images-idx3-ubyte": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
# SHA-256 of the decompressed IDX files, whatever gzip they came in (their MD5s are the published ones below).
RAW_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MD5_RAW = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
DOWNLOAD_STALL_SECONDS = 60  # a download that receives nothing for this long is given up (and reported)
HOW_TO_FIX = ("Point --data-dir or REPRO_DATA_DIR at a folder with the four MNIST IDX files "
              "(train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], "
              f"t10k-labels-idx1-ubyte[.gz]), or go online and the suite downloads them once from {MIRROR}.")


def parse_idx(raw: bytes, name: str) -> np.ndarray:
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DatasetUnavailable(f"{name} is not an unsigned-byte IDX file (bad magic number). {HOW_TO_FIX}")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DatasetUnavailable(f"{name} is truncated: header says {dims}, found {data.size} values. {HOW_TO_FIX}")
    return data.reshape(dims)


def _read_checked(folder: Path, stem: str, verify: bool, fix: str = "Download it again.") -> np.ndarray:
    gz, raw = folder / f"{stem}.gz", folder / stem
    if gz.exists():
        path = gz
        try:
            blob = gzip.decompress(gz.read_bytes())
        except (OSError, EOFError) as e:  # not gzip, or cut short
            raise DatasetUnavailable(f"{gz} is not a complete gzip file ({e}): the file is damaged. {fix} "
                                     f"{HOW_TO_FIX}") from None
    elif raw.exists():
        path, blob = raw, raw.read_bytes()
    else:
        raise DatasetUnavailable(f"MNIST file {stem}[.gz] is missing from {folder}. {HOW_TO_FIX}")
    if verify and hashlib.sha256(blob).hexdigest() != RAW_SHA256[stem]:
        raise DatasetUnavailable(f"checksum mismatch for {path}: the file is damaged or not the standard MNIST "
                                 f"file. {fix} Expected the decompressed file's sha256 {RAW_SHA256[stem]} "
                                 f"(md5 {MD5_RAW[stem]}).")
    return parse_idx(blob, str(path))


def default_cache_dir() -> Path:
    """REPRO_MNIST_CACHE, else Keras' own dataset cache (KERAS_HOME or ~/.keras) / datasets / mnist-idx."""
    if os.environ.get("REPRO_MNIST_CACHE"):
        return Path(os.environ["REPRO_MNIST_CACHE"]).expanduser()
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(keras_home) / "datasets" / "mnist-idx"


def download_mnist(cache_dir=None, mirror: str | None = None, gz_sha256: dict | None = None) -> Path:
    """The four .gz files in `cache_dir` (downloaded once, each checked by its SHA-256); returns the folder.

    A file already in the cache with the right hash is not fetched again. A failed or corrupt download is one
    DataError naming the URL, the cache file and the fix; the partial file is deleted, never read."""
    import keras

    folder = Path(cache_dir) if cache_dir else default_cache_dir()
    mirror = mirror or os.environ.get("REPRO_MNIST_MIRROR") or MIRROR
    gz_sha256 = gz_sha256 or MIRROR_SHA256
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):  # get_file would quietly fall back to /tmp/.keras
            raise OSError("not writable")
    except OSError as e:
        raise DatasetUnavailable(f"cannot create the MNIST cache folder {folder} ({e}); point REPRO_MNIST_CACHE (or "
                                 f"--mnist-cache) at a writable folder. {HOW_TO_FIX}") from None
    from repro.data.download import note, quiet, socket_timeout, unreachable

    missing = [stem for stem in FILES.values() if not (folder / f"{stem}.gz").exists()]
    if missing:
        url = mirror.rstrip("/") + f"/{missing[0]}.gz"
        why = unreachable(url)
        if why:  # offline: say so now, before Keras tries each file
            raise DatasetUnavailable(f"MNIST could not be downloaded: {url}: {why}; nothing was written to "
                                     f"{folder}. {HOW_TO_FIX}", summary=f"MNIST could not be downloaded: {why}")
        note(f"MNIST: downloading the four IDX files once (11 MB) from {mirror} into {folder}")
    for stem in FILES.values():
        name = f"{stem}.gz"
        url, target = mirror.rstrip("/") + "/" + name, folder / name
        try:
            # get_file writes straight to `target` (a file already there with the right hash is kept); its progress
            # bar stays off the terminal; a server that stops answering is an error after a minute, not a hang
            with quiet(), socket_timeout(DOWNLOAD_STALL_SECONDS):
                keras.utils.get_file(name, origin=url, file_hash=gz_sha256[stem], hash_algorithm="sha256",
                                     cache_dir=str(folder), cache_subdir="")
        except (Exception, KeyboardInterrupt) as e:
            kept = target.exists()
            target.unlink(missing_ok=True)  # partial or corrupt: never used
            if isinstance(e, KeyboardInterrupt):
                raise
            damaged = isinstance(e, ValueError)  # get_file's hash check
            what = "arrived, but its SHA-256 is not " + gz_sha256[stem] if damaged else f"could not be downloaded ({e})"
            removed = f"the partial file {target} was removed" if kept else f"nothing was written to {target}"
            summary = f"MNIST file {url} " + ("arrived damaged (SHA-256)" if damaged else "could not be downloaded")
            raise DatasetUnavailable(f"MNIST file {url} {what}; {removed}. Check the "
                                     f"connection and run the command again (finished files are kept in {folder}), "
                                     f"or download the four files by hand. {HOW_TO_FIX}", summary=summary) from None
    return folder


_CACHE: dict = {}


def mnist_source(data_dir=None) -> str:
    """Where load_mnist will read from: 'folder', 'download' or 'tfds'."""
    if data_dir or os.environ.get("REPRO_DATA_DIR"):
        return "folder"
    source = os.environ.get("REPRO_MNIST_SOURCE", "download")
    if source not in ("download", "tfds"):
        raise DatasetUnavailable(f"REPRO_MNIST_SOURCE is {source!r}; use 'download' (the IDX files, the 2014 order) "
                                 "or 'tfds' (tensorflow-datasets, another example order).")
    return source


def load_mnist(data_dir: str | os.PathLike | None = None, verify: bool = True) -> dict:
    """Returns dict with uint8 `train_x` (60000, 28, 28), `train_y`, `test_x`, `test_y`, in the IDX files' order
    (except with REPRO_MNIST_SOURCE=tfds)."""
    data_dir = data_dir or os.environ.get("REPRO_DATA_DIR")
    source = mnist_source(data_dir)
    if source == "folder":
        folder = Path(data_dir)
        if not folder.is_dir():
            raise DatasetUnavailable(f"MNIST folder {folder} does not exist. {HOW_TO_FIX}")
        fix = "Download it again."
    else:
        folder = None
    key = str(folder.resolve()) if folder else f"{source}:{default_cache_dir()}"
    if key in _CACHE:
        return _CACHE[key]
    if source == "tfds":
        out = _load_tfds()
    else:
        if folder is None:
            folder = download_mnist()
            fix = f"Delete {folder} and run the command again to download it afresh."
        arrays = {k: _read_checked(folder, stem, verify, fix) for k, stem in FILES.items()}
        out = {"train_x": arrays["train_images"], "train_y": arrays["train_labels"].astype(np.int64),
               "test_x": arrays["test_images"], "test_y": arrays["test_labels"].astype(np.int64)}
    if out["train_x"].shape != (60000, 28, 28) or out["test_x"].shape != (10000, 28, 28):
        raise DatasetUnavailable(f"MNIST has unexpected shapes {out['train_x'].shape}, {out['test_x'].shape}. "
                                 f"{HOW_TO_FIX}")
    _CACHE[key] = out
    return out


def _load_tfds() -> dict:
    from repro.data.download import tfds_splits

    # tensorflow-datasets stores the examples in its own (fixed) order, not the IDX files' order, so
    # train[0:50000] from here is a different 50,000/10,000 split than the 2014 code's; the IDX path is exact.
    splits = tfds_splits("mnist", "MNIST", MIRROR + "train-images-idx3-ubyte.gz", "11 MB",
                         "REPRO_MNIST_SOURCE=tfds, but ", HOW_TO_FIX)
    (tr, te) = splits
    return {"train_x": tr["image"][..., 0], "train_y": tr["label"].astype(np.int64),
            "test_x": te["image"][..., 0], "test_y": te["label"].astype(np.int64)}
