"""One command line for the suite: python -m repro COMMAND (`python -m repro COMMAND --help` for its options).

  train            train an experiment (a name from `list`, or a YAML config) into a run folder
  status           where a run folder stands: epoch, best validation estimate, pace, time left, still training?
  evaluate         score a finished run (Parzen, the experiment's own metrics) into results/runs/
  sample           write samples of a run (or of a shipped model file) to an .npz
  parzen           the 2014 Parzen-window protocol on samples from an .npz
  export-generator a run's generator in one small file that sample, parzen, figures and verify accept
  baselines        the true-data and k-means baselines by the same Parzen protocol
  figures          redraw the figures from the evaluated runs
  report           tables, REPORT.md and verification.json from results/
  verify           re-measure the headline claims from the models shipped in results/ (no training)
  list             the experiments, their profiles, their time here, and which ship a model
  check-data       exit 0 if an experiment's dataset can be loaded, else say why
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

STARTED = time.time()  # verify reports its start-up time (importing TensorFlow) beside its measurements

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _parse_set(items):
    """--set a.b=value pairs into a nested override dict (values parsed as YAML)."""
    import yaml

    from repro.config import ConfigError

    out = {}
    for item in items or []:
        if "=" not in item:
            raise ConfigError(f"--set takes key=value (e.g. train.precision=mixed_bfloat16), got {item!r}.")
        key, value = item.split("=", 1)
        if not key or any(not p for p in key.split(".")):
            raise ConfigError(f"--set {item!r}: the key must be a dotted config key, e.g. train.epochs=5.")
        node = out
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {item!r}: '{p}' was set to a value above, it cannot also be a section.")
        try:
            node[parts[-1]] = yaml.safe_load(value)
        except yaml.YAMLError as e:
            first = str(e).splitlines()[0]
            raise ConfigError(f"--set {item!r}: the value is not valid YAML ({first}); e.g. train.epochs=5, "
                              "model_params.g_hidden=[1200,1200], or quote text.") from None
    return out


def _train_overrides(a):
    """--set pairs, with --seed N and --epochs N as shorthands of --set seed=N and --set train.epochs=N."""
    from repro.config import ConfigError

    over = _parse_set(a.set)
    for flag, section, key, value in (("--seed", None, "seed", a.seed), ("--epochs", "train", "epochs", a.epochs)):
        if value is None:
            continue
        node = over.setdefault(section, {}) if section else over
        if key in node and node[key] != value:
            raise ConfigError(f"{flag} {value} and --set {section + '.' if section else ''}{key}={node[key]} say "
                              "different things; give one of them.")
        node[key] = value
    return over


def cmd_train(a):
    from repro.config import load_config
    from repro.listing import config_path
    from repro.train import is_chief, train

    cfg = load_config(config_path(a.config), a.profile, _train_overrides(a))
    run_dir = train(cfg, a.run_dir, resume=a.resume, data_dir=a.data_dir, verbose=1 if a.verbose else 2,
                    argv=a.argv)
    print(f"run folder: {run_dir}" if is_chief(cfg) else f"done (a worker; the chief wrote the run folder {run_dir})")


# above this many samples, `sample` draws them in chunks (each from its own stream of the seed) and streams them to
# the file, so memory stays bounded for any --n
SAMPLE_CHUNK = 50_000


def _finite_samples(out, source):
    import numpy as np

    for k, v in out.items():
        if np.issubdtype(v.dtype, np.floating) and not np.all(np.isfinite(v)):
            raise ValueError(f"the samples of {source} contain NaN or inf ('{k}'); nothing written. Its weights give "
                             "no numbers: sample another checkpoint (--checkpoint best/last) or train the run again.")
    return out


def _sample_keywords(a, model_key) -> dict:
    """The `generate` keywords of the model-specific sample options given (registry.SampleOption), refusing an
    option the run's model does not declare."""
    from repro.registry import sample_options

    out = {}
    for flag, (option, models) in sample_options().items():
        if not getattr(a, option.keyword, False):
            continue
        if model_key not in models:
            raise ValueError(f"{flag} is an option of the {', '.join(models)} model(s) only ({option.help}); "
                             f"{a.run_dir} is a {model_key} run. Drop {flag}.")
        out[option.keyword] = True
    return out


def cmd_sample(a):
    import io
    import shutil

    import numpy as np

    from repro.io import atomic_write_bytes, atomic_write_npz_rows
    from repro.train import load_run

    if a.n < 1:
        raise ValueError(f"--n is {a.n}; the number of samples must be at least 1.")
    cfg, model, _, info = load_run(a.run_dir, a.checkpoint, a.data_dir, need_data=True)
    extras = _sample_keywords(a, cfg["model"])

    def draw(n, seed):
        return _finite_samples(model.generate(n, seed=seed, **extras), a.run_dir)

    if a.n <= SAMPLE_CHUNK:
        buf = io.BytesIO()
        np.savez_compressed(buf, **draw(a.n, a.seed))
        atomic_write_bytes(a.out, buf.getvalue())
    else:
        # the rows' temporary files and the archive side by side, at worst uncompressed: measured on two samples
        out_dir = Path(a.out).resolve().parent
        need = 2 * a.n * sum(v[:1].nbytes for v in draw(2, a.seed).values())
        free = shutil.disk_usage(out_dir).free
        if need > free:
            raise ValueError(f"--n {a.n} samples need up to {need / 2 ** 30:.1f} GiB of free disk space in "
                             f"{out_dir} while {a.out} is written ({free / 2 ** 30:.1f} GiB free); ask for fewer "
                             "samples or write to a larger disk.")
        chunks = (draw(min(SAMPLE_CHUNK, a.n - start), [a.seed, i])
                  for i, start in enumerate(range(0, a.n, SAMPLE_CHUNK)))
        atomic_write_npz_rows(a.out, chunks)
    print(f"wrote {a.n} samples ({info['checkpoint']} checkpoint, epoch {info['epoch']}) to {a.out}")


def load_samples_npz(path):
    import numpy as np

    p = Path(path)
    if not p.exists():
        raise ValueError(f"{p} does not exist; write samples with `python -m repro sample RUN_DIR --out {p}`.")
    try:
        data = np.load(p, allow_pickle=False)
    except Exception as e:
        raise ValueError(f"{p} is not a readable .npz file ({e}).") from None
    if isinstance(data, np.ndarray):  # np.load gives an array for a .npy file, an archive for an .npz
        raise ValueError(f"{p} is a single .npy array, not an .npz archive; save samples as "
                         "np.savez(path, images=x) with x of shape (n, 28, 28, 1) or (n, 784) in [0, 1].")
    if "images" not in data.files:
        raise ValueError(f"{p} has no 'images' array (it has: {', '.join(data.files) or 'nothing'}); "
                         "the suite's samples are float32 images in [0,1] under the key 'images'.")
    try:
        x = data["images"]
    except Exception as e:  # noqa: BLE001  a member cut short, or an array of Python objects
        raise ValueError(f"{p}: its 'images' array cannot be read ({type(e).__name__}: {e}); write the samples "
                         "again (e.g. `python -m repro sample RUN_DIR --out FILE`).") from None
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise ValueError(f"{p}: 'images' holds {x.dtype} values, not numbers; the suite's samples are float32 images "
                         "in [0, 1].")
    x = np.asarray(x, np.float32)
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"{p}: 'images' has shape {x.shape}; expected at least one image, shape (n, 28, 28, 1) or "
                         "(n, 784).")
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

    if a.sigma is not None and not (math.isfinite(a.sigma) and a.sigma > 0):
        raise ValueError(f"--sigma is {a.sigma}; the Parzen window width must be a positive number (e.g. 0.2).")
    for name, n in (("--valid", a.valid), ("--test", a.test)):
        if n < 1:
            raise ValueError(f"{name} is {n}; it must be at least 1 image.")
    x = load_samples_npz(a.samples)
    x = x.reshape(len(x), -1)
    if x.shape[1] != 784:
        raise ValueError(f"{a.samples}: images have {x.shape[1]} pixels; the MNIST protocol needs 28x28x1 = 784.")
    m = load_mnist(a.data_dir)
    valid = m["train_x"][50000:50000 + a.valid].reshape(-1, 784).astype(np.float32) / 255.0
    test = m["test_x"][: a.test].reshape(-1, 784).astype(np.float32) / 255.0
    r = parzen_protocol(x, valid, test, parse_sigmas("logspace(-1,0,10)"), sigma=a.sigma)
    if not (math.isfinite(r["ll"]) and math.isfinite(r["se"])):
        raise ValueError(f"the Parzen estimate is not a finite number (ll = {r['ll']}, se = {r['se']}, sigma = "
                         f"{r['sigma']}); no result written.")
    if r.get("valid_ll_by_sigma"):  # a sigma far too small for the samples can score -inf: not a number in JSON
        r["valid_ll_by_sigma"] = {k: v if math.isfinite(v) else None for k, v in r["valid_ll_by_sigma"].items()}
    if a.json:
        print(json.dumps(r, allow_nan=False))
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


def cmd_export_generator(a):
    from repro.evaluate import export_generator

    out, dtype, full, half = export_generator(a.run_dir, a.out, a.checkpoint, a.data_dir,
                                              networks=("generator", *(a.networks or ())))
    print(f"wrote {out} ({dtype}, {out.stat().st_size / 1e6:.2f} MB; {full.get('measure', 'test Parzen')} "
          f"{full['ll']:.2f} with float32 weights, {half['ll']:.2f} with float16)")


def cmd_check_data(a):
    import repro.experiments  # noqa: F401  registers every experiment's models
    from repro.config import load_config
    from repro.listing import config_path
    from repro.registry import MODELS

    cfg = load_config(config_path(a.config))
    MODELS[cfg["model"]].load_splits(cfg, a.data_dir)


def cmd_verify(a):
    from repro.verify import run

    return run(a.claims, a.results, data_dir=a.data_dir, record_time=a.record_time, started=STARTED)


def cmd_list(a):
    from repro.listing import listing
    from repro.verify import resolve_all

    shipped = [(r.summary["experiment"], r.claim.name, r.run) for r in resolve_all(a.results) if r.checkable]
    for line in listing(a.results, shipped=shipped):
        print(line)


def cmd_status(a):
    from repro.status import describe, run_status

    st = run_status(a.run_dir)
    print(json.dumps(st, indent=1) if a.json else "\n".join(describe(st)))


def cmd_report(a):
    from repro.report import write_report

    for path in write_report(a.results):
        print(path)


RESULTS_HELP = "the results folder: runs/, figures/, tables, REPORT.md and the shipped models (default: results)"
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


def _version():
    import repro
    from repro.results import code_commit

    commit = code_commit()
    return f"repro {repro.__version__}" + (f" (commit {commit})" if commit else "")


class _Version(argparse.Action):
    """--version: computed when asked for (it reads the checkout's commit), not on every parse."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(_version())
        parser.exit()


def build_parser():
    p = argparse.ArgumentParser(prog="python -m repro", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action=_Version, help="the suite's version and commit")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    _add_run_commands(sub)
    _add_results_commands(sub)
    return p


def _add_run_commands(sub):
    """train, sample, parzen, evaluate."""
    from repro import registry
    from repro.config import EVAL_SEED

    t = sub.add_parser("train", help="train an experiment into a run folder")
    t.add_argument("config", help="an experiment name (`python -m repro list`) or a YAML config")
    t.add_argument("--profile", choices=["smoke", "quick", "paper"], default=None)
    t.add_argument("--run-dir", default=None, help="default: runs/EXPERIMENT-PROFILE")
    t.add_argument("--resume", action="store_true", help="continue a killed run from its last backup")
    t.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config value")
    t.add_argument("--seed", type=int, default=None, metavar="N", help="the same as --set seed=N")
    t.add_argument("--epochs", type=int, default=None, metavar="N", help="the same as --set train.epochs=N")
    add_data_options(t)
    t.add_argument("--verbose", action="store_true", help="a progress bar per epoch instead of one line")
    t.set_defaults(fn=cmd_train)

    s = sub.add_parser("sample", help="write N samples of a trained run to an .npz")
    s.add_argument("run_dir", help="a run folder, or a generator file (results/generators/RUN.npz)")
    s.add_argument("--n", type=int, default=10000,
                   help="how many samples (default 10000); above 50000 they are drawn in chunks of 50000, each from "
                        "its own stream of --seed, and streamed to the file, so memory stays bounded")
    s.add_argument("--seed", type=int, default=EVAL_SEED,
                   help=f"noise seed (default {EVAL_SEED}: the samples evaluate scores, so parzen gives its number)")
    s.add_argument("--out", required=True)
    s.add_argument("--checkpoint", choices=["best", "last"], default="best")
    # the experiments' own options (e.g. --nice); main imports the experiments for `sample` only, so that parsing
    # another command does not import TensorFlow
    for flag, (option, _) in registry.sample_options().items():
        s.add_argument(flag, dest=option.keyword, action="store_true", help=option.help)
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
    e.add_argument("--checkpoint", choices=["best", "last"], default=None, help="default: the config's eval.checkpoint")
    e.add_argument("--results", default="results", help=RESULTS_HELP)
    add_data_options(e)
    e.set_defaults(fn=cmd_evaluate)


def _add_results_commands(sub):
    """baselines, figures, export-generator, check-data, report, verify, list, status."""
    b = sub.add_parser("baselines", help="Theis et al. baselines (true data, k-means) by the same protocol")
    b.add_argument("--results", default="results", help=RESULTS_HELP)
    b.add_argument("--force", action="store_true")
    add_data_options(b)
    b.set_defaults(fn=cmd_baselines)

    f = sub.add_parser("figures", help="regenerate figures from finished runs into results/")
    f.add_argument("--runs", default="runs", help="the folder of run folders whose figures are drawn (default: runs)")
    f.add_argument("--results", default="results", help=RESULTS_HELP)
    add_data_options(f)
    f.set_defaults(fn=cmd_figures)

    x = sub.add_parser("export-generator", help="a run's generator, config and provenance in one small file "
                       "(results/generators/RUN.npz) that sample/parzen/figures accept in place of the run folder")
    x.add_argument("run_dir")
    x.add_argument("--out", default=None, help="default: results/generators/RUN.npz")
    x.add_argument("--checkpoint", choices=["best", "last"], default=None, help="default: the config's eval.checkpoint")
    x.add_argument("--with", dest="networks", action="append", metavar="NETWORK",
                   help="store this network of the model too, in float32 (e.g. discriminator, which samples "
                        "ranked by it need)")
    add_data_options(x)
    x.set_defaults(fn=cmd_export_generator)

    c = sub.add_parser("check-data", help="exit 0 if the config's dataset can be loaded, else say why (exit 2)")
    c.add_argument("config", help="an experiment name (`python -m repro list`) or a YAML config")
    add_data_options(c)
    c.set_defaults(fn=cmd_check_data)

    r = sub.add_parser("report", help="tables, REPORT.md and verification.json from results/")
    r.add_argument("--results", default="results", help=RESULTS_HELP)
    r.set_defaults(fn=cmd_report)

    v = sub.add_parser("verify", help="re-measure headline claims from the models shipped in results/: without a "
                       "claim, list them with their expected time; exit 0 when every checked claim agrees with the "
                       "recorded reproduction, 1 otherwise")
    v.add_argument("claims", nargs="*", metavar="CLAIM", help="claim names from the list, or all")
    v.add_argument("--results", default="results", help=RESULTS_HELP)
    v.add_argument("--record-time", action="store_true",
                   help="write each claim's time, with the CPU and load, to results/verify_times.json (the list's "
                        "expected times)")
    add_data_options(v)
    v.set_defaults(fn=cmd_verify)

    li = sub.add_parser("list", help="the experiments, their profiles and time here, and which ship a model")
    li.add_argument("--results", default="results", help=RESULTS_HELP)
    li.set_defaults(fn=cmd_list)

    st = sub.add_parser("status", help="a run folder's epoch, best validation estimate, lr, s/epoch, time left, "
                        "and whether a process is training into it (reads only)")
    st.add_argument("run_dir")
    st.add_argument("--json", action="store_true")
    st.set_defaults(fn=cmd_status, without_tensorflow=True)  # reads files only: answers at once


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sample"]:  # its options include the experiments' own (registry.SampleOption)
        from repro.backend import import_tensorflow_quietly

        import_tensorflow_quietly()
        import repro.experiments  # noqa: F401
    args = build_parser().parse_args(argv)
    args.argv = argv
    errors = (ValueError, OSError)  # OSError: a path that cannot be read or written; the OS's words name the file
    stops = ()
    if not getattr(args, "without_tensorflow", False):
        from repro.backend import import_tensorflow_quietly

        import_tensorflow_quietly()
        from repro.callbacks import BackupError, NonFiniteLoss
        from repro.config import ConfigError
        from repro.data.errors import DataError
        from repro.train import Interrupted, RunError

        errors += (ConfigError, DataError, RunError, NonFiniteLoss, BackupError)
        stops = (Interrupted,)
    try:
        apply_data_options(args)
        code = args.fn(args)
    except KeyboardInterrupt:
        print("interrupted; nothing half-written is kept (files are written whole, then renamed).", file=sys.stderr)
        return 130
    except stops as e:
        print(str(e), file=sys.stderr)
        return 130
    except errors as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return code or 0
