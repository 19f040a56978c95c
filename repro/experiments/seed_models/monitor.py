"""Samples kept during training and scored afterwards (WGAN, conditional GAN).

`SampleMonitor` saves `n` samples from fixed noise every `every` epochs (uint8, with the requested labels
when the model is conditional); `monitor_metrics` scores every saved epoch at evaluation with the suite's
MNIST classifier, so training never waits for (or trains) the classifier, and every epoch is scored by
the same classifier. Generating from fixed noise in inference mode draws nothing from the training's
random streams, so a monitored run trains exactly as an unmonitored one.
"""
from __future__ import annotations

import io
from pathlib import Path

import keras
import numpy as np

from repro.io import atomic_write_bytes


class SampleMonitor(keras.callbacks.Callback):
    """Every `every` epochs: `n` samples from fixed noise, saved as uint8 to FOLDER/epoch_NNNN.npz."""

    def __init__(self, folder, n, every=1, seed=4321):
        super().__init__()
        self.folder, self.n, self.every, self.seed = Path(folder), n, every, seed

    def on_epoch_end(self, epoch, logs=None):
        if self.every <= 0 or (epoch + 1) % self.every:
            return
        out = self.model.generate(self.n, seed=self.seed)
        extra = {"labels": np.asarray(out["labels"], np.int32)} if "labels" in out else {}
        buf = io.BytesIO()
        np.savez_compressed(buf, images=np.round(out["images"] * 255).astype(np.uint8), epoch=epoch + 1, **extra)
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.folder / f"epoch_{epoch + 1:04d}.npz", buf.getvalue())


def monitor_callbacks(params, run_dir):
    """The SampleMonitor of a model whose params carry monitor_samples / keep_samples_every (none when every is 0)."""
    return [SampleMonitor(Path(run_dir) / "monitor", params["monitor_samples"], params["keep_samples_every"])] \
        if params["keep_samples_every"] else []


def monitor_metrics(folder, data_dir=None):
    """Classifier score and Frechet distance of each saved epoch's samples, in epoch order; for conditional
    samples also the fraction the classifier gives the requested label."""
    from repro.metrics.classifier import get_classifier, logits, sample_metrics

    clf, out = None, []
    for path in sorted(Path(folder).glob("epoch_*.npz")):
        clf = clf or get_classifier(data_dir)
        with np.load(path) as f:
            images = f["images"].astype(np.float32) / 255.0
            m = sample_metrics(images, data_dir, classifier=clf)
            rec = {"epoch": int(f["epoch"]), "classifier_score": m["classifier_score"],
                   "frechet_distance": m["frechet_distance"], "n": m["n"], "classifier": m["classifier"]}
            if "labels" in f.files:
                predicted = np.argmax(logits(images, clf), axis=1)
                rec["requested_label_accuracy"] = float(np.mean(predicted == f["labels"]))
            out.append(rec)
    return out
