"""train.precision: mixed_float16 (NVIDIA GPUs) trains with dynamic loss scaling; float32 runs are untouched.

No GPU here: float16 runs on the CPU (slowly), which is enough to check the arithmetic and the messages."""
import csv
import math
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from repro.config import ConfigError, load_config
from repro.models.precision import gradients, inner, loss_scaled


@pytest.fixture
def policy():
    """Sets a global dtype policy for the test and puts float32 back afterwards."""
    yield keras.mixed_precision.set_global_policy
    keras.mixed_precision.set_global_policy("float32")


def test_the_switch_offers_mixed_float16_and_names_the_choices(configs):
    cfg = load_config(configs / "vae_mnist.yaml", "smoke", {"train": {"precision": "mixed_float16"}})
    assert cfg["train"]["precision"] == "mixed_float16"
    with pytest.raises(ConfigError, match="float32.*mixed_bfloat16.*mixed_float16"):
        load_config(configs / "vae_mnist.yaml", "smoke", {"train": {"precision": "float16"}})


def test_loss_scaling_scales_backprop_and_the_step_is_unscaled(policy):
    policy("float32")
    sgd = keras.optimizers.SGD(0.1)
    assert loss_scaled(sgd) is sgd and inner(sgd) is sgd  # float32 and bf16 runs keep their optimisers
    policy("mixed_float16")
    opt = loss_scaled(keras.optimizers.SGD(0.1, name="d_optimizer"))
    assert isinstance(opt, keras.optimizers.LossScaleOptimizer) and inner(opt).name == "d_optimizer"
    layer = keras.layers.Dense(3)
    x = tf.constant(np.random.default_rng(0).normal(size=(8, 4)), tf.float16)
    layer.build(x.shape)
    assert layer.kernel.dtype == "float32" and layer.compute_dtype == "float16"
    opt.build(layer.trainable_variables)
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_mean(tf.square(layer(x)))
    plain = tape.gradient(loss, layer.trainable_variables)
    scaled = gradients(tape, loss, layer.trainable_variables, opt)
    scale = float(opt.dynamic_scale.numpy())
    assert scale > 1
    for p, s in zip(plain, scaled):
        np.testing.assert_allclose(s.numpy().astype(np.float32), scale * p.numpy().astype(np.float32), rtol=1e-2)
    before = [v.numpy() for v in layer.trainable_variables]
    opt.apply_gradients(zip(scaled, layer.trainable_variables))
    for b, v, p in zip(before, layer.trainable_variables, plain):  # the step of the unscaled gradient
        np.testing.assert_allclose(v.numpy(), b - 0.1 * p.numpy().astype(np.float32), rtol=1e-2, atol=1e-4)


def test_a_mixed_float16_run_trains_says_its_device_and_warns_without_a_gpu(configs, tmp_path, policy, capsys):
    from repro.train import train

    # 2 steps of 100: float16 is emulated on a CPU, ~50x slower than float32 here
    cfg = load_config(configs / "vae_mnist.yaml", "smoke",
                      {"train": {"precision": "mixed_float16", "train_examples": 200}})
    with pytest.warns(UserWarning, match="mixed_float16, but TensorFlow sees no GPU"), warnings.catch_warnings():
        # pytest.warns records every warning and re-issues the others, past pytest.ini's filter: Keras' numpy-2
        # copy warning (one per variable saved) is ignored here as it is there
        warnings.filterwarnings("ignore", "__array__ implementation doesn't accept a copy", DeprecationWarning)
        train(cfg, tmp_path / "run", verbose=0)
    out = capsys.readouterr().out
    device = [line for line in out.splitlines() if line.startswith("device: ")]
    assert len(device) == 1 and "CPU (" in device[0] and device[0].endswith("precision mixed_float16")
    with open(tmp_path / "run" / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(math.isfinite(float(v)) for k, v in rows[-1].items() if k != "epoch" and v not in ("", "NA"))
    assert float(rows[-1]["loss"]) > 0


def test_a_float32_run_says_its_device(configs, tmp_path, capsys):
    from repro.train import train

    cfg = load_config(configs / "vae_mnist.yaml", "smoke", {"train": {"train_examples": 200}})
    train(cfg, tmp_path / "run", verbose=0)
    device = [line for line in capsys.readouterr().out.splitlines() if line.startswith("device: ")]
    assert len(device) == 1 and device[0].endswith("precision float32") and "TensorFlow 2." in device[0]
