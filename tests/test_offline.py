"""Offline, a dataset that cannot be fetched is one error line within seconds, and what the download libraries
print (tensorflow-datasets' retries, urllib3's warnings, progress bars) stays off the terminal.

No network is used: "offline" is a closed port on localhost (the connection is refused), "online" a small HTTP
server on localhost serving the real MNIST files of the shared folder."""
import functools
import http.server
import socket
import threading

import pytest

from repro.data import DataError, DatasetUnavailable, download, mnist


def closed_port_url(path=""):
    """http://127.0.0.1:PORT/path on a port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{path}"


class _Handler(http.server.SimpleHTTPRequestHandler):
    status = None  # a forced status for every request (None: serve the folder)

    def log_message(self, *args):  # keep the test's output clean
        pass

    def send_head(self):
        if self.status:
            self.send_error(self.status)
            return None
        return super().send_head()


@pytest.fixture
def server(tmp_path):
    """A local HTTP server; returns a function (folder, status=None) -> its base URL."""
    servers = []

    def start(folder, status=None):
        handler = type("H", (_Handler,), {"status": status})
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}/"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def test_unreachable_says_why_in_a_few_words(server, tmp_path):
    assert "refused the connection" in download.unreachable(closed_port_url("x.gz"), timeout=5)
    (tmp_path / "x.gz").write_bytes(b"data")
    assert download.unreachable(server(tmp_path) + "x.gz", timeout=5) is None
    # a missing file is for the download itself to report (the server answered); a server error is not
    assert download.unreachable(server(tmp_path) + "missing.gz", timeout=5) is None
    assert "HTTP 503" in download.unreachable(server(tmp_path, status=503) + "x.gz", timeout=5)
    assert download.unreachable("file:///nonexistent/x.gz") is None  # other schemes: the download says it


def test_cause_is_the_innermost_error_on_one_line():
    try:
        try:
            raise ConnectionRefusedError(111, "Connection\nrefused")
        except OSError as e:
            raise RuntimeError("Max retries exceeded with url: /x") from e
    except RuntimeError as outer:
        assert download.cause(outer) == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert len(download.cause(ValueError("y" * 500), limit=50)) == 50


@pytest.fixture
def no_mnist_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("REPRO_DATA_DIR", raising=False)
    monkeypatch.delenv("REPRO_MNIST_SOURCE", raising=False)
    monkeypatch.setenv("REPRO_MNIST_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "_CACHE", {})
    return tmp_path / "cache"


def test_mnist_offline_is_one_error_before_any_download(no_mnist_folder, monkeypatch, capfd):
    import keras

    url = closed_port_url()
    monkeypatch.setenv("REPRO_MNIST_MIRROR", url)
    monkeypatch.setattr(keras.utils, "get_file", lambda *a, **k: pytest.fail("a download was tried"))
    with pytest.raises(DatasetUnavailable) as e:
        mnist.load_mnist()
    msg = str(e.value)
    assert f"{url}train-images-idx3-ubyte.gz" in msg and "refused the connection" in msg and "REPRO_DATA_DIR" in msg
    assert "\n" not in msg and e.value.summary.startswith("MNIST could not be downloaded: 127.0.0.1 refused")
    assert list(no_mnist_folder.iterdir()) == []  # nothing written
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_mnist_download_over_http_is_one_line_on_the_terminal(no_mnist_folder, mnist_dir, server, monkeypatch,
                                                               capfd):
    sums = dict(line.split()[::-1] for line in (mnist_dir / "SHA256SUMS").read_text().splitlines() if line.strip())
    monkeypatch.setattr(mnist, "MIRROR_SHA256", {k[:-3]: v for k, v in sums.items()})
    monkeypatch.setenv("REPRO_MNIST_MIRROR", server(mnist_dir))
    m = mnist.load_mnist()
    assert m["train_y"][:5].tolist() == [5, 0, 4, 1, 9]
    out, err = capfd.readouterr()
    assert out == ""  # Keras' "Downloading data from" and its progress bars held back
    assert err.count("\n") == 1 and err.startswith("MNIST: downloading the four IDX files once")


def test_an_experiment_setting_is_a_plain_data_error(tmp_path, configs):
    """A split that does not fit is one experiment's problem, not the dataset's: not a DatasetUnavailable."""
    from test_datasets import write_cifar_batches

    from repro.config import load_config
    from repro.data.cifar10 import load_cifar10_splits

    write_cifar_batches(tmp_path)
    cfg = load_config(configs / "goodfellow2014_cifar10_fc.yaml", "smoke")
    cfg["data"]["train_range"] = [0, 10 ** 6]
    with pytest.raises(DataError) as e:
        load_cifar10_splits(cfg, tmp_path)
    assert not isinstance(e.value, DatasetUnavailable)
    with pytest.raises(DatasetUnavailable):
        load_cifar10_splits(cfg, tmp_path / "nonexistent")


@pytest.fixture
def empty_tfds(monkeypatch, tmp_path):
    """tensorflow-datasets with no prepared copy (its data folder empty), no CIFAR-10 folder of ours."""
    tfds = pytest.importorskip("tensorflow_datasets")
    from repro.data import cifar10

    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    monkeypatch.delenv("REPRO_CIFAR10_DIR", raising=False)
    monkeypatch.setattr(cifar10, "_CACHE", {})
    return tfds


def test_the_url_looked_at_is_the_one_tfds_downloads(empty_tfds):
    from repro.data import cifar10

    builder = empty_tfds.builder("cifar10")
    assert builder._cifar_info.url == cifar10.TFDS_URL


def test_cifar10_offline_is_one_error_in_seconds_not_tfds_retries(empty_tfds, monkeypatch, capfd):
    from repro.data import cifar10

    url = closed_port_url("cifar-10-binary.tar.gz")
    monkeypatch.setattr(cifar10, "TFDS_URL", url)
    with pytest.raises(DatasetUnavailable) as e:
        cifar10.load_cifar10()
    msg = str(e.value)
    assert msg.startswith(f"CIFAR-10 could not be downloaded: {url}: 127.0.0.1 refused the connection")
    assert "REPRO_CIFAR10_DIR" in msg and "\n" not in msg
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # tfds' "variant folder" warning held back too


def test_a_failing_tfds_download_is_quiet_and_summarised(empty_tfds, monkeypatch, capfd):
    """The server answered the look first, then the download fails: tfds' retries (fewer of them), urllib3's
    warnings and the progress bars stay off the terminal; the error names the cause."""
    from tensorflow_datasets.core.download import downloader
    from tensorflow_datasets.image_classification import cifar

    from repro.data import cifar10

    url = closed_port_url("cifar-10-binary.tar.gz")
    real = cifar.Cifar10._cifar_info.fget
    monkeypatch.setattr(cifar.Cifar10, "_cifar_info", property(lambda self: real(self)._replace(url=url)))
    monkeypatch.setattr(download, "unreachable", lambda u, timeout=None: None)
    retries = downloader.MAX_RETRIES
    with pytest.raises(DatasetUnavailable) as e:
        cifar10.load_cifar10()
    msg = str(e.value)
    assert msg.startswith("tensorflow-datasets could not provide CIFAR-10 (") and "refused" in msg.lower()
    assert "\n" not in msg
    assert downloader.MAX_RETRIES == retries  # put back
    out, err = capfd.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("CIFAR-10: downloading ")
    for noise in ("Retrying", "WARNING", "Dl Completed", "Downloading and preparing"):
        assert noise not in err


def test_the_first_look_says_what_cannot_be_had_without_loading_it(monkeypatch, tmp_path, mnist_dir):
    """run_all's first look, before TensorFlow starts: folders by their file names, downloads by whether the
    server answers, a prepared tensorflow-datasets copy as there."""
    from repro.data import cifar10
    from repro.data.quick_check import quick_check

    monkeypatch.setenv("REPRO_DATA_DIR", str(mnist_dir))
    assert quick_check("mnist") is None
    monkeypatch.setenv("REPRO_DATA_DIR", str(tmp_path))
    assert "MNIST file train-images-idx3-ubyte[.gz] is missing" in str(quick_check("mnist"))
    monkeypatch.delenv("REPRO_DATA_DIR")
    monkeypatch.delenv("REPRO_MNIST_SOURCE", raising=False)
    monkeypatch.setenv("REPRO_MNIST_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("REPRO_MNIST_MIRROR", closed_port_url())
    e = quick_check("mnist")
    assert e.summary.startswith("MNIST could not be downloaded: 127.0.0.1 refused the connection")
    assert not (tmp_path / "cache").exists()  # a look writes nothing

    monkeypatch.delenv("REPRO_CIFAR10_DIR", raising=False)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    monkeypatch.setattr(cifar10, "TFDS_URL", closed_port_url("cifar-10-binary.tar.gz"))
    assert "refused the connection" in str(quick_check("cifar10"))
    prepared = tmp_path / "tfds" / "cifar10" / "3.0.2"
    prepared.mkdir(parents=True)
    (prepared / "dataset_info.json").write_text("{}")
    assert quick_check("cifar10") is None  # tfds has its copy: no download needed
    monkeypatch.setenv("REPRO_CIFAR10_DIR", str(tmp_path / "none"))
    assert "CIFAR-10 folder" in str(quick_check("cifar10"))
    monkeypatch.delenv("REPRO_TFD_DIR", raising=False)
    monkeypatch.delenv("PYLEARN2_DATA_PATH", raising=False)
    assert "TFD_48x48.mat not found" in str(quick_check("tfd"))
    assert quick_check("gaussian1d") is None
