"""The few callbacks Keras does not have: validation Parzen, atomic checkpoints, a NaN guard."""
from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import keras
import numpy as np


def atomic_write_bytes(path, data: bytes):
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def atomic_write_text(path, text: str):
    atomic_write_bytes(path, text.encode())


def atomic_save_weights(model, path):
    path = Path(path)
    tmp = path.with_name(path.name.replace(".weights.h5", ".tmp.weights.h5"))
    model.save_weights(tmp, overwrite=True)
    os.replace(tmp, path)


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self._t = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self._t


class EpochLine(keras.callbacks.Callback):
    """One line per epoch on the terminal (Keras' verbose=2 prints two): its number, the logged scalars, its time."""

    def __init__(self, epochs):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        parts = [f"{k} {v:.4g}" for k, v in logs.items()
                 if k != "epoch_seconds" and isinstance(v, (int, float)) and v == v]  # v == v: NaN is left out
        secs = logs.get("epoch_seconds")
        print(f"epoch {epoch + 1}/{self.epochs}: {', '.join(parts)}" + (f" ({secs:.1f} s)" if secs else ""),
              flush=True)


class ParzenMonitor(keras.callbacks.Callback):
    """Validation Parzen log-likelihood (the paper's sigma grid) every `every` epochs, logged as
    `val_parzen` and `val_sigma` so CSVLogger, TensorBoard and the best checkpoint see it."""

    def __init__(self, valid_flat, n_samples, sigmas, every=1, seed=12345):
        super().__init__()
        self.valid, self.n, self.sigmas, self.every, self.seed = valid_flat, n_samples, sigmas, every, seed

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or self.every <= 0:
            return
        if (epoch + 1) % self.every:
            # NaN on the epochs between: CSVLogger fixes its columns at the first epoch, so a key missing
            # there would never be written (the checkpoint ignores non-finite values; evaluate reads them as None)
            logs["val_parzen"] = logs["val_sigma"] = float("nan")
            return
        from repro.metrics.parzen import parzen_log_likelihoods

        samples = self.model.generate(self.n, seed=self.seed)["images"].reshape(self.n, -1)
        means = parzen_log_likelihoods(samples, self.valid, self.sigmas).mean(axis=0)
        i = int(np.argmax(means))
        logs["val_parzen"] = float(means[i])
        logs["val_sigma"] = float(self.sigmas[i])


class AtomicCheckpoint(keras.callbacks.Callback):
    """Saves weights after each epoch (`last`), and `best` when `monitor` improves; write then rename,
    so a kill never leaves a half-written file a later run would trust."""

    def __init__(self, folder, monitor=None, mode="max"):
        super().__init__()
        self.folder, self.monitor, self.mode = Path(folder), monitor, mode
        self.folder.mkdir(parents=True, exist_ok=True)
        self.state_path = self.folder / "best.json"
        self.best = None
        if self.state_path.exists():
            self.best = json.loads(self.state_path.read_text()).get("value")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        atomic_save_weights(self.model, self.folder / "last.weights.h5")
        atomic_write_text(self.folder / "last.json", json.dumps({"epoch": epoch + 1}))
        value = logs.get(self.monitor) if self.monitor else None
        if value is None or not math.isfinite(value):
            return
        better = self.best is None or (value > self.best if self.mode == "max" else value < self.best)
        if better:
            self.best = float(value)
            atomic_save_weights(self.model, self.folder / "best.weights.h5")
            atomic_write_text(self.state_path, json.dumps({"epoch": epoch + 1, "monitor": self.monitor,
                                                           "value": self.best}))


class RNGStateBackup(keras.callbacks.Callback):
    """Keras' weight files leave out SeedGenerator states (noise, dropout masks). They are kept here,
    one file per finished epoch (the last two), and restored for the epoch BackupAndRestore resumes
    from, so a resumed run draws the same random numbers as an uninterrupted one."""

    def __init__(self, folder, resume_epoch=None):
        super().__init__()
        self.folder, self.resume_epoch = Path(folder), resume_epoch

    def _path(self, epoch):
        return self.folder / f"rng-epoch{epoch:05d}.npz"

    def on_train_begin(self, logs=None):
        if not self.resume_epoch:
            return
        path = self._path(self.resume_epoch)
        if not path.exists():
            raise RuntimeError(f"cannot resume exactly: {path} is missing (the random-number state of epoch "
                               f"{self.resume_epoch}); start a new run folder instead.")
        states = np.load(path)
        for i, gen in enumerate(self.model.seed_generators()):
            gen.state.assign(states[f"g{i}"])

    def on_epoch_end(self, epoch, logs=None):
        import io

        self.folder.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        np.savez(buf, **{f"g{i}": keras.ops.convert_to_numpy(g.state.value)
                         for i, g in enumerate(self.model.seed_generators())})
        atomic_write_bytes(self._path(epoch + 1), buf.getvalue())
        for old in sorted(self.folder.glob("rng-epoch*.npz"))[:-2]:
            old.unlink()


class EveryNEpochs(keras.callbacks.Callback):
    """Passes epoch ends to `inner` only every `n` epochs (the backup interval, `train.checkpoint_every`)."""

    def __init__(self, inner, n):
        super().__init__()
        self.inner, self.n = inner, n

    def set_model(self, model):
        super().set_model(model)
        self.inner.set_model(model)

    def on_train_begin(self, logs=None):
        self.inner.on_train_begin(logs)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.n == 0 or epoch + 1 == self.params.get("epochs"):
            self.inner.on_epoch_end(epoch, logs)

    def on_train_end(self, logs=None):
        self.inner.on_train_end(logs)


class NonFiniteLoss(RuntimeError):
    pass


class StopOnNonFinite(keras.callbacks.Callback):
    """Stops at the first NaN/inf in any logged loss, naming the step; checkpoints written so far stay."""

    def __init__(self):
        super().__init__()
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        for k, v in (logs or {}).items():
            if "loss" in k and v is not None and not math.isfinite(float(v)):
                self.model.stop_training = True
                self.model.nonfinite = (k, self.epoch + 1, batch + 1, float(v))
                raise NonFiniteLoss(
                    f"{k} became {float(v)} at epoch {self.epoch + 1}, step {batch + 1}. Training stopped; the last "
                    f"good checkpoint (end of epoch {self.epoch}) is kept in the run folder. Lower the learning "
                    "rate or check the data, then rerun with --resume.")
