"""One command line: python -m repro {train,sample,parzen,evaluate,baselines,figures,report}."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _parse_set(items):
    """--set a.b=value pairs into a nested override dict (values parsed as YAML)."""
    import yaml

    out = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"error: --set takes key=value (e.g. train.precision=mixed_bfloat16), got {item!r}")
        key, value = item.split("=", 1)
        node = out
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = yaml.safe_load(value)
    return out


def cmd_train(a):
    from repro.config import load_config
    from repro.train import train

    cfg = load_config(a.config, a.profile, _parse_set(a.set))
    run_dir = train(cfg, a.run_dir, resume=a.resume, data_dir=a.data_dir, verbose=1 if a.verbose else 2)
    print(f"run folder: {run_dir}")


def cmd_sample(a):
    import numpy as np

    from repro.callbacks import atomic_write_bytes
    from repro.train import load_run
    import io

    _, model, _, info = load_run(a.run_dir, a.checkpoint, a.data_dir, need_data=True)
    if a.nice and not hasattr(model, "discriminate_numpy"):
        raise ValueError(f"--nice ranks samples by the discriminator, which only keras_dcgan keeps; "
                         f"{a.run_dir} is a {type(model).__name__}. Drop --nice.")
    out = model.generate(a.n, seed=a.seed, nice=True) if a.nice else model.generate(a.n, seed=a.seed)
    buf = io.BytesIO()
    np.savez_compressed(buf, **out)
    atomic_write_bytes(a.out, buf.getvalue())
    print(f"wrote {a.n} samples ({info['checkpoint']} checkpoint, epoch {info['epoch']}) to {a.out}")


def load_samples_npz(path):
    import numpy as np

    p = Path(path)
    if not p.exists():
        raise ValueError(f"{p} does not exist; write samples with `python -m repro sample RUN_DIR --out {p}`.")
    try:
        data = np.load(p)
    except Exception as e:
        raise ValueError(f"{p} is not a readable .npz file ({e}).") from None
    if "images" not in data.files:
        raise ValueError(f"{p} has no 'images' array (it has: {', '.join(data.files) or 'nothing'}); "
                         "the suite's samples are float32 images in [0,1] under the key 'images'.")
    x = np.asarray(data["images"], np.float32)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{p}: 'images' contains NaN or inf.")
    if x.min() < 0 or x.max() > 1:
        raise ValueError(f"{p}: 'images' has values in [{x.min():.3g}, {x.max():.3g}], outside [0, 1]; map samples "
                         "to [0, 1] first (e.g. (x + 1) / 2 for tanh outputs).")
    return x


def cmd_parzen(a):
    import numpy as np

    from repro.config import parse_sigmas
    from repro.data.mnist import load_mnist
    from repro.metrics.parzen import parzen_protocol

    x = load_samples_npz(a.samples)
    x = x.reshape(len(x), -1)
    if x.shape[1] != 784:
        raise ValueError(f"{a.samples}: images have {x.shape[1]} pixels; the MNIST protocol needs 28x28x1 = 784.")
    m = load_mnist(a.data_dir)
    valid = m["train_x"][50000:50000 + a.valid].reshape(-1, 784).astype(np.float32) / 255.0
    test = m["test_x"][: a.test].reshape(-1, 784).astype(np.float32) / 255.0
    r = parzen_protocol(x, valid, test, parse_sigmas("logspace(-1,0,10)"), sigma=a.sigma)
    if a.json:
        print(json.dumps(r))
    else:
        print(f"Parzen log-likelihood: {r['ll']:.2f} ± {r['se']:.2f} nats (sigma = {r['sigma']:.4f}, "
              f"{r['n_samples']} samples, {r['n_test']} test images)")


def cmd_evaluate(a):
    from repro.evaluate import evaluate_run

    summary = evaluate_run(a.run_dir, data_dir=a.data_dir, checkpoint=a.checkpoint, results_dir=a.results)
    p, ck = summary["parzen"], summary["checkpoint"]
    print(f"evaluated {summary['run']} ({ck['checkpoint']} checkpoint, epoch {ck['epoch']})"
          + (f": Parzen {p['ll']:.1f} ± {p['se']:.1f} nats (σ = {p['sigma']:.3f})" if p else "")
          + f" -> {Path(a.results) / 'runs' / (summary['run'] + '.json')}")


def cmd_baselines(a):
    from repro.evaluate import compute_baselines

    print(json.dumps(compute_baselines(a.results, a.data_dir, force=a.force), indent=1))


def cmd_figures(a):
    from repro.figures import make_all_figures

    for path in make_all_figures(a.runs, a.results, data_dir=a.data_dir):
        print(path)


def cmd_check_data(a):
    from repro.config import load_config
    from repro.models import REGISTRY

    cfg = load_config(a.config)
    REGISTRY[cfg["model"]].load_splits(cfg, a.data_dir)


def cmd_report(a):
    from repro.report import write_report

    for path in write_report(a.results):
        print(path)


DATA_HELP = ("offline dataset folder (MNIST: the four IDX files; default $REPRO_DATA_DIR; without one MNIST is "
             "downloaded once into the --mnist-cache folder)")


def add_data_options(parser):
    parser.add_argument("--data-dir", default=None, help=DATA_HELP)
    parser.add_argument("--mnist-cache", default=None, metavar="DIR",
                        help="where downloaded MNIST files are kept (default $REPRO_MNIST_CACHE, else "
                             "~/.keras/datasets/mnist-idx)")
    parser.add_argument("--mnist-source", choices=["download", "tfds"], default=None,
                        help="without --data-dir: 'download' (default; the IDX files in their original order) or "
                             "'tfds' (tensorflow-datasets, whose MNIST example order differs: its train[0:50000] "
                             "is NOT the 2014 split)")


def apply_data_options(a):
    """The data options reach the loaders through the environment they already read."""
    if getattr(a, "mnist_cache", None):
        os.environ["REPRO_MNIST_CACHE"] = str(a.mnist_cache)
    if getattr(a, "mnist_source", None):
        os.environ["REPRO_MNIST_SOURCE"] = a.mnist_source


def build_parser():
    p = argparse.ArgumentParser(prog="python -m repro", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    t = sub.add_parser("train", help="train an experiment into a run folder")
    t.add_argument("config")
    t.add_argument("--profile", choices=["smoke", "quick", "paper"], default=None)
    t.add_argument("--run-dir", default=None, help="default: runs/EXPERIMENT-PROFILE")
    t.add_argument("--resume", action="store_true", help="continue a killed run from its last backup")
    t.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config value")
    add_data_options(t)
    t.add_argument("--verbose", action="store_true", help="a progress bar per epoch instead of one line")
    t.set_defaults(fn=cmd_train)

    s = sub.add_parser("sample", help="write N samples of a trained run to an .npz")
    s.add_argument("run_dir")
    s.add_argument("--n", type=int, default=10000)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", required=True)
    s.add_argument("--checkpoint", choices=["best", "last"], default="best")
    s.add_argument("--nice", action="store_true", help="keras-dcgan's --nice: keep the best 5%% of 20x as many by D")
    add_data_options(s)
    s.set_defaults(fn=cmd_sample)

    z = sub.add_parser("parzen", help="the 2014 Parzen protocol on samples from an .npz")
    z.add_argument("samples")
    z.add_argument("--sigma", type=float, default=None, help="skip the validation search and use this sigma")
    z.add_argument("--json", action="store_true")
    z.add_argument("--valid", type=int, default=1000, help="validation images for choosing sigma (paper: 1000)")
    z.add_argument("--test", type=int, default=10000, help="test images (paper: all 10000)")
    add_data_options(z)
    z.set_defaults(fn=cmd_parzen)

    e = sub.add_parser("evaluate", help="Parzen (and figures' data) of a finished run; writes results/runs/")
    e.add_argument("run_dir")
    e.add_argument("--checkpoint", choices=["best", "last"], default=None)
    e.add_argument("--results", default="results")
    add_data_options(e)
    e.set_defaults(fn=cmd_evaluate)

    b = sub.add_parser("baselines", help="Theis et al. baselines (true data, k-means) by the same protocol")
    b.add_argument("--results", default="results")
    b.add_argument("--force", action="store_true")
    add_data_options(b)
    b.set_defaults(fn=cmd_baselines)

    f = sub.add_parser("figures", help="regenerate figures from finished runs into results/")
    f.add_argument("--runs", default="runs")
    f.add_argument("--results", default="results")
    add_data_options(f)
    f.set_defaults(fn=cmd_figures)

    c = sub.add_parser("check-data", help="exit 0 if the config's dataset can be loaded, else say why (exit 2)")
    c.add_argument("config")
    add_data_options(c)
    c.set_defaults(fn=cmd_check_data)

    r = sub.add_parser("report", help="tables, REPORT.md and verification.json from results/")
    r.add_argument("--results", default="results")
    r.set_defaults(fn=cmd_report)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    from repro.backend import import_tensorflow_quietly

    import_tensorflow_quietly()
    from repro.callbacks import NonFiniteLoss
    from repro.config import ConfigError
    from repro.data.errors import DataError
    from repro.train import RunError

    try:
        apply_data_options(args)
        args.fn(args)
    except (ConfigError, DataError, RunError, NonFiniteLoss, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0
