"""The suite's own MNIST classifier and the sample-quality metrics built on it.

Trained on MNIST train (all 60,000) and checked at >= 99% test accuracy. Its weights ship with the
suite (mnist_classifier_v2.npz beside this file, 0.8 MB): trained on each machine instead, the
classifier differs from CPU to CPU and so do the scores of the very same samples, which would
make a recorded score impossible to re-check elsewhere. Without that file (a changed network not
shipped yet) it is trained on first use and cached under $REPRO_CACHE (default ~/.cache/repro);
`python tools/ship_classifier.py` writes the file from the cached one. Every metric records the
weights' fingerprint (`classifier`). Metrics take any model's samples: float32 images in [0, 1],
shape (N, 28, 28, 1).

- class histogram: counts of the predicted labels (the plain way to see mode collapse);
- classifier score (TF-GAN's MNIST score): exp(E_x KL(p(y|x) || p(y))), at most 10;
- Frechet distance between Gaussians fitted to the classifier's 10 logits (as TF-GAN), against
  the MNIST test set. Both scores depend on the sample count: it is returned with them.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path

import keras
import numpy as np
import scipy.linalg

from repro.io import atomic_write_text

ACCURACY_FLOOR = 0.99


def cache_dir() -> Path:
    return Path(os.environ.get("REPRO_CACHE", Path.home() / ".cache" / "repro"))


def build_classifier():
    # small convnet, pooled early so that training it once costs about a minute on 2 CPU cores
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.3, seed=1),
        keras.layers.Dense(128, activation="relu", name="features"),
        keras.layers.Dropout(0.3, seed=2),
        keras.layers.Dense(10, name="logits"),
    ], name="mnist_classifier")


VERSION = "v2"  # bump when build_classifier or its training changes: old cached weights are then ignored


SHIPPED = Path(__file__).with_name(f"mnist_classifier_{VERSION}.npz")  # weights w0..w7 and test_accuracy

_LOADED = {}  # (weights file, its mtime) -> the model: loaded once per process, so the test set's logits are too


def get_classifier(data_dir=None, epochs=6, verbose=0):
    """The suite's classifier (logits output): the shipped weights, else the cached ones, trained on first use."""
    if SHIPPED.exists():
        key = (SHIPPED, SHIPPED.stat().st_mtime_ns)
        if key not in _LOADED:
            model = build_classifier()
            model.set_weights(_shipped_weights())
            _LOADED[key] = model
        return _LOADED[key]
    path = cache_dir() / f"mnist_classifier_{VERSION}.weights.h5"
    meta = cache_dir() / f"mnist_classifier_{VERSION}.json"
    if path.exists() and meta.exists():
        key = (path.resolve(), path.stat().st_mtime_ns)
        if key not in _LOADED:
            model = build_classifier()
            model.load_weights(path)
            _LOADED[key] = model
        return _LOADED[key]
    model = build_classifier()
    # two processes that need it at once (two evaluations, test workers) train it once: the second waits
    cache_dir().mkdir(parents=True, exist_ok=True)
    with open(cache_dir() / f"mnist_classifier_{VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists() and meta.exists():
            model.load_weights(path)
            return model
        return _train_and_cache(model, path, meta, data_dir, epochs, verbose)


def _train_and_cache(model, path, meta, data_dir, epochs, verbose):
    from repro.data.mnist import load_mnist

    m = load_mnist(data_dir)
    x = m["train_x"][..., None].astype(np.float32) / 255.0
    xt = m["test_x"][..., None].astype(np.float32) / 255.0
    keras.utils.set_random_seed(0)
    steps = epochs * (len(x) // 128 + 1)
    lr = keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.05)
    model.compile(keras.optimizers.Adam(lr), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x, m["train_y"], batch_size=128, epochs=epochs, verbose=verbose)
    acc = float(model.evaluate(xt, m["test_y"], batch_size=1000, verbose=0)[1])
    if acc < ACCURACY_FLOOR:
        raise RuntimeError(f"the MNIST classifier reached only {acc:.4f} test accuracy (< {ACCURACY_FLOOR}); "
                           "not caching it.")
    tmp = path.with_name("tmp." + path.name)
    model.save_weights(tmp)
    os.replace(tmp, path)
    atomic_write_text(meta, json.dumps({"test_accuracy": acc, "epochs": epochs}))
    return model


def classifier_test_accuracy() -> float | None:
    if SHIPPED.exists():
        with np.load(SHIPPED) as f:
            return float(f["test_accuracy"])
    meta = cache_dir() / f"mnist_classifier_{VERSION}.json"
    return json.loads(meta.read_text())["test_accuracy"] if meta.exists() else None


def fingerprint(classifier) -> str:
    """The first 12 hex digits of the SHA-256 of the classifier's weights: scores carrying the same fingerprint were
    measured by the same classifier and can be compared."""
    return _digest(classifier.get_weights())


def shipped_fingerprint() -> str | None:
    """The shipped classifier's fingerprint, read from its file (no network built); None when none ships."""
    return _digest(_shipped_weights()) if SHIPPED.exists() else None


def _shipped_weights():
    """The shipped file's weight arrays w0, w1, ... in order."""
    with np.load(SHIPPED) as f:
        return [f[k] for k in sorted((k for k in f.files if k[1:].isdigit()), key=lambda k: int(k[1:]))]


def _digest(weights):
    digest = hashlib.sha256()
    for w in weights:
        digest.update(np.ascontiguousarray(w, np.float32).tobytes())
    return digest.hexdigest()[:12]


def ship(classifier, accuracy, path=None):
    """Writes the classifier's weights and test accuracy as the shipped file (through a temporary file)."""
    path = Path(path or SHIPPED)
    tmp = path.with_name("tmp." + path.name)
    with open(tmp, "wb") as f:
        np.savez_compressed(f, test_accuracy=np.float64(accuracy),
                            **{f"w{i}": w.astype(np.float32) for i, w in enumerate(classifier.get_weights())})
    os.replace(tmp, path)
    return path


def _check_images(images):
    x = np.asarray(images, np.float32)
    if x.ndim == 3:
        x = x[..., None]
    if x.shape[1:] != (28, 28, 1):
        raise ValueError(f"classifier metrics need MNIST-shaped images (N, 28, 28, 1), got {x.shape}.")
    if not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1:
        raise ValueError("classifier metrics need finite images in [0, 1].")
    return x


def logits(images, classifier=None, batch_size=1000):
    clf = classifier or get_classifier()
    return clf.predict(_check_images(images), batch_size=batch_size, verbose=0).astype(np.float64)


def class_histogram(images=None, classifier=None, logits_=None):
    lg = logits(images, classifier) if logits_ is None else logits_
    return np.bincount(np.argmax(lg, axis=1), minlength=10)


def classifier_score_from_logits(lg):
    lg = lg - lg.max(axis=1, keepdims=True)
    p = np.exp(lg)
    p /= p.sum(axis=1, keepdims=True)
    py = p.mean(axis=0, keepdims=True)
    kl = np.sum(p * (np.log(p + 1e-30) - np.log(py + 1e-30)), axis=1)
    return float(np.exp(kl.mean()))


def frechet_distance_from_logits(a, b):
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(ca @ cb)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(ca + cb - 2 * covmean))


_TEST_LOGITS: dict = {}


def sample_metrics(images, data_dir=None, classifier=None) -> dict:
    """Histogram, classifier score and Frechet distance (vs the MNIST test set) of a batch of samples."""
    from repro.data.mnist import load_mnist

    clf = classifier or get_classifier(data_dir)
    lg = logits(images, clf)
    key = id(clf)
    if key not in _TEST_LOGITS:
        test = load_mnist(data_dir)["test_x"][..., None].astype(np.float32) / 255.0
        _TEST_LOGITS[key] = logits(test, clf)
    return {
        "n": int(len(lg)),
        "classifier": fingerprint(clf),
        "histogram": class_histogram(logits_=lg).tolist(),
        "classifier_score": classifier_score_from_logits(lg),
        "frechet_distance": frechet_distance_from_logits(lg, _TEST_LOGITS[key]),
    }
