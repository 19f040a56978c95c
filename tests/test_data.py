import gzip
import shutil

import numpy as np
import pytest

from repro.data import DataError
from repro.data.mnist import load_mnist


def test_real_mnist_loads_and_matches_published_counts(mnist_dir):
    m = load_mnist(mnist_dir)
    assert m["train_x"].shape == (60000, 28, 28) and m["test_x"].shape == (10000, 28, 28)
    assert np.bincount(m["train_y"]).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(m["test_y"]).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_raw_idx_files_are_accepted(mnist_dir, tmp_path):
    for f in mnist_dir.glob("*.gz"):
        (tmp_path / f.stem).write_bytes(gzip.decompress(f.read_bytes()))
    m = load_mnist(tmp_path)
    assert m["test_x"].shape == (10000, 28, 28)


def test_missing_file_names_it(mnist_dir, tmp_path):
    for f in mnist_dir.glob("*.gz"):
        shutil.copy(f, tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\[.gz\] is missing.*REPRO_DATA_DIR"):
        load_mnist(tmp_path)


def test_checksum_mismatch_names_file_and_fix(mnist_dir, tmp_path):
    for f in mnist_dir.glob("*.gz"):
        shutil.copy(f, tmp_path)
    bad = tmp_path / "train-labels-idx1-ubyte.gz"
    blob = bytearray(gzip.decompress(bad.read_bytes()))
    blob[100] ^= 1
    bad.write_bytes(gzip.compress(bytes(blob)))
    with pytest.raises(DataError, match=r"checksum mismatch for .*train-labels-idx1-ubyte.gz.*Download it again"):
        load_mnist(tmp_path)


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_mnist(tmp_path / "nowhere")
