"""The online MNIST path without a network: the real files served from ../shared/data/mnist through file:// URLs.

The shared folder's .gz files are gzipped differently from the mirror's (same decompressed bytes), so the tests
give the downloader the shared folder's SHA256SUMS in place of the mirror's; everything else is the real code."""
import gzip
import os
import subprocess
import sys

import numpy as np
import pytest

from repro.data import DataError, mnist

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def served(mnist_dir, monkeypatch, tmp_path):
    """No offline folder; the mirror is file://<shared folder> with its own checksums; an empty cache."""
    sums = dict(line.split()[::-1] for line in (mnist_dir / "SHA256SUMS").read_text().splitlines() if line.strip())
    monkeypatch.setattr(mnist, "MIRROR_SHA256", {k[:-3]: v for k, v in sums.items()})
    monkeypatch.delenv("REPRO_DATA_DIR", raising=False)
    monkeypatch.delenv("REPRO_MNIST_SOURCE", raising=False)
    monkeypatch.setenv("REPRO_MNIST_MIRROR", mnist_dir.as_uri() + "/")
    monkeypatch.setenv("REPRO_MNIST_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "_CACHE", {})
    return tmp_path / "cache"


def test_download_fills_the_cache_once_in_idx_order(served, mnist_dir, monkeypatch):
    m = mnist.load_mnist()
    assert sorted(p.name for p in served.iterdir()) == sorted(f"{s}.gz" for s in mnist.FILES.values())
    for p in served.iterdir():
        assert p.read_bytes() == (mnist_dir / p.name).read_bytes()
    # the IDX order: the first training digits are 5 0 4 1 9, the first test digit a 7
    assert m["train_y"][:5].tolist() == [5, 0, 4, 1, 9] and m["test_y"][0] == 7
    assert m["train_x"].shape == (60000, 28, 28) and m["train_x"].dtype == np.uint8
    # second use: read from the cache, nothing fetched (an unreachable mirror would fail)
    monkeypatch.setattr(mnist, "_CACHE", {})
    monkeypatch.setenv("REPRO_MNIST_MIRROR", "file:///nonexistent/mirror/")
    assert mnist.load_mnist()["train_y"][0] == 5


def test_a_partial_file_in_the_cache_is_fetched_again(served, mnist_dir):
    served.mkdir()
    full = (mnist_dir / "train-images-idx3-ubyte.gz").read_bytes()
    (served / "train-images-idx3-ubyte.gz").write_bytes(full[: len(full) // 3])  # a killed download
    m = mnist.load_mnist()
    assert (served / "train-images-idx3-ubyte.gz").read_bytes() == full and m["train_y"][0] == 5


def test_corrupt_download_is_one_error_and_the_file_is_removed(served, mnist_dir, tmp_path, monkeypatch):
    bad_mirror = tmp_path / "mirror"
    bad_mirror.mkdir()
    for p in mnist_dir.glob("*.gz"):
        blob = p.read_bytes()
        (bad_mirror / p.name).write_bytes(blob[: len(blob) // 2] if p.name.startswith("t10k-images") else blob)
    monkeypatch.setenv("REPRO_MNIST_MIRROR", bad_mirror.as_uri())
    url = bad_mirror.as_uri() + "/t10k-images-idx3-ubyte.gz"
    with pytest.raises(DataError) as e:
        mnist.load_mnist()
    msg = str(e.value)
    assert url in msg and "SHA-256" in msg
    assert f"the partial file {served / 't10k-images-idx3-ubyte.gz'} was removed" in msg
    assert "run the command again" in msg and "--data-dir" in msg
    assert not (served / "t10k-images-idx3-ubyte.gz").exists()
    assert (served / "train-images-idx3-ubyte.gz").exists()  # the good ones are kept


def test_unreachable_mirror_on_the_command_line(served, tmp_path):
    """What a new user offline sees: one error naming the URL, the cache file and the fix; exit 2."""
    env = {**os.environ, "REPRO_MNIST_MIRROR": "file:///nonexistent/mirror/"}
    r = subprocess.run([sys.executable, "-m", "repro", "check-data",
                        os.path.join(ROOT, "paper_configs", "vae_mnist.yaml"), "--mnist-cache", str(tmp_path / "c2")],
                       capture_output=True, text=True, env={**env, "PYTHONPATH": ROOT}, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "file:///nonexistent/mirror/train-images-idx3-ubyte.gz" in errors[0]
    assert str(tmp_path / "c2" / "train-images-idx3-ubyte.gz") in errors[0] and "REPRO_DATA_DIR" in errors[0]
    assert not (tmp_path / "c2" / "train-images-idx3-ubyte.gz").exists()


def test_an_offline_folder_of_the_mirror_gzip_or_any_gzip_is_accepted(mnist_dir, tmp_path):
    """The folder check is on the decompressed bytes: a re-gzipped copy passes, changed content does not."""
    for p in mnist_dir.glob("*.gz"):
        (tmp_path / p.name).write_bytes(gzip.compress(gzip.decompress(p.read_bytes()), compresslevel=1))
    assert mnist.load_mnist(tmp_path)["train_y"][0] == 5


def test_tfds_only_when_asked_and_a_bad_source_is_named(monkeypatch):
    monkeypatch.delenv("REPRO_DATA_DIR", raising=False)
    monkeypatch.delenv("REPRO_MNIST_SOURCE", raising=False)
    assert mnist.mnist_source() == "download"
    monkeypatch.setenv("REPRO_MNIST_SOURCE", "tfds")
    assert mnist.mnist_source() == "tfds" and mnist.mnist_source("/some/folder") == "folder"
    monkeypatch.setenv("REPRO_MNIST_SOURCE", "torch")
    with pytest.raises(DataError, match="REPRO_MNIST_SOURCE is 'torch'"):
        mnist.mnist_source()
