"""Training: a run folder per (config, profile), `fit` with Keras callbacks, resumable."""
from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import keras
import tensorflow as tf
import yaml

from repro.callbacks import (AtomicCheckpoint, EpochLine, EpochTimer, EveryNEpochs, ParzenMonitor, RNGStateBackup,
                             StopOnNonFinite, atomic_write_text)
from repro.config import dump_config, parse_sigmas, recipe_fingerprint
from repro.models import REGISTRY


class RunError(RuntimeError):
    pass


def default_run_dir(cfg) -> Path:
    return Path("runs") / f"{cfg['experiment']}-{cfg['profile']}"


def _diff(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            d = _diff(a.get(k), b.get(k), f"{path}.{k}" if path else k)
            if d:
                return d
        return None
    return None if a == b else (path, a, b)


def make_strategy(cfg):
    """tf.distribute strategy for `train.distribute`; None for a single device.

    mirrored: every local GPU (or, with REPRO_LOGICAL_CPUS=N and no GPU, the CPU split into N logical
    devices, which is how the tests run it); multiworker: MultiWorkerMirroredStrategy, configured by the
    TF_CONFIG environment variable on every machine.
    """
    import os

    kind = cfg["train"]["distribute"]
    if kind == "none":
        return None
    n = int(os.environ.get("REPRO_LOGICAL_CPUS", "0") or 0)
    if n > 1 and not tf.config.list_physical_devices("GPU"):
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
    if kind == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    devices = [d.name for d in tf.config.list_logical_devices("GPU")] or \
              [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices)


def set_precision(cfg):
    keras.mixed_precision.set_global_policy(cfg["train"]["precision"])


def warn_slow_precision(cfg):
    """mixed_bfloat16 on a CPU without bf16 arithmetic falls back to Eigen's emulation: several times slower."""
    from repro.backend import native_bf16

    if (cfg["train"]["precision"] == "mixed_bfloat16" and native_bf16() is False
            and not tf.config.list_physical_devices("GPU")):
        warnings.warn("train.precision is mixed_bfloat16, but this CPU has neither AVX512_BF16 nor AMX: TensorFlow "
                      "emulates bfloat16 here, and training runs several times slower than in float32 (a keras_dcgan "
                      "D step: 8.8 s against 1.2 s). Set train.precision: float32 on this machine.", stacklevel=2)


def build_model(cfg, splits, steps_per_epoch=None):
    """The model of `cfg`, built (variables and optimiser slots exist) so weights can be loaded."""
    set_precision(cfg)
    cls = REGISTRY[cfg["model"]]
    kwargs = {}
    if splits is not None:
        kwargs["pixel_mean"] = splits.flat("train").mean(axis=0)
        kwargs["image_shape"] = splits.image_shape
    if steps_per_epoch is not None:
        kwargs["steps_per_epoch"] = steps_per_epoch
    model = cls(cfg, **kwargs)
    model.compile()
    model.build_all()
    return model


def steps_for(cfg, n_train):
    t = cfg["train"]
    per = t["batch_size"] * REGISTRY[cfg["model"]].batches_per_step(cfg)
    steps = n_train // per
    if t["steps_per_epoch"]:
        steps = min(steps, t["steps_per_epoch"])
    if steps < 1:
        raise RunError(f"train.batch_size {t['batch_size']} is larger than the {n_train} training examples.")
    return steps, per


def load_saved_config(path) -> dict:
    """A run folder's config.yaml, validated again so that keys added to the schema since get their defaults."""
    from repro.config import resolve_config

    raw = yaml.safe_load(Path(path).read_text())
    profile = raw.pop("profile", "default")
    cfg = resolve_config(raw, None, origin=str(path))
    cfg["profile"] = profile
    return cfg


def check_run_dir(cfg, run_dir: Path, resume: bool):
    """Refuse a run folder made by another config, an existing one without --resume, or a foreign folder."""
    cfg_path = run_dir / "config.yaml"
    if cfg_path.exists():
        saved = load_saved_config(cfg_path)
        d = _diff(recipe_fingerprint(saved), recipe_fingerprint(cfg))
        if d:
            raise RunError(f"run folder {run_dir} was made by another config: '{d[0]}' is {d[1]!r} there and "
                           f"{d[2]!r} now. Use another --run-dir, or the config it was made with.")
        if not resume:
            raise RunError(f"run folder {run_dir} already exists. Pass --resume to continue it, or choose "
                           "another --run-dir.")
    elif resume and run_dir.exists() and any(run_dir.iterdir()):
        raise RunError(f"cannot resume {run_dir}: it has no config.yaml, so it is not a run folder of this suite.")


def record_environment(run_dir: Path):
    """Append this training session's TensorFlow kernels and CPU to environment.json (a resumed run may span
    machines; the kernels change float rounding, and the CPU the speed)."""
    from repro.backend import describe

    path = run_dir / "environment.json"
    sessions = json.loads(path.read_text()) if path.exists() else []
    sessions.append({"started": time.strftime("%Y-%m-%dT%H:%M:%S"), **describe()})
    atomic_write_text(path, json.dumps(sessions, indent=1))


def prepare_run_dir(cfg, run_dir: Path):
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(run_dir / "config.yaml", dump_config(cfg))


def train(cfg, run_dir=None, resume=False, data_dir=None, verbose=2):
    run_dir = Path(run_dir) if run_dir else default_run_dir(cfg)
    done_path = run_dir / "done.json"
    check_run_dir(cfg, run_dir, resume)
    if resume and done_path.exists():
        done = json.loads(done_path.read_text())
        if done.get("epochs", 0) >= cfg["train"]["epochs"]:
            print(f"{run_dir}: already trained for {done['epochs']} epochs; nothing to resume.")
            return run_dir
    strategy = make_strategy(cfg)  # first: logical devices must be set up before TensorFlow starts
    warn_slow_precision(cfg)
    cls = REGISTRY[cfg["model"]]
    splits = cls.load_splits(cfg, data_dir)  # before the run folder exists: missing data leaves nothing behind
    prepare_run_dir(cfg, run_dir)
    record_environment(run_dir)
    keras.utils.set_random_seed(cfg["seed"])
    steps, per_step = steps_for(cfg, len(splits.train))
    if strategy is not None:
        if cfg["train"]["batch_size"] % strategy.num_replicas_in_sync:
            raise RunError(f"train.batch_size {cfg['train']['batch_size']} does not split evenly over "
                           f"{strategy.num_replicas_in_sync} devices; choose a multiple.")
        with strategy.scope():
            model = build_model(cfg, splits, steps_per_epoch=steps)
    else:
        model = build_model(cfg, splits, steps_per_epoch=steps)
    meta = run_dir / "backup" / "training_metadata.json"
    start_epoch = json.loads(meta.read_text())["epoch"] if resume and meta.exists() else 0
    ds = cls.make_dataset(cfg, splits, per_step, steps, start_epoch)

    model.run_dir = run_dir
    callbacks = [EpochTimer(), *model.training_callbacks(run_dir)]
    ev = cfg["eval"]
    if ev["monitor_every"] > 0 and cls.parzen:
        valid = splits.flat("valid")[: ev["valid_examples"]]
        if cfg["data"]["pixel_range"] == "symmetric":  # generate's samples are in [0, 1]
            valid = (valid + 1.0) / 2.0
        callbacks.append(ParzenMonitor(valid, ev["monitor_samples"], parse_sigmas(ev["sigmas"]), ev["monitor_every"]))
    if verbose == 2:  # one line per epoch instead of Keras' two
        callbacks.append(EpochLine(cfg["train"]["epochs"]))
        verbose = 0
    callbacks += [
        StopOnNonFinite(),
        AtomicCheckpoint(run_dir / "checkpoints", monitor="val_parzen" if ev["monitor_every"] > 0 and cls.parzen else None),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
        keras.callbacks.TensorBoard(str(run_dir / "logs"), write_graph=False, profile_batch=0),
        # last: the backup marks an epoch done only after everything above has been written; the random-number
        # state is saved with it, for the same epochs
        EveryNEpochs(RNGStateBackup(run_dir / "backup", resume_epoch=start_epoch), cfg["train"]["checkpoint_every"]),
        EveryNEpochs(keras.callbacks.BackupAndRestore(str(run_dir / "backup"), save_freq="epoch",
                                                      delete_checkpoint=False), cfg["train"]["checkpoint_every"]),
    ]
    t0 = time.time()
    model.fit(ds, epochs=cfg["train"]["epochs"], steps_per_epoch=steps, callbacks=callbacks, verbose=verbose,
              shuffle=False)  # the dataset shuffles itself (make_dataset); fit's own flag would only warn
    atomic_write_text(done_path, json.dumps({"epochs": cfg["train"]["epochs"], "seconds_this_session": time.time() - t0,
                                             "steps_per_epoch": steps, "batch": per_step}))
    return run_dir


def load_run(run_dir, checkpoint="best", data_dir=None, need_data=True):
    """Rebuild a trained model from its run folder. Returns (cfg, model, splits, epoch)."""
    run_dir = Path(run_dir)
    cfg_path = run_dir / "config.yaml"
    if not cfg_path.exists():
        raise RunError(f"{run_dir} is not a run folder (no config.yaml). Train one with `python -m repro train`.")
    cfg = load_saved_config(cfg_path)
    ck = run_dir / "checkpoints"
    path = ck / f"{checkpoint}.weights.h5"
    meta = ck / f"{checkpoint}.json"
    if not path.exists():
        path, meta = ck / "last.weights.h5", ck / "last.json"
    if not path.exists():
        raise RunError(f"{run_dir} has no checkpoint yet (checkpoints/last.weights.h5); train it first.")
    splits = REGISTRY[cfg["model"]].load_splits(cfg, data_dir) if need_data else None
    model = build_model(cfg, splits)
    model.load_weights(path)
    model.run_dir = run_dir
    epoch = json.loads(meta.read_text()).get("epoch") if meta.exists() else None
    return cfg, model, splits, {"checkpoint": path.name.split(".")[0], "epoch": epoch}
