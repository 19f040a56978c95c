"""The Toronto Face Database (TFD) from a user's own copy, read the way pylearn2's `TFD` dataset read it.

TFD is not publicly downloadable, so there is no online fallback. The file is `TFD_48x48.mat`
(MATLAB; scipy.io.loadmat, or h5py for a v7.3/HDF5 save) holding
  images  (N, 48, 48) uint8,
  folds   (N, 5): per fold, 0 = unlabelled, 1 = train, 2 = valid, 3 = test.
It is looked up in --data-dir or REPRO_TFD_DIR (the folder holding it, or the file itself), or in
pylearn2's layout $PYLEARN2_DATA_PATH/faces/TFD/.

Splits of the 2014 code (goodfeli/adversarial tfd_pretrain/*.yaml, parzen_ll.py): the GAN trains on
`TFD('unlabeled', scale=True)` = images whose fold column is 0 (pixels / 255); the Parzen protocol
chooses sigma on the whole validation set of a fold and scores that fold's test set (`tfd_fold_sets` gives
them; the protocol over the folds is repro.metrics.parzen.parzen_over_folds).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from repro.data.errors import DataError, DatasetUnavailable

FILE_NAME = "TFD_48x48.mat"
SET_CODES = {"unlabeled": 0, "train": 1, "valid": 2, "test": 3}
HOW_TO_FIX = (f"TFD is not publicly downloadable; put your copy of {FILE_NAME} (the MATLAB file pylearn2 reads, "
              "with 'images' (N, 48, 48) and 'folds' (N, 5)) in a folder and point --data-dir or REPRO_TFD_DIR at "
              "it (or at the file).")


def find_tfd_file(data_dir=None) -> Path:
    data_dir = data_dir or os.environ.get("REPRO_TFD_DIR")
    candidates = []
    if data_dir:
        p = Path(data_dir)
        candidates += [p] if p.suffix == ".mat" else [p / FILE_NAME, p / "faces" / "TFD" / FILE_NAME]
    elif os.environ.get("PYLEARN2_DATA_PATH"):
        candidates.append(Path(os.environ["PYLEARN2_DATA_PATH"]) / "faces" / "TFD" / FILE_NAME)
    for c in candidates:
        if c.is_file():
            return c
    where = (f"looked for {', '.join(str(c) for c in candidates)}" if candidates
             else "no --data-dir, REPRO_TFD_DIR or PYLEARN2_DATA_PATH given")
    raise DatasetUnavailable(f"TFD file {FILE_NAME} not found ({where}). {HOW_TO_FIX}")


def _read_mat(path: Path) -> dict:
    import scipy.io

    try:
        return scipy.io.loadmat(str(path), variable_names=["images", "folds"])
    except NotImplementedError:
        pass  # a MATLAB v7.3 file is HDF5: scipy cannot read it, h5py can (pylearn2 did the same)
    except Exception as e:
        raise DatasetUnavailable(f"TFD file {path} could not be read as a MATLAB file ({type(e).__name__}: {e}); it "
                                 f"is damaged or not {FILE_NAME}. {HOW_TO_FIX}") from None
    try:
        import h5py

        with h5py.File(path, "r") as f:
            # HDF5 keeps MATLAB's column-major layout: reversing the axes gives (N, 48, 48) and (N, 5) back
            return {k: np.asarray(f[k]).T for k in ("images", "folds") if k in f}
    except Exception as e:
        raise DatasetUnavailable(f"TFD file {path} is a MATLAB v7.3 (HDF5) file that could not be read "
                                 f"({type(e).__name__}: {e}). {HOW_TO_FIX}") from None


_CACHE: dict = {}


def load_tfd(data_dir=None) -> dict:
    """uint8 `images` (N, 48, 48) and int `folds` (N, 5), checked."""
    path = find_tfd_file(data_dir)
    key = str(path.resolve())
    if key in _CACHE:
        return _CACHE[key]
    mat = _read_mat(path)
    missing = [k for k in ("images", "folds") if k not in mat]
    if missing:
        raise DatasetUnavailable(f"TFD file {path} has no variable {missing[0]!r}; {FILE_NAME} holds 'images' and "
                                 f"'folds'. {HOW_TO_FIX}")
    images, folds = np.asarray(mat["images"]), np.asarray(mat["folds"])
    if images.ndim != 3 or images.shape[1:] != (48, 48) or folds.shape != (len(images), 5):
        raise DatasetUnavailable(f"TFD file {path}: 'images' is {images.shape} and 'folds' {folds.shape}; expected "
                                 f"(N, 48, 48) and (N, 5). {HOW_TO_FIX}")
    if images.dtype != np.uint8:
        if images.min() < 0 or images.max() > 255:
            raise DatasetUnavailable(f"TFD file {path}: 'images' has values outside 0..255. {HOW_TO_FIX}")
        images = images.astype(np.uint8)
    out = {"images": images, "folds": folds.astype(np.int64)}
    _CACHE[key] = out
    return out


def tfd_set(data: dict, which: str, fold: int) -> np.ndarray:
    """uint8 images of one set of one fold, in file order (pylearn2's TFD(which, fold))."""
    idx = data["folds"][:, fold] == SET_CODES[which]
    if not idx.any():
        raise DataError(f"the TFD file has no '{which}' images in fold {fold} (folds column {fold} has no value "
                        f"{SET_CODES[which]}). {HOW_TO_FIX}")
    return data["images"][idx]


def load_tfd_splits(cfg: dict, data_dir=None):
    """train = the unlabelled images, valid/test = fold `data.fold`'s sets; (N, 48, 48, 1) in the pixel range."""
    from repro.data.splits import Splits, _scale

    d = cfg["data"]
    if d["gcn_scale"] is not None:
        raise DataError("data.gcn_scale is set, but the 2014 TFD model used raw pixels / 255 (scale: True); "
                        "remove data.gcn_scale from the TFD config.")
    data = load_tfd(data_dir)
    train = tfd_set(data, "unlabeled", 0)  # fold-independent: an unlabelled image is 0 in every fold column
    n = cfg["train"].get("train_examples")
    if n:
        train = train[:n]

    def prepare(x):
        return _scale(x, d["pixel_range"])[..., None]

    return Splits(prepare(train), prepare(tfd_set(data, "valid", d["fold"])), prepare(tfd_set(data, "test", d["fold"])),
                  None, None, None, (48, 48, 1), "tfd")


def tfd_fold_sets(data_dir=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(valid, test) of each of the 5 folds, flat float32 pixels in [0, 1] (what the Parzen protocol compares)."""
    data = load_tfd(data_dir)
    unit = lambda x: x.reshape(len(x), -1).astype(np.float32) / 255.0  # noqa: E731
    return [(unit(tfd_set(data, "valid", fold)), unit(tfd_set(data, "test", fold))) for fold in range(5)]
