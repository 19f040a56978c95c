"""Scoring finished runs and the protocol's baselines; writes small JSON summaries into results/."""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import repro.experiments  # noqa: F401  registers every experiment's evaluators
from repro import registry
from repro.config import EVAL_SEED, parse_sigmas
from repro.io import atomic_write_text
from repro.metrics.parzen import parzen_protocol
from repro.results import code_commit, read_baselines, read_done, read_environment, read_history


def eval_devices(cfg):
    """Under train.distribute, the Parzen test points are sharded over the same devices as training."""
    if cfg["train"]["distribute"] == "none":
        return None
    devs = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    return [d.name for d in devs] if len(devs) > 1 else None


def test_parzen(model, cfg, splits, devices=None) -> dict:
    """The 2014 protocol on a model: eval.n_samples samples drawn with EVAL_SEED, sigma chosen on the first
    eval.valid_examples validation images, scored on the first eval.test_examples test images. evaluate,
    export-generator and verify all score through here, so they give the same number for the same weights."""
    ev = cfg["eval"]
    samples = model.generate(ev["n_samples"], seed=EVAL_SEED)["images"]
    valid, test = splits.flat("valid")[: ev["valid_examples"]], splits.flat("test")[: ev["test_examples"]]
    if cfg["data"]["pixel_range"] == "symmetric":  # samples come in [0, 1]; the protocol compares in [0, 1]
        valid, test = (valid + 1.0) / 2.0, (test + 1.0) / 2.0
    return parzen_protocol(samples.reshape(len(samples), -1), valid, test, parse_sigmas(ev["sigmas"]),
                           devices=devices)


def precision_record(cfg, environment) -> dict:
    """What the config asked for, and what each training session ran with: the Keras policy and the dtypes the
    model's layers computed in, as train recorded them in environment.json (None for sessions before that record)."""
    return {"config": cfg["train"]["precision"],
            "training_sessions": [s.get("precision") for s in environment] if environment else None}


# history.csv columns the engine's own callbacks write (EpochTimer, ParzenMonitor), kept for every run
ENGINE_HISTORY_COLUMNS = ("epoch", "val_parzen", "val_sigma", "epoch_seconds")


def measure(run, results_dir="results", key=None) -> dict:
    """{summary key: value} of every registered evaluator that applies to `run` (only `key`'s, if given):
    "metrics" merged over its evaluators ({} without one), every other key None where no evaluator applies."""
    keys = [key] if key else registry.evaluator_keys()
    out = {k: ({} if k == "metrics" else None) for k in keys}
    for evaluator in registry.evaluators(run.cfg, key):
        value = evaluator.measure(run, results_dir)
        if evaluator.key == "metrics":
            out["metrics"].update(value or {})
        else:
            out[evaluator.key] = value
    return out


def history_columns(cfg, model) -> tuple:
    """The history.csv columns a run summary keeps: the engine's, its experiment's and its model's own."""
    declared = (*ENGINE_HISTORY_COLUMNS, *registry.experiment_of(cfg["model"]).history_columns, *model.history_keys)
    return tuple(dict.fromkeys(declared))


def recipe_record(cfg, n_train) -> dict:
    """What the summary's "recipe" says about how the run was trained (with its experiment's `recipe_params`)."""
    params = registry.experiment_of(cfg["model"]).recipe_params
    return {**{k: cfg["model_params"].get(k) for k in params},
            "distribute": cfg["train"]["distribute"], "precision": cfg["train"]["precision"],
            "batch_size": cfg["train"]["batch_size"], "train_examples": cfg["train"]["train_examples"] or n_train,
            "seed": cfg["seed"], "train_range": cfg["data"]["train_range"]}


def evaluate_run(run_dir, data_dir=None, checkpoint=None, results_dir="results") -> dict:
    """Scores a trained run folder (Parzen where the model is scored by it, then every registered evaluator that
    applies) into its eval.json and results/runs/RUN.json."""
    from repro.train import load_saved_config, open_run

    run_dir = Path(run_dir)
    if checkpoint is None and (run_dir / "config.yaml").exists():
        checkpoint = load_saved_config(run_dir / "config.yaml")["eval"]["checkpoint"]
    run = open_run(run_dir, checkpoint, data_dir)
    cfg, model = run.cfg, run.model
    model.sample_store = run_dir / "samples-in-progress"  # a slow sampler resumes there after a kill
    # the run folder's own records, read (and refused if damaged) before anything is computed or written
    history, environment, done = read_history(run_dir), read_environment(run_dir), read_done(run_dir)
    t0 = time.time()
    parzen = test_parzen(model, cfg, run.splits, devices=eval_devices(cfg)) if model.parzen else None
    measured = measure(run, results_dir)
    secs = [h["epoch_seconds"] for h in history if h.get("epoch_seconds")]
    columns = history_columns(cfg, model)
    summary = {
        "run": run_dir.name,
        "experiment": cfg["experiment"],
        "commit": code_commit(),  # the code that evaluated it (summaries before 2026-12-02 have none)
        "model": cfg["model"],
        "dataset": cfg["data"]["dataset"],
        "profile": cfg["profile"],
        "recipe": recipe_record(cfg, len(run.splits.train)),
        "model_params": cfg["model_params"],
        "environment": environment,
        "precision": precision_record(cfg, environment),
        "epochs_planned": cfg["train"]["epochs"],
        "epochs_trained": len(history),
        # why training ended early, where a rule stopped it (done.json; e.g. the collapse stop)
        "stopped": (done or {}).get("stopped"),
        "checkpoint": run.info,
        "parzen": parzen,
        **measured,
        "eval_seconds": time.time() - t0,
        "seconds_per_epoch_median": statistics.median(secs) if secs else None,
        "history": [{k: h.get(k) for k in columns} for h in history],
    }
    text = json.dumps(summary, indent=1)
    atomic_write_text(run_dir / "eval.json", text)
    out = Path(results_dir) / "runs"
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / f"{run_dir.name}.json", text)
    return summary


def kmeans(x, k, iters=20, seed=0, batch=10000):
    """Lloyd's k-means with distances by matrix product (what Theis et al.'s baseline needs: 10,000 centroids)."""
    rng = np.random.default_rng(seed)
    c = tf.constant(x[rng.choice(len(x), k, replace=False)])
    xs = tf.constant(x)
    for _ in range(iters):
        sq_c = tf.reduce_sum(tf.square(c), axis=1)
        assign = tf.concat([tf.argmin(sq_c[None, :] - 2.0 * tf.matmul(xs[i:i + batch], c, transpose_b=True), axis=1)
                            for i in range(0, len(x), batch)], axis=0)
        sums = tf.math.unsorted_segment_sum(xs, assign, k)
        counts = tf.math.unsorted_segment_sum(tf.ones(len(x)), assign, k)[:, None]
        # an empty cluster keeps its centroid
        c = tf.where(counts > 0, sums / tf.maximum(counts, 1.0), c)
    return c.numpy()


def compute_baselines(results_dir="results", data_dir=None, force=False) -> dict:
    """Theis et al. (2016): the Parzen protocol scoring (a) 10,000 training images, (b) 10,000 k-means centroids."""
    from repro.data.mnist import load_mnist

    path = Path(results_dir) / "baselines.json"
    if path.exists() and not force:
        return read_baselines(results_dir)
    m = load_mnist(data_dir)
    train = m["train_x"][:50000].reshape(50000, -1).astype(np.float32) / 255.0
    valid = m["train_x"][50000:51000].reshape(1000, -1).astype(np.float32) / 255.0
    test = m["test_x"].reshape(10000, -1).astype(np.float32) / 255.0
    sig = parse_sigmas("logspace(-1,0,10)")
    t0 = time.time()
    centroids = kmeans(train, 10000, iters=20, seed=0)
    out = {
        "true_data": {**parzen_protocol(train[:10000], valid, test, sig),
                      "what": "the first 10,000 images of train[0:50000] used as the samples"},
        "kmeans": {**parzen_protocol(centroids, valid, test, sig),
                   "what": "10,000 k-means centroids of train[0:50000] (Lloyd, 20 iterations, seed 0) as the samples",
                   "seconds": time.time() - t0},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(out, indent=1))
    return out


def export_generator(run_dir, out=None, checkpoint=None, data_dir=None, networks=("generator",)):
    """Write RUN_DIR's generator (its evaluated checkpoint by default) to results/generators/RUN.npz, with the other
    `networks` (model attributes, e.g. "discriminator") beside it in float32.

    The test Parzen estimate is computed with the float32 weights and with the weights rounded to float16, on
    the same samples' noise; float16 is kept if the two differ by less than FLOAT16_TOLERANCE_NATS. A model with
    an exact likelihood (`likelihood_metrics`) is judged by its exact test log-likelihood instead, and the file
    records that number for both precisions. Returns (path, dtype, float32 score, float16 score), each score a
    dict with "ll" (nats) and "measure" (what was scored)."""
    from repro.generator_store import FLOAT16_TOLERANCE_NATS, GeneratorFileError, write_generator_file
    from repro.train import load_run, load_saved_config

    run_dir = Path(run_dir)
    if checkpoint is None and (run_dir / "config.yaml").exists():
        checkpoint = load_saved_config(run_dir / "config.yaml")["eval"]["checkpoint"]
    cfg, model, splits, info = load_run(run_dir, checkpoint or "best", data_dir)
    exact = model.likelihood_metrics  # None unless the model has an exact likelihood
    datasets = registry.experiment_of(cfg["model"]).generator_datasets
    if exact is None and (not model.parzen or cfg["data"]["dataset"] not in datasets):
        raise GeneratorFileError(f"{run_dir}: only runs scored by the Parzen protocol on a dataset their experiment "
                                 f"exports, or models with an exact likelihood, can be exported; this {cfg['model']} "
                                 f"run on {cfg['data']['dataset']} is not one (its experiment exports "
                                 f"{', '.join(datasets) or 'no dataset'}).")
    networks = ("generator", *(n for n in networks if n != "generator"))
    missing = [n for n in networks if not isinstance(getattr(model, n, None), keras.Model)]
    if missing:
        raise GeneratorFileError(f"{run_dir}: a {type(model).__name__} has no network {', '.join(missing)}; "
                                 "--with takes a network of the model, e.g. discriminator.")

    def score():
        if exact is None:
            return {**test_parzen(model, cfg, splits), "measure": "test Parzen"}
        nll = exact(splits)["test_nll"]
        return {"ll": -nll["nll"], "se": nll["se"], "test_nll": nll, "measure": "exact test log-likelihood"}

    full = score()
    weights = model.generator.get_weights()
    model.generator.set_weights([w.astype(np.float16).astype(np.float32) for w in weights])
    half = score()
    model.generator.set_weights(weights)
    dtype = "float16" if abs(half["ll"] - full["ll"]) < FLOAT16_TOLERANCE_NATS else "float32"
    stored = half if dtype == "float16" else full
    out = Path(out) if out else Path("results") / "generators" / f"{run_dir.name}.npz"
    provenance = {**info, "run": run_dir.name}
    if exact is not None:  # the exact NLL of the float32 weights and of the weights as stored
        provenance.update(test_nll_float32=full["test_nll"], test_nll_stored=stored["test_nll"])
    write_generator_file(out, cfg, model, provenance, parzen_float32=None if exact else full,
                         parzen_stored=None if exact else stored, dtype=dtype, commit=code_commit(),
                         networks=networks)
    return out, dtype, full, half
