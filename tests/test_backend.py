"""The suite's choice of TensorFlow CPU kernels, and the warning for bf16 on a CPU that only emulates it."""
import os
import subprocess
import sys
import warnings

import pytest

from repro import backend
from repro.config import load_config
from repro.train import warn_slow_precision

PROBE = "import repro, repro.backend as b; print(b.onednn_enabled())"


def _probe(env_value):
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    if env_value is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = env_value
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_suite_asks_for_onednn_and_the_user_can_refuse():
    assert _probe(None) == "True"
    assert _probe("0") == "False"


def test_bf16_warning_only_where_bf16_is_emulated(configs, monkeypatch):
    cfg = load_config(configs / "keras_dcgan_mnist.yaml", "smoke", {"train": {"precision": "mixed_bfloat16"}})
    monkeypatch.setattr(backend, "native_bf16", lambda: False)
    with pytest.warns(UserWarning, match=r"neither AVX512_BF16 nor AMX.*train.precision: float32"):
        warn_slow_precision(cfg)
    monkeypatch.setattr(backend, "native_bf16", lambda: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_slow_precision(cfg)
        warn_slow_precision(load_config(configs / "keras_dcgan_mnist.yaml", "smoke"))



def test_throughput_benchmark_runs_and_ends_with_its_ratio(mnist_dir):
    """One round of one step per variant: the benchmark's two workers start, the original loop keeps D frozen
    inside the combined model, and the last line is the ratio (its value is the benchmark's business)."""
    bench = os.path.join(os.path.dirname(__file__), "..", "benchmarks", "train_throughput.py")
    out = subprocess.run([sys.executable, bench, "--rounds", "1", "--steps", "1", "--data-dir", str(mnist_dir)],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    assert "stock worker: oneDNN" in lines[0] and "frozen inside d_on_g: True" in lines[0]
    assert "suite worker: oneDNN on" in lines[1] and "frozen inside d_on_g: True" in lines[1]
    assert lines[-1].startswith("ratio: ") and float(lines[-1].split()[1]) > 0


def test_flop_bound_benchmark_per_core_runs_and_ends_with_its_ratio(mnist_dir):
    """Per-core mode (the default): one worker per core of this process's affinity, their measurements summed,
    the bound the faster of the workers' probes and one process's; the last line is the ratio."""
    bench = os.path.join(os.path.dirname(__file__), "..", "benchmarks", "gan2014_flop_bound.py")
    out = subprocess.run([sys.executable, bench, "--rounds", "1", "--steps", "2", "--precisions", "float32",
                          "--data-dir", str(mnist_dir)], capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    cores = len(os.sched_getaffinity(0))
    assert any(f"mode per-core: {cores} workers side by side" in x for x in lines), lines
    assert any(x.strip().startswith("float32: per worker") for x in lines), lines
    assert lines[-1].startswith("ratio: ") and float(lines[-1].split()[1]) > 0
