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


def test_training_runs_on_a_pipeline_without_autotune(configs, mnist_dir, tmp_path, monkeypatch):
    """train hands fit a dataset with tf.data's autotuning off (its poller held up the end of every fit call:
    see repro.data.without_autotune), and the batches are the same as with it on."""
    import keras

    from repro.config import load_config
    from repro.data import load_splits, without_autotune
    from repro.experiments.goodfellow2014.model import AdversarialNets
    from repro.train import train

    seen = []
    real_fit = keras.Model.fit

    def fit(self, x=None, *args, **kwargs):
        seen.append(x.options().autotune.enabled)
        return real_fit(self, x, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", fit)
    cfg = load_config(configs / "goodfellow2014_mnist.yaml", "smoke",
                      {"train": {"epochs": 1, "train_examples": 300}})
    train(cfg, tmp_path / "run", data_dir=mnist_dir, verbose=0)
    assert seen == [False]

    splits = load_splits(cfg, mnist_dir)
    ds = AdversarialNets.make_dataset(cfg, splits, 100, 3)
    assert ds.options().autotune.enabled is not False  # the default, so the check above can fail
    for a, b in zip(ds, without_autotune(ds)):
        np.testing.assert_array_equal(a, b)
