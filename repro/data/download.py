"""What the dataset downloads share: a quick look at whether the server answers before a download starts, the
cause of a failed download in a few words, and a quiet context that keeps a library's progress bars, retry
warnings and log lines off the terminal.

Without the look first, an offline machine learns that it is offline slowly: tensorflow-datasets retries a
refused or unresolvable download ten times with a backoff that doubles, about 3.5 minutes per dataset, printing a
warning and a progress bar at every try."""
from __future__ import annotations

import contextlib
import importlib
import io
import logging
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request

PROBE_SECONDS = 10.0  # a server that has not answered a HEAD request by then is taken as unreachable


def unreachable(url: str, timeout: float = PROBE_SECONDS) -> str | None:
    """None when `url`'s server answers (any HTTP status below 500), else why not, in a few words.

    One HEAD request through urllib (which honours the http_proxy / https_proxy variables, as the downloaders do).
    Only http(s) URLs are looked at: for any other scheme (file://, ftp://) the download itself says what is wrong."""
    scheme = urllib.parse.urlparse(url).scheme
    if scheme not in ("http", "https"):
        return None
    host = urllib.parse.urlparse(url).hostname
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return None
    except urllib.error.HTTPError as e:  # the server answered
        return None if e.code < 500 else f"the server answered HTTP {e.code} ({e.reason})"
    except urllib.error.URLError as e:
        return _why(e.reason, host, timeout)
    except OSError as e:  # a timeout while reading the answer, a reset connection
        return _why(e, host, timeout)


def _why(reason, host, timeout) -> str:
    if isinstance(reason, socket.gaierror):
        return f"the name {host} could not be resolved ({reason.strerror}: no network or no DNS here?)"
    if isinstance(reason, ConnectionRefusedError):
        return f"{host} refused the connection"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"{host} did not answer within {timeout:g} s"
    if isinstance(reason, OSError) and reason.strerror:
        return f"{host}: {reason.strerror}"
    return f"{host}: {reason}"


def cause(e: BaseException, limit: int = 200) -> str:
    """The innermost cause of a chain of exceptions, as `Type: message` on one line of at most `limit` characters
    (a download library wraps the network's error in two or three layers of its own)."""
    seen = []
    while e is not None and e not in seen:
        seen.append(e)
        e = e.__cause__ or e.__context__
    root = seen[-1]
    text = " ".join(f"{type(root).__name__}: {root}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextlib.contextmanager
def quiet():
    """Keeps what a download library writes off the terminal while it runs: Python's logging (absl's and
    urllib3's warnings and errors), and whatever it prints or draws on stdout / stderr. What was held back is discarded:
    a failure is reported by the caller, with its cause, in one line."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    held = io.StringIO()
    try:
        with contextlib.redirect_stdout(held), contextlib.redirect_stderr(held):
            yield
    finally:
        logging.disable(previous)


@contextlib.contextmanager
def socket_timeout(seconds: float):
    """A default timeout for sockets opened inside (urllib's urlretrieve, which Keras' get_file uses, has none, so
    a server that stops answering would hang a download for good)."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def note(text: str) -> None:
    """One line on stderr about a download that is starting (the library's own progress output is held back)."""
    print(text, file=sys.stderr, flush=True)


# tfds retries a failed request 10 times with a doubling backoff (~3.5 min); once the server has answered the
# look first, two retries cover a dropped connection
TFDS_RETRIES = 2


@contextlib.contextmanager
def tfds_retries(n: int):
    """tensorflow-datasets' retry count (a module constant its downloader reads per request) set to `n` inside;
    left alone when a tfds version has no such constant."""
    try:
        downloader = importlib.import_module("tensorflow_datasets.core.download.downloader")
    except ImportError:
        downloader = None
    if not hasattr(downloader, "MAX_RETRIES"):
        yield
        return
    previous = downloader.MAX_RETRIES
    downloader.MAX_RETRIES = n
    try:
        yield
    finally:
        downloader.MAX_RETRIES = previous


def tfds_splits(name: str, label: str, url: str, size: str, no_tfds: str, how_to_fix: str):
    """The train and test splits of tensorflow-datasets' `name` as numpy dicts (whole splits, one batch each).

    When tfds has no prepared copy yet, `url` (what its builder downloads) is looked at first: a server that does
    not answer is a DatasetUnavailable within seconds. The download itself runs quiet, after one line saying what
    is fetched; any failure is one DatasetUnavailable with the cause and `how_to_fix`. `no_tfds` starts the message
    when tensorflow-datasets is not installed."""
    from repro.data.errors import DatasetUnavailable

    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise DatasetUnavailable(f"{no_tfds}tensorflow-datasets is not installed. {how_to_fix}") from None
    try:
        with quiet():
            builder = tfds.builder(name)
            prepared = builder.is_prepared()
        if not prepared:
            why = unreachable(url)
            if why:
                raise DatasetUnavailable(f"{label} could not be downloaded: {url}: {why}. {how_to_fix}",
                                         summary=f"{label} could not be downloaded: {why}")
            note(f"{label}: downloading {url} once ({size}) with tensorflow-datasets into {builder.data_dir}")
        with quiet(), tfds_retries(TFDS_RETRIES):
            if not prepared:
                builder.download_and_prepare()
            train, test = tfds.as_numpy(builder.as_dataset(split=["train", "test"], batch_size=-1,
                                                           shuffle_files=False))
    except DatasetUnavailable:
        raise
    except Exception as e:  # a download that failed after the server answered, a damaged copy: one line, its cause
        raise DatasetUnavailable(f"tensorflow-datasets could not provide {label} ({cause(e)}). {how_to_fix}",
                                 summary=f"tensorflow-datasets could not provide {label} ({cause(e, 80)})") from None
    return train, test
