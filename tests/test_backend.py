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

