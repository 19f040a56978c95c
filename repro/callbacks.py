"""The few callbacks Keras does not have: validation Parzen, atomic checkpoints, a NaN guard."""
from __future__ import annotations

import json
import math
import os
import shutil
import time
from pathlib import Path

import keras
import numpy as np

from repro.io import atomic_write_bytes, atomic_write_text, fault_point, file_sha256, fsync_path
from repro.metrics.curves import collapse


def atomic_save_weights(model, path):
    path = Path(path)
    tmp = path.with_name(path.name.replace(".weights.h5", ".tmp.weights.h5"))
    model.save_weights(tmp, overwrite=True)
    os.replace(tmp, path)


class WeightsMismatch(ValueError):
    """A weights file that does not fit the model its config builds (it was saved by another model)."""


def load_weights_checked(model, path):
    """`model.load_weights(path)`, with h5py's and Keras' words turned into what is wrong: the file is not a
    readable weights file (ValueError), it holds another model's weights (WeightsMismatch), or NaN/inf weights
    (ValueError). The caller adds what to do."""
    import h5py

    try:
        with h5py.File(path, "r"):
            pass
    except OSError as e:
        raise ValueError(f"{path} is not a readable weights file (cut short or damaged: "
                         f"{str(e).splitlines()[0]})") from None
    import warnings

    with warnings.catch_warnings(record=True) as caught:  # Keras warns about the optimiser before it fails
        warnings.simplefilter("always")
        try:
            model.load_weights(path)
        except Exception:  # noqa: BLE001  Keras says which layers did not fit, in several ways, at length
            raise WeightsMismatch(f"{path} holds the weights of a different model than the config "
                                  "describes") from None
    for w in caught:  # a load that worked: its warnings as they would have been
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if not all(np.all(np.isfinite(w)) for w in model.get_weights() if np.issubdtype(np.asarray(w).dtype, np.floating)):
        raise ValueError(f"{path} holds NaN or inf weights (training diverged before it was saved, or the file "
                         "was damaged)")


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


class StopIfCollapsed(keras.callbacks.Callback):
    """A stopping rule fixed before the runs (the 2014 model's seed study): at epoch `at_epoch`, stop a run whose
    last `consecutive` validation estimates are all below `below` nats (collapsed, not recovered). Runs after
    ParzenMonitor; `earlier` holds the estimates of the epochs before a resume. `stopped` says why, once stopped."""

    def __init__(self, at_epoch, below, consecutive, earlier=()):
        super().__init__()
        self.at_epoch, self.below, self.consecutive = at_epoch, below, consecutive
        self.epochs = [e for e, _ in earlier]
        self.values = [v for _, v in earlier]
        self.stopped = None

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch + 1)
        self.values.append((logs or {}).get("val_parzen"))
        if epoch + 1 != self.at_epoch:
            return
        if collapse(self.epochs, self.values, self.below, self.consecutive)["collapsed_at_end"]:
            self.model.stop_training = True
            self.stopped = (f"stopped at epoch {epoch + 1}: the last {self.consecutive} validation estimates are all "
                            f"below {self.below:g} nats (collapsed; eval.stop_if_collapsed_at)")
            print(self.stopped, flush=True)


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
            try:
                self.best = json.loads(self.state_path.read_text())["value"]
                ok = type(self.best) in (int, float) and math.isfinite(self.best)
            except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
                ok = False
            if not ok:
                raise ValueError(f"{self.state_path} is not the record of the best checkpoint (no finite 'value'; cut "
                                 "short or edited); restore it from a copy of the run folder, or train into a new "
                                 "run folder (`python -m repro train CONFIG --run-dir NEW_FOLDER`)")

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


# each write of a backup is a step; tests kill a backup between any two of them (repro.io.FAULT_HOOK)
BACKUP_STEPS = ("start", "weights", "rng", "manifest", "rename", "prune")
BACKUP_WEIGHTS, BACKUP_RNG, BACKUP_MANIFEST = "model.weights.h5", "rng.npz", "manifest.json"


def seed_generator_states(model) -> bytes:
    import io

    buf = io.BytesIO()
    np.savez(buf, **{f"g{i}": g.state.numpy() for i, g in enumerate(model.seed_generators())})
    return buf.getvalue()


def restore_seed_generator_states(model, path):
    """Keras' weight files leave out SeedGenerator states (noise, dropout masks); they are kept beside them."""
    gens = model.seed_generators()
    with np.load(path) as states:
        if len(states.files) != len(gens):
            raise ValueError(f"{path} holds {len(states.files)} random-number states, the model has {len(gens)}")
        for i, gen in enumerate(gens):
            gen.state.assign(states[f"g{i}"])


def write_backup(model, folder, epoch):
    """The resumable state after `epoch` finished epochs as one unit: weights with both optimisers' state and step
    counters, the random-number state, and a manifest (epoch, each file's size and sha256), written into a
    temporary folder, flushed, and renamed to backup/epoch-NNNNN. A kill at any moment leaves either the new
    backup complete or none of it; the previous one is removed only after the new one is in place."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"epoch-{epoch:05d}"
    tmp, final = folder / f".tmp-{name}", folder / name
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    fault_point("start", epoch)  # (as a kill in the middle of writing the weights would leave it)
    model.save_weights(tmp / BACKUP_WEIGHTS)
    fsync_path(tmp / BACKUP_WEIGHTS)
    fault_point("weights", epoch)
    atomic_write_bytes(tmp / BACKUP_RNG, seed_generator_states(model))
    fault_point("rng", epoch)
    files = {f: {"bytes": (tmp / f).stat().st_size, "sha256": file_sha256(tmp / f)}
             for f in (BACKUP_WEIGHTS, BACKUP_RNG)}
    atomic_write_text(tmp / BACKUP_MANIFEST, json.dumps({"epoch": epoch, "files": files}, indent=1))
    fsync_path(tmp)
    fault_point("manifest", epoch)
    if final.exists():  # a backup of this epoch that was found bad on resume and set aside: replace it
        shutil.rmtree(final)
    os.rename(tmp, final)
    fsync_path(folder)
    fault_point("rename", epoch)
    for old in [b for b in complete_backups(folder) if b.name != name][1:]:  # keep this one and the one before
        shutil.rmtree(old)
    # backups set aside as damaged (the resume said so) and stale temporary folders
    for stale in [*folder.glob("bad-epoch-*"), *folder.glob(".tmp-epoch-*")]:
        shutil.rmtree(stale)
    fault_point("prune", epoch)


def complete_backups(folder):
    """The backup folders that were renamed into place (complete when written), newest first."""
    return sorted(Path(folder).glob("epoch-[0-9]*"), key=lambda p: p.name, reverse=True)


def verify_backup(path) -> int:
    """Checks a backup against its manifest; returns its epoch or raises ValueError saying what is wrong."""
    manifest = path / BACKUP_MANIFEST
    try:
        meta = json.loads(manifest.read_text())
        epoch, files = int(meta["epoch"]), meta["files"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"its manifest is unreadable ({e})") from None
    for f in (BACKUP_WEIGHTS, BACKUP_RNG):
        if f not in files:
            raise ValueError(f"its manifest does not list {f}")
        p = path / f
        if not p.exists():
            raise ValueError(f"{f} is missing")
        if p.stat().st_size != files[f]["bytes"] or file_sha256(p) != files[f]["sha256"]:
            raise ValueError(f"{f} does not match its checksum (changed or cut short after it was written)")
    return epoch


def restore_backup(model, folder, log=print, set_aside=True) -> int:
    """Loads the newest backup that verifies and loads (falling back to older ones, saying so); returns its epoch,
    0 where there is none."""
    problems, bad = [], []
    for backup in complete_backups(folder):
        try:
            epoch = verify_backup(backup)
            load_weights_checked(model, backup / BACKUP_WEIGHTS)
            restore_seed_generator_states(model, backup / BACKUP_RNG)
        except Exception as e:  # noqa: BLE001  any unreadable backup: say so, try the one before
            problems.append(f"{backup}: {e}")
            log(f"backup {backup} cannot be used ({e}); trying the one before it.")
            bad.append(backup)
            continue
        if problems:
            log(f"resuming from the backup of epoch {epoch} ({backup / BACKUP_WEIGHTS}).")
        # set aside (kept for inspection) only once an older backup resumes: a new backup of that epoch will be
        # written; with none usable, nothing is moved and the error says so
        for b in bad if set_aside else []:
            aside = b.with_name(f"bad-{b.name}")
            if aside.exists():
                shutil.rmtree(aside)
            os.rename(b, aside)
        return epoch
    if problems:
        raise BackupError(f"no usable backup in {folder}: " + "; ".join(problems))
    if (Path(folder) / "training_metadata.json").exists():
        raise BackupError(f"{folder} holds a backup of the layout before backups were atomic (Keras' "
                          "BackupAndRestore), which this version no longer reads")
    return 0


class BackupError(RuntimeError):
    pass


class AtomicBackup(keras.callbacks.Callback):
    """`write_backup` at the end of each epoch it is called for (wrap in EveryNEpochs for an interval)."""

    def __init__(self, folder):
        super().__init__()
        self.folder = Path(folder)

    def on_epoch_end(self, epoch, logs=None):
        write_backup(self.model, self.folder, epoch + 1)


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
    def __init__(self, key, epoch, step, value):
        super().__init__(f"{key} became {value} at epoch {epoch}, step {step}. Training stopped.")
        self.key, self.epoch, self.step, self.value = key, epoch, step, value


class StopOnNonFinite(keras.callbacks.Callback):
    """Stops at the first NaN/inf in any logged loss, naming the step; checkpoints written so far stay
    (train() adds what exists and what to do)."""

    def __init__(self):
        super().__init__()
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        for k, v in (logs or {}).items():
            if "loss" in k and v is not None and not math.isfinite(float(v)):
                self.model.stop_training = True
                raise NonFiniteLoss(k, self.epoch + 1, batch + 1, float(v))
