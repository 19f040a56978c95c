"""Tests run on real MNIST (../shared/data/mnist beside the checkout, or $REPRO_DATA_DIR) with smoke profiles."""
import importlib.util
import os
import pathlib

import pytest

# Under pytest-xdist (run_tests.sh runs one worker per core) each worker gets its share of the cores for
# TensorFlow's kernels: small models scale poorly across threads, so workers side by side finish sooner than
# one process on every core. Set before anything loads TensorFlow; an explicit setting is kept.
_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _workers > 1:
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(max(1, len(os.sched_getaffinity(0)) // _workers)))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import repro  # noqa: E402,F401  first: it chooses TensorFlow's CPU kernels before anything loads TensorFlow
from repro.backend import import_tensorflow_quietly  # noqa: E402

import_tensorflow_quietly()  # its start-up lines would otherwise print once per test worker
import repro.experiments  # noqa: E402,F401  registers every experiment's models (config validation looks them up)

ROOT = pathlib.Path(__file__).resolve().parents[1]
os.environ.setdefault("REPRO_DATA_DIR", str(ROOT.parent / "shared" / "data" / "mnist"))
os.environ.setdefault("REPRO_CACHE", str(ROOT / ".cache"))  # where a classifier would be cached if none shipped


def run_repro(*args, cwd):
    """`python -m repro ARGS` in a subprocess from `cwd`, this checkout's package first on the path."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "repro", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600)


def load_tool(name):
    """A script of tools/ as a module (tools/ is not a package; sys.path is left as it is)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def mnist_dir():
    d = pathlib.Path(os.environ["REPRO_DATA_DIR"])
    if not d.is_dir():
        pytest.fail(f"MNIST folder {d} not found: set REPRO_DATA_DIR to a folder with the four IDX files")
    return d


@pytest.fixture(scope="session")
def configs():
    return ROOT / "paper_configs"


# The longest files first (measured: --durations in run_tests.sh's output). pytest-xdist hands whole files to
# the workers in this order (run_tests.sh: --dist loadfile --no-loadscope-reorder), so the short files fill in
# at the end and the two workers finish together, instead of one running a long file alone while the other waits.
LONGEST_FIRST = ("test_seed_models.py", "test_infogan_screen.py", "test_cli.py", "test_run_all.py", "test_resume.py",
                 "test_fuzz_inputs.py", "test_keras_dcgan.py", "test_cli_tools.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # a stable sort: a file's own order is kept
