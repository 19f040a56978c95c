"""Binarized MNIST: the fixed set from a folder of .amat files (a tiny fake one here), one seeded stochastic
draw from the real IDX files otherwise, and one clear error per failure. Local files only: no network."""
import numpy as np
import pytest

from repro.config import load_config
from repro.data import DataError, binarized_mnist as bm, load_splits

SMALL = {"train": 6, "valid": 3, "test": 2}


@pytest.fixture
def no_fixed_set(monkeypatch, tmp_path):
    """Neither an .amat folder nor a prepared tensorflow-datasets copy is visible; nothing cached."""
    monkeypatch.delenv("REPRO_BINARIZED_MNIST_DIR", raising=False)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "no-tfds"))
    monkeypatch.setattr(bm, "_CACHE", {})


def write_amat(folder, counts=SMALL, seed=0, bad=None):
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in counts.items():
        x = (rng.random((n, 784)) < 0.3).astype(np.uint8)
        arrays[split] = x
        lines = [" ".join(str(v) for v in row) for row in x]
        if bad == split:
            lines[0] = lines[0][:-1] + "2"
        (folder / bm.AMAT[split]).write_text("\n".join(lines) + "\n")
    return arrays


def test_fixed_set_from_amat_folder(no_fixed_set, monkeypatch, tmp_path):
    monkeypatch.setattr(bm, "COUNTS", SMALL)
    arrays = write_amat(tmp_path)
    monkeypatch.setenv("REPRO_BINARIZED_MNIST_DIR", str(tmp_path))
    d = bm.load_binarized_mnist(None, "fixed")
    assert d["binarisation"] == bm.FIXED
    for split, n in SMALL.items():
        assert d[split].shape == (n, 28, 28)
        np.testing.assert_array_equal(d[split].reshape(n, -1), arrays[split])
    assert set(d["sha256"]) == set(bm.AMAT.values()) and all(len(h) == 64 for h in d["sha256"].values())


def test_damaged_amat_names_file_and_fix(no_fixed_set, monkeypatch, tmp_path):
    monkeypatch.setattr(bm, "COUNTS", SMALL)
    write_amat(tmp_path, bad="valid")
    monkeypatch.setenv("REPRO_BINARIZED_MNIST_DIR", str(tmp_path))
    with pytest.raises(DataError, match=r"binarized_mnist_valid.amat is not 784 values of 0 or 1.*Download it again"):
        bm.load_binarized_mnist(None, "auto")


def test_short_amat_names_counts(no_fixed_set, monkeypatch, tmp_path):
    monkeypatch.setattr(bm, "COUNTS", SMALL)
    write_amat(tmp_path, counts={**SMALL, "test": 1})
    monkeypatch.setenv("REPRO_BINARIZED_MNIST_DIR", str(tmp_path))
    with pytest.raises(DataError, match=r"binarized_mnist_test.amat has 1 images, the standard file has 2"):
        bm.load_binarized_mnist(None, "auto")


def test_fixed_refuses_to_fall_back(no_fixed_set, mnist_dir):
    with pytest.raises(DataError, match=r"no copy of the fixed binarised MNIST.*REPRO_BINARIZED_MNIST_DIR"):
        bm.load_binarized_mnist(mnist_dir, "fixed")


def test_stochastic_draw_from_idx(no_fixed_set, mnist_dir):
    d = bm.load_binarized_mnist(mnist_dir, "auto")  # no fixed set visible: the seeded draw
    assert d["binarisation"].startswith("stochastic") and "not the fixed set" in d["binarisation"]
    assert [d[k].shape[0] for k in ("train", "valid", "test")] == [50000, 10000, 10000]
    assert set(np.unique(d["test"])) == {0, 1}
    # Bernoulli(intensity): the fraction of ones matches the mean intensity (~0.13), not a 0.5 threshold (~0.13 too,
    # but a threshold would give exact copies of the grey images' shapes: check the draw is random per pixel)
    grey = d["intensity_train"][:5000].astype(np.float64) / 255.0
    assert abs(d["train"][:5000].mean() - grey.mean()) < 0.002
    mid = (grey > 0.3) & (grey < 0.7)
    assert 0.3 < d["train"][:5000][mid].mean() < 0.7
    bm._CACHE.clear()
    again = bm.load_binarized_mnist(mnist_dir, "stochastic")
    np.testing.assert_array_equal(again["test"], d["test"])  # one fixed seed: the same draw every time


def test_redraw_needs_grey_levels(no_fixed_set, monkeypatch, tmp_path, configs):
    monkeypatch.setattr(bm, "COUNTS", SMALL)
    write_amat(tmp_path)
    monkeypatch.setenv("REPRO_BINARIZED_MNIST_DIR", str(tmp_path))
    cfg = load_config(configs / "pixelcnn_binarized_mnist.yaml", "smoke",
                      {"data": {"redraw_train_binarisation": True}})
    with pytest.raises(DataError, match=r"redraw_train_binarisation needs the grey levels.*binarisation: stochastic"):
        load_splits(cfg)


def test_redraw_gives_fresh_zero_one_batches(no_fixed_set, mnist_dir, configs):
    from repro.experiments.pixelcnn.model import PixelCNN

    cfg = load_config(configs / "pixelcnn_binarized_mnist.yaml", "smoke",
                      {"data": {"redraw_train_binarisation": True, "shuffle": False}, "train": {"epochs": 2}})
    splits = load_splits(cfg, mnist_dir)
    assert splits.binarisation.startswith("stochastic")
    steps = len(splits.train) // 64
    batches = [b.numpy() for b in PixelCNN.make_dataset(cfg, splits, 64, steps)]
    first, second = batches[0], batches[steps]  # the same 64 images (no shuffling), one pass apart
    assert set(np.unique(first)) == {0.0, 1.0}
    assert (first != second).mean() > 0.01
    resumed = [b.numpy() for b in PixelCNN.make_dataset(cfg, splits, 64, steps, start_epoch=1)]
    np.testing.assert_array_equal(resumed[0], second)  # a resumed run sees the same draws
