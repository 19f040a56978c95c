"""Training: a run folder per (config, profile), `fit` with Keras callbacks, resumable."""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf
import yaml

import repro.experiments  # noqa: F401  registers every experiment's models
from repro.backend import device_summary
from repro.callbacks import (
    AtomicCheckpoint,
    EpochLine,
    EpochTimer,
    EveryNEpochs,
    NonFiniteLoss,
    ParzenMonitor,
    StopIfCollapsed,
    StopOnNonFinite,
    WeightsMismatch,
    load_weights_checked,
)
from repro.config import ConfigError, dump_config, parse_sigmas, recipe_fingerprint
from repro.data import without_autotune
from repro.io import atomic_write_text
from repro.registry import MODELS as REGISTRY, LoadedRun
from repro.results import read_checkpoint_epoch, read_done, read_environment


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
    """A precision this machine can only emulate: mixed_bfloat16 on a CPU without bf16 arithmetic (Eigen's
    emulation, several times slower), mixed_float16 without a GPU (float16 is the GPUs' fast path)."""
    from repro.backend import native_bf16

    gpu = bool(tf.config.list_physical_devices("GPU"))
    if cfg["train"]["precision"] == "mixed_bfloat16" and native_bf16() is False and not gpu:
        warnings.warn("train.precision is mixed_bfloat16, but this CPU has neither AVX512_BF16 nor AMX: TensorFlow "
                      "emulates bfloat16 here, and training runs several times slower than in float32 (measured on a "
                      "convolutional discriminator's step: 8.8 s against 1.2 s). Set train.precision: float32 on this "
                      "machine.", stacklevel=2)
    if cfg["train"]["precision"] == "mixed_float16" and not gpu:
        warnings.warn("train.precision is mixed_float16, but TensorFlow sees no GPU here: float16 is a GPU's fast "
                      "path, and on a CPU it is slower than float32. Set train.precision: float32 (or mixed_bfloat16 "
                      "on a CPU with AVX512_BF16 or AMX).", stacklevel=2)


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
    steps, per = REGISTRY[cfg["model"]].steps_for(cfg, n_train)
    if steps < 1:
        raise RunError(f"train.batch_size {t['batch_size']} is larger than the {n_train} training examples.")
    return steps, per


def load_saved_config(path) -> dict:
    """A run folder's config.yaml, validated again so that keys added to the schema since get their defaults."""
    from repro.config import resolve_config

    try:
        raw = yaml.safe_load(Path(path).read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise RunError(f"{path} cannot be read as a run folder's config ({type(e).__name__}: {e}).") from None
    if not isinstance(raw, dict):
        raise RunError(f"{path} is not a run folder's config (not a mapping).")
    profile = raw.pop("profile", "default")
    try:
        cfg = resolve_config(raw, None, origin=str(path))
    except ConfigError as e:
        raise RunError(f"{path} does not validate as a run folder's config ({e}); put back the config this run was "
                       "trained with, or train a new run folder.") from None
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
    elif resume and run_dir.exists() and any(p.name != RunFolderLock.NAME for p in run_dir.iterdir()):
        raise RunError(f"cannot resume {run_dir}: it has no config.yaml, so it is not a run folder of this suite.")


def precision_in_use(model) -> dict:
    """The precision a built model computes in: Keras' global policy and the compute and variable dtypes of its
    layers (under mixed_bfloat16 most layers compute in bfloat16 and keep float32 variables; the layers a model
    pins to float32, e.g. a final activation, show up as float32 beside them)."""
    layers = [layer for layer in model._flatten_layers(include_self=False) if getattr(layer, "dtype_policy", None)]
    return {"policy": keras.mixed_precision.global_policy().name,
            "layer_compute_dtypes": sorted({layer.compute_dtype for layer in layers}),
            "layer_variable_dtypes": sorted({layer.variable_dtype for layer in layers})}


def record_environment(run_dir: Path, model=None):
    """Append this training session's TensorFlow kernels, CPU and precision to environment.json (a resumed run
    may span machines; the kernels and the precision change float rounding, and the CPU the speed)."""
    from repro.backend import describe

    path = run_dir / "environment.json"
    sessions = read_environment(run_dir) or []
    sessions.append({"started": time.strftime("%Y-%m-%dT%H:%M:%S"), **describe(),
                     **({"precision": precision_in_use(model)} if model is not None else {})})
    atomic_write_text(path, json.dumps(sessions, indent=1))


class RunFolderLock:
    """One writer per run folder: `run.lock` holds the PID and host of the process training into it, and an
    advisory lock (flock) on it lives exactly as long as that process. A second `train` (or a `--resume` while
    the run is alive) is refused and changes nothing; the lock of a process that died (the file is there but
    nobody holds the flock) is taken over with a message."""

    NAME = "run.lock"

    def __init__(self, run_dir: Path, log=print):
        self.path, self.log, self.file = Path(run_dir) / self.NAME, log, None

    def _refuse(self, f):
        f.seek(0)
        holder = f.read().strip() or "{}"
        f.close()
        try:
            h = json.loads(holder)
        except ValueError:
            h = {}
        raise RunError(f"run folder {self.path.parent} is in use: process {h.get('pid', '?')} on "
                       f"{h.get('host', '?')} (started {h.get('started', '?')}) is training into it. Wait for it "
                       "to finish (or stop it), or choose another --run-dir.") from None

    @classmethod
    def check_free(cls, run_dir: Path):
        """Refuses a run folder another process is training into, without writing anything."""
        import fcntl

        path = Path(run_dir) / cls.NAME
        try:
            f = open(path)
        except OSError:
            return
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            cls(run_dir)._refuse(f)
        f.close()

    def __enter__(self):
        import fcntl
        import socket

        f = open(self.path, "a+")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._refuse(f)
        f.seek(0)
        old = f.read().strip()
        if old:
            try:
                h = json.loads(old)
                self.log(f"note: taking over the lock of process {h.get('pid')} on {h.get('host')} (started "
                         f"{h.get('started')}), which is no longer running.")
            except ValueError:
                self.log(f"note: taking over a stale lock file {self.path}.")
        f.seek(0)
        f.truncate()
        f.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                            "started": time.strftime("%Y-%m-%dT%H:%M:%S")}))
        f.flush()
        os.fsync(f.fileno())
        self.file = f
        return self

    def __exit__(self, *exc):
        # emptied, then unlocked: a crash between the two leaves an empty, unlocked file, which is not stale
        self.file.seek(0)
        self.file.truncate()
        self.file.close()
        return False


class Interrupted(RunError):
    """Ctrl-C during training: where the run stands and how to continue it."""


def is_chief(cfg) -> bool:
    """Under multiworker, the worker that writes the run folder (TF_CONFIG's chief, else worker 0)."""
    if cfg["train"]["distribute"] != "multiworker":
        return True
    tf_config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    task = tf_config.get("task", {})
    kind, index = task.get("type", "worker"), int(task.get("index", 0))
    return kind == "chief" or (kind == "worker" and index == 0 and "chief" not in tf_config.get("cluster", {}))


def check_tf_config(cfg):
    if cfg["train"]["distribute"] != "multiworker":
        return
    raw = os.environ.get("TF_CONFIG")
    try:
        tf_config = json.loads(raw) if raw else None
        ok = isinstance(tf_config, dict) and isinstance(tf_config.get("cluster"), dict) and "task" in tf_config
    except ValueError:
        ok = False
    if not ok:
        raise RunError("train.distribute is multiworker, but TF_CONFIG is not set (or is not valid JSON with "
                       "'cluster' and 'task'). Set it on every machine, e.g. TF_CONFIG='{\"cluster\": {\"worker\": "
                       "[\"host1:23456\", \"host2:23456\"]}, \"task\": {\"type\": \"worker\", \"index\": 0}}', "
                       "or use train.distribute: none / mirrored on one machine.")


def prepare_run_dir(run_dir: Path):
    """Creates the run folder (validation is over by now); a path that cannot be a folder is a clear error."""
    if run_dir.exists() and not run_dir.is_dir():
        raise RunError(f"--run-dir {run_dir} is a file, not a folder; choose another --run-dir.")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe = run_dir / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise RunError(f"cannot write into the run folder {run_dir} ({e.strerror}); choose a --run-dir you can "
                       "write to.") from None


def _command(argv, resume=False, run_dir=None, extra=()):
    """A `python -m repro ...` command line from this process's arguments, for messages."""
    import shlex

    if argv is None:
        return None
    args, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "--resume" or (run_dir is not None and a.startswith("--run-dir=")):
            continue
        if run_dir is not None and a == "--run-dir":
            skip = True
            continue
        args.append(a)
    if run_dir is not None:
        args += ["--run-dir", str(run_dir)]
    args += list(extra)
    if resume:
        args.append("--resume")
    return "python -m repro " + shlex.join(args)


def _last_backup_epoch(run_dir: Path):
    from repro.callbacks import complete_backups

    b = complete_backups(run_dir / "backup")
    return int(b[0].name.split("-")[1]) if b else None


def _nonfinite_advice(e, cfg, run_dir, argv):
    done = _last_backup_epoch(run_dir)
    if done:
        exists = (f"The run folder keeps the backup of epoch {done} and checkpoints/ up to the last finished "
                  f"epoch; `evaluate`/`sample` use them.")
    else:
        exists = "Nothing resumable was saved (no epoch finished with a backup)."
    lrs = {k: v for k, v in cfg["model_params"].items() if "learning_rate" in k and isinstance(v, (int, float))}
    # --resume repeats the same steps (same config, same seed): the fix is a new run with another setting
    sets = [f"--set=model_params.{k}={v / 10:g}" for k, v in lrs.items()]
    new_dir = run_dir.with_name(run_dir.name + "-lower-lr")
    cmd = _command(argv, run_dir=new_dir, extra=sets) if argv is not None and sets else None
    advice = (" Resuming would repeat the same steps; start a new run with a lower learning rate"
              + (f" ({', '.join(f'{k} = {v:g} now' for k, v in lrs.items())}), e.g.\n  {cmd}" if cmd else "")
              + "\nor check the data.")
    return f"{e} {exists}{advice}"


def train(cfg, run_dir=None, resume=False, data_dir=None, verbose=2, argv=None):
    """Trains `cfg` into `run_dir` (resuming its last backup with `resume`). Everything that can be refused is
    checked before the run folder is created or touched; `argv` (the command's arguments) is used in messages."""
    run_dir = Path(run_dir) if run_dir else default_run_dir(cfg)
    if run_dir.exists() and not run_dir.is_dir():
        raise RunError(f"--run-dir {run_dir} is a file, not a folder; choose another --run-dir.")
    check_tf_config(cfg)
    if is_chief(cfg):
        RunFolderLock.check_free(run_dir)
    check_run_dir(cfg, run_dir, resume)
    cls = REGISTRY[cfg["model"]]
    if cfg["train"]["distribute"] == "multiworker" and not cls.supports_multiworker:
        able = sorted(key for key, c in REGISTRY.items() if c.supports_multiworker)
        raise RunError(f"train.distribute: multiworker is supported for the {', '.join(able)} "
                       f"model only (tested: two workers follow the one-process run); {cfg['model']!r} draws its noise "
                       "per replica and does not scale its losses over replicas. Use train.distribute: none.")
    if resume and (done := read_done(run_dir)) is not None:
        if done.get("stopped"):
            print(f"{run_dir}: {done['stopped']}; nothing to resume.")
            return run_dir
        if done.get("epochs", 0) >= cfg["train"]["epochs"]:
            print(f"{run_dir}: already trained for {done['epochs']} epochs; nothing to resume.")
            return run_dir
    strategy = make_strategy(cfg)  # first: logical devices must be set up before TensorFlow starts
    warn_slow_precision(cfg)
    splits = cls.load_splits(cfg, data_dir)  # before the run folder exists: missing data leaves nothing behind
    print(f"device: {device_summary(strategy)}; precision {cfg['train']['precision']}", flush=True)
    steps, per_step = steps_for(cfg, len(splits.train))
    if strategy is not None and cfg["train"]["batch_size"] % strategy.num_replicas_in_sync:
        raise RunError(f"train.batch_size {cfg['train']['batch_size']} does not split evenly over "
                       f"{strategy.num_replicas_in_sync} devices; choose a multiple.")
    chief = is_chief(cfg)
    if not chief and resume and not (run_dir / "config.yaml").exists():
        raise RunError(f"this worker cannot see the run folder {run_dir}: to --resume under multiworker, every "
                       "worker must read the chief's run folder (a shared file system), to start from its backup.")
    # the model is built before the run folder exists: a config value that Keras refuses leaves nothing behind
    keras.utils.set_random_seed(cfg["seed"])
    if strategy is not None:
        with strategy.scope():
            model = build_model(cfg, splits, steps_per_epoch=steps)
    else:
        model = build_model(cfg, splits, steps_per_epoch=steps)
    session = Session(cfg, cls, model, strategy, splits, steps, per_step, run_dir, resume, verbose, argv)
    if not chief:  # a multiworker worker other than the chief: trains in step with it, writes nothing
        return _train_in_folder(session, writer=False)
    prepare_run_dir(run_dir)
    with RunFolderLock(run_dir, log=lambda m: print(m, file=sys.stderr)):
        check_run_dir(cfg, run_dir, resume)  # again, now that no other process can be writing it
        return _train_in_folder(session, writer=True)


@dataclass(frozen=True)
class Session:
    """What `train` has checked and built before it touches the run folder: the config, the model class and the
    model (built under `strategy`, or None), the data, the steps per epoch and the batch per step, and how it was
    asked for (the folder, --resume, the verbosity, the command's arguments for messages)."""
    cfg: dict
    cls: type
    model: Any
    strategy: Any
    splits: Any
    steps: int
    per_step: int
    run_dir: Path
    resume: bool
    verbose: int
    argv: Any


def _train_in_folder(session, writer):
    """Trains from the run folder's backup (or from the start); only the `writer` (the chief) writes the folder."""
    cfg, cls, model, strategy, splits = session.cfg, session.cls, session.model, session.strategy, session.splits
    steps, per_step, run_dir, verbose, argv = (session.steps, session.per_step, session.run_dir, session.verbose,
                                               session.argv)
    start_epoch = _start_epoch(model, run_dir, session.resume, writer)
    if start_epoch >= cfg["train"]["epochs"]:  # killed after the last backup, before done.json
        print(f"{run_dir}: the backup is from epoch {start_epoch}; nothing left to train.")
        if writer:
            atomic_write_text(run_dir / "done.json", json.dumps({"epochs": start_epoch, "seconds_this_session": 0.0,
                                                                 "steps_per_epoch": steps, "batch": per_step}))
        return run_dir
    ds = without_autotune(cls.make_dataset(cfg, splits, per_step, steps, start_epoch))
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        ds = distribute_global_batches(strategy, ds)
        _reduce_logs_as_vectors(model)
    # the model's own callbacks run on every worker (they may change training, e.g. a second stage); a worker
    # other than the chief gives them a throwaway folder to write into
    scratch = None if writer else Path(tempfile.mkdtemp(prefix="repro-worker-"))
    callbacks, stop_rule, verbose = _callbacks(cfg, model, splits, run_dir if writer else scratch, start_epoch,
                                               writer, verbose)
    if writer:  # only now: a resume refused above (a damaged file) has changed nothing in the run folder
        read_environment(run_dir)  # the earlier sessions' record, refused if damaged before anything is written
        atomic_write_text(run_dir / "config.yaml", dump_config(cfg))
        record_environment(run_dir, model)
    t0 = time.time()
    try:
        model.fit(ds, epochs=cfg["train"]["epochs"], initial_epoch=start_epoch, steps_per_epoch=steps,
                  callbacks=callbacks, verbose=verbose,
                  shuffle=False)  # the dataset shuffles itself (make_dataset); fit's own flag would only warn
    except NonFiniteLoss as e:
        if not writer:
            raise
        raise RunError(_nonfinite_advice(e, cfg, run_dir, argv)) from None
    except KeyboardInterrupt:
        raise _interrupted(cfg, run_dir, argv, writer) from None
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    if writer:
        done = {"epochs": cfg["train"]["epochs"], "seconds_this_session": time.time() - t0,
                "steps_per_epoch": steps, "batch": per_step}
        if stop_rule is not None and stop_rule.stopped:
            done.update(epochs=stop_rule.at_epoch, stopped=stop_rule.stopped)
        atomic_write_text(run_dir / "done.json", json.dumps(done))
    return run_dir


def _start_epoch(model, run_dir, resume, writer) -> int:
    """The epoch training starts from: 0, or with `resume` the epoch of the run folder's last backup (restored)."""
    from repro.callbacks import BackupError, restore_backup

    if not resume:
        return 0
    try:
        start_epoch = restore_backup(model, run_dir / "backup", log=lambda m: print(m, file=sys.stderr),
                                     set_aside=writer)
    except BackupError as e:
        raise RunError(f"cannot resume {run_dir}: {e}. Start a new run folder.") from None
    if start_epoch == 0 and writer:
        print(f"{run_dir}: no backup yet; training from the start.", file=sys.stderr)
    return start_epoch


def _interrupted(cfg, run_dir, argv, writer) -> Interrupted:
    """Ctrl-C: where the run stands and the command that continues it."""
    if not writer:
        return Interrupted("interrupted (a worker; the chief holds the run folder).")
    done = _last_backup_epoch(run_dir)
    where = (f"the last backup is from the end of epoch {done} of {cfg['train']['epochs']}" if done else
             "no epoch has been backed up yet")
    cmd = _command(argv, resume=True, run_dir=run_dir) or f"python -m repro train CONFIG --run-dir {run_dir} --resume"
    return Interrupted(f"interrupted: {where} ({run_dir}). Continue with:\n  {cmd}")


def _parzen_monitor(cfg, splits, run_dir, start_epoch):
    """The validation Parzen monitor (eval.monitor_every) and, where the config asks for it, the collapse stop."""
    ev = cfg["eval"]
    valid = splits.flat("valid")[: ev["valid_examples"]]
    if cfg["data"]["pixel_range"] == "symmetric":  # generate's samples are in [0, 1]
        valid = (valid + 1.0) / 2.0
    monitor = ParzenMonitor(valid, ev["monitor_samples"], parse_sigmas(ev["sigmas"]), ev["monitor_every"])
    stop_rule = None
    if ev["stop_if_collapsed_at"] and cfg["train"]["distribute"] == "multiworker":
        # only the chief measures the estimate: a chief stopping alone would leave the workers waiting
        print("note: eval.stop_if_collapsed_at is not applied under multiworker (only the chief sees the "
              "validation estimate); watch val_parzen for a collapse yourself.", file=sys.stderr)
    elif ev["stop_if_collapsed_at"] and start_epoch < ev["stop_if_collapsed_at"]:
        stop_rule = StopIfCollapsed(ev["stop_if_collapsed_at"], ev["collapse_below"],
                                    ev["collapse_consecutive"], _earlier_estimates(run_dir, start_epoch))
    return monitor, stop_rule


def _callbacks(cfg, model, splits, run_dir, start_epoch, writer, verbose):
    """(the callbacks of `fit`, the collapse stop rule or None, fit's verbosity). Only the writer (the chief)
    monitors, checkpoints and backs up; the model's own callbacks run everywhere, into `run_dir`."""
    monitored = writer and cfg["eval"]["monitor_every"] > 0 and model.parzen
    callbacks, stop_rule = [EpochTimer(), *model.training_callbacks(run_dir)], None
    if monitored:
        monitor, stop_rule = _parzen_monitor(cfg, splits, run_dir, start_epoch)
        callbacks.append(monitor)
    if verbose == 2:  # one line per epoch instead of Keras' two
        callbacks.append(EpochLine(cfg["train"]["epochs"]))
        verbose = 0
    if stop_rule is not None:  # after the epoch's line, so its message follows the estimate that triggered it
        callbacks.append(stop_rule)
    callbacks.append(StopOnNonFinite())
    if writer:
        from repro.callbacks import AtomicBackup

        callbacks += [
            AtomicCheckpoint(run_dir / "checkpoints", monitor="val_parzen" if monitored else None),
            keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
            keras.callbacks.TensorBoard(str(run_dir / "logs"), write_graph=False, profile_batch=0),
            # last: the backup marks an epoch done only after everything above has been written
            EveryNEpochs(AtomicBackup(run_dir / "backup"), cfg["train"]["checkpoint_every"]),
        ]
    return callbacks, stop_rule, verbose


def _earlier_estimates(run_dir, start_epoch):
    """(epoch, validation estimate) of the epochs before a resume, from history.csv."""
    from repro.results import read_history

    if not start_epoch:
        return []
    return [(int(h["epoch"]) + 1, h.get("val_parzen")) for h in read_history(run_dir) if int(h["epoch"]) < start_epoch]


def distribute_global_batches(strategy, ds):
    """A dataset of global batches, split for MultiWorkerMirroredStrategy so that replica r (over all workers)
    gets rows [r*b, (r+1)*b) of every global batch, the rows `own_rows` gives it noise for: each worker reads the
    whole stream (it is cheap: indices into an in-memory array) and keeps its replicas' rows. tf.data's
    auto-sharding would give the workers different batches instead."""
    n = strategy.num_replicas_in_sync

    def dataset_fn(ctx):
        local = n // ctx.num_input_pipelines
        first = ctx.input_pipeline_id * local

        def rows(batch, r):
            r = tf.cast(r, tf.int32)

            def cut(x):
                b = tf.shape(x)[0] // n
                return x[r * b:(r + 1) * b]
            return tf.nest.map_structure(cut, batch)

        per_replica = ds.flat_map(lambda *batch: tf.data.Dataset.range(first, first + local).map(
            lambda r: rows(batch if len(batch) > 1 else batch[0], r)))
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        return per_replica.with_options(options)

    return strategy.distribute_datasets_from_function(dataset_fn)


def _reduce_logs_as_vectors(model):
    """Keras reduces each logged value of a multiworker step with strategy.reduce(MEAN, v, axis=0), which fails on
    the scalars train_step returns ("Invalid reduction dimension 0 for input with 0 dimensions"); logged as
    1-element vectors they reduce to the mean over replicas, as under MirroredStrategy."""
    step = model.train_step
    model.train_step = lambda data: {k: tf.reshape(v, [1]) for k, v in step(data).items()}


def open_run(run_dir, checkpoint="best", data_dir=None, need_data=True) -> LoadedRun:
    """Rebuild a trained model from its run folder, or from a generator file (results/generators/RUN.npz: the
    generator alone, see repro.generator_store), as a LoadedRun (its `folder` is None for a generator file)."""
    from repro.generator_store import is_generator_file

    if is_generator_file(run_dir):
        cfg, model, splits, info = load_generator_file(run_dir, data_dir, need_data)
        return LoadedRun(Path(run_dir), cfg, model, splits, info, data_dir=data_dir)
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
    try:
        load_weights_checked(model, path)
    except WeightsMismatch as e:
        raise RunError(f"the config and the checkpoint of {run_dir} disagree: {e}. Its config.yaml was probably "
                       "edited or copied from another run: put back the config this run was trained with, or train "
                       "a new run folder.") from None
    except ValueError as e:
        other = "best" if path.name.startswith("last") else "last"
        raise RunError(f"{e}; try the other checkpoint (--checkpoint {other}), or train the run again.") from None
    info = {"checkpoint": path.name.split(".")[0], "epoch": read_checkpoint_epoch(meta)}
    return LoadedRun(run_dir, cfg, model, splits, info, data_dir=data_dir, folder=run_dir)


def load_run(run_dir, checkpoint="best", data_dir=None, need_data=True):
    """`open_run`'s parts: (cfg, model, splits, info)."""
    run = open_run(run_dir, checkpoint, data_dir, need_data)
    return run.cfg, run.model, run.splits, run.info


def load_generator_file(path, data_dir=None, need_data=True):
    """Like `load_run`, from a generator file: the stored networks in place (the generator; the discriminator as
    initialised unless the file holds it too)."""
    from repro.generator_store import GeneratorFileError, read_generator_file

    cfg, weights, meta = read_generator_file(path)
    splits = REGISTRY[cfg["model"]].load_splits(cfg, data_dir) if need_data else None
    model = build_model(cfg, splits)
    if not isinstance(getattr(model, "generator", None), keras.Model):
        raise GeneratorFileError(f"{path}: its config describes a {cfg['model']} model, which has no generator "
                                 "network to load these weights into: the file was edited or mixed from two runs; "
                                 "write it again with `python -m repro export-generator RUN_DIR`.")
    shapes = [tuple(w.shape) for w in model.generator.get_weights()]
    if [tuple(w.shape) for w in weights] != shapes:
        raise GeneratorFileError(f"{path}: its {len(weights)} weight arrays do not have the shapes of the generator "
                                 f"its config describes ({len(shapes)} arrays): the file was edited or mixed from two "
                                 "runs; write it again with `python -m repro export-generator RUN_DIR`.")
    model.generator.set_weights(weights)
    for network, values in meta["weights"].items():  # e.g. the discriminator, where the file holds it
        getattr(model, network).set_weights(values)
    info = {"checkpoint": meta["source"].get("checkpoint"), "epoch": meta["source"].get("epoch"),
            "generator_file": str(path), "dtype": meta["dtype"], "run": meta["source"].get("run")}
    return cfg, model, splits, info
