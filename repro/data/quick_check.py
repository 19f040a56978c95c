"""Whether a dataset can be had here, told in a second and without TensorFlow: a first look for ./run_all.sh,
before TensorFlow's start-up (which takes seconds on an idle machine, minutes on a busy one) and before any
experiment is loaded, so a machine that is offline hears what it cannot fetch at once.

It looks only at what the loaders would need first: the folder and its file names (not their contents), a
prepared tensorflow-datasets copy, or, when a download would be needed, whether the download server answers.
A dataset that passes may still fail when it is loaded (a damaged file); the loaders say so then."""
from __future__ import annotations

import os
from pathlib import Path

from repro.data.errors import DatasetUnavailable


def quick_check(dataset: str) -> DatasetUnavailable | None:
    """None when `dataset` looks available (or this check cannot tell), else the error its loader would raise."""
    try:
        if dataset == "mnist":
            _mnist()
        elif dataset == "cifar10":
            _cifar10()
        elif dataset == "tfd":
            from repro.data.tfd import find_tfd_file

            find_tfd_file()
    except DatasetUnavailable as e:
        return e
    return None


def _mnist():
    from repro.data import mnist

    source = mnist.mnist_source()
    if source == "folder":
        folder = Path(os.environ["REPRO_DATA_DIR"])
        if not folder.is_dir():
            raise DatasetUnavailable(f"MNIST folder {folder} does not exist. {mnist.HOW_TO_FIX}")
        for stem in mnist.FILES.values():
            if not ((folder / f"{stem}.gz").exists() or (folder / stem).exists()):
                raise DatasetUnavailable(f"MNIST file {stem}[.gz] is missing from {folder}. {mnist.HOW_TO_FIX}")
    elif source == "download":
        folder = mnist.default_cache_dir()
        missing = [stem for stem in mnist.FILES.values() if not (folder / f"{stem}.gz").exists()]
        if missing:
            _probe("MNIST", (os.environ.get("REPRO_MNIST_MIRROR") or mnist.MIRROR).rstrip("/") + f"/{missing[0]}.gz",
                   f"; nothing was written to {folder}. {mnist.HOW_TO_FIX}")


def _cifar10():
    from repro.data import cifar10

    data_dir = os.environ.get("REPRO_CIFAR10_DIR")
    if data_dir:
        folder = cifar10._batch_folder(data_dir)
        for name in [*cifar10.TRAIN_FILES, cifar10.TEST_FILE]:
            if not (folder / name).exists():
                raise DatasetUnavailable(f"CIFAR-10 file {name} is missing from {folder}. {cifar10.HOW_TO_FIX}")
        return
    tfds_dir = Path(os.environ.get("TFDS_DATA_DIR") or Path.home() / "tensorflow_datasets") / "cifar10"
    if not any(tfds_dir.glob("*/dataset_info.json")):  # no prepared copy: tensorflow-datasets would download it
        _probe("CIFAR-10", cifar10.TFDS_URL, f". {cifar10.HOW_TO_FIX}")


def _probe(label, url, rest):
    from repro.data.download import unreachable

    why = unreachable(url)
    if why:
        raise DatasetUnavailable(f"{label} could not be downloaded: {url}: {why}{rest}",
                                 summary=f"{label} could not be downloaded: {why}")
