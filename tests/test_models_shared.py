"""The building blocks the models share: the dense MLP with a seed per layer and the tracked-metrics base.

The MLP builder replaced four hand-written ones; each of those is written out here as it was, so a change to the
builder that would change a model's initial weights (and with them every trained result) fails here."""
import keras
import numpy as np
import pytest
from keras import layers

from repro.config import load_config
from repro.models.initializers import LayerSeeds
from repro.models.mlp import dense_mlp, per_layer_initializer
from repro.models.tracked import TrackedModel


def _values(net):
    return [np.asarray(w) for w in net.get_weights()]


def _same(a, b):
    va, vb = _values(a), _values(b)
    assert [v.shape for v in va] == [v.shape for v in vb]
    for x, y in zip(va, vb):
        np.testing.assert_array_equal(x, y)


def _written_out_vae(units, activation, out_units, seed):
    seeds = LayerSeeds(seed)
    init = lambda: keras.initializers.GlorotUniform(seed=seeds())  # noqa: E731
    return keras.Sequential([layers.Dense(u, activation=activation, kernel_initializer=init()) for u in units]
                            + [layers.Dense(out_units, kernel_initializer=init(), dtype="float32")])


def _written_out_wgan(input_dim, hidden, out_units, out_activation, seed):
    seeds = LayerSeeds(seed)
    init = lambda: keras.initializers.GlorotUniform(seed=seeds())  # noqa: E731
    return keras.Sequential([keras.Input((input_dim,))]
                            + [layers.Dense(u, activation="relu", kernel_initializer=init()) for u in hidden]
                            + [layers.Dense(out_units, activation=out_activation, kernel_initializer=init(),
                                            dtype="float32")])


def _written_out_toy1d(hidden, stddev, seed, output):
    seeds = LayerSeeds(seed)
    init = lambda: keras.initializers.RandomNormal(0.0, stddev, seed=seeds())  # noqa: E731
    net = [keras.Input((1,))] + [layers.Dense(u, "tanh", kernel_initializer=init()) for u in hidden]
    return keras.Sequential(net + [layers.Dense(1, output, kernel_initializer=init())])


@pytest.mark.parametrize("seed", [0, 3, 2014])
def test_dense_mlp_starts_from_the_weights_of_the_builders_it_replaced(seed):
    old = _written_out_vae([32, 16], "tanh", 8, seed)
    old.build((None, 20))
    new = dense_mlp([32, 16], 8, seed=seed, name="encoder", activation="tanh")
    new.build((None, 20))
    _same(old, new)
    _same(_written_out_wgan(20, [16, 16, 16], 1, None, seed),
          dense_mlp([16, 16, 16], 1, seed=seed, name="critic", activation="relu", input_dim=20))
    _same(_written_out_toy1d([6, 5], 1.0, seed, "tanh"),
          dense_mlp([6, 5], 1, seed=seed, name="g", activation="tanh", out_activation="tanh", input_dim=1,
                    out_dtype=None, initializer=keras.initializers.RandomNormal, mean=0.0, stddev=1.0))


def test_each_layer_gets_its_own_seed():
    init = per_layer_initializer(keras.initializers.RandomUniform, 5, minval=-1.0, maxval=1.0)
    a, b = np.asarray(init()((100,))), np.asarray(init()((100,)))
    assert not np.array_equal(a, b) and a.min() >= -1.0 and a.max() <= 1.0
    again = per_layer_initializer(keras.initializers.RandomUniform, 5, minval=-1.0, maxval=1.0)
    np.testing.assert_array_equal(np.asarray(again()((100,))), a)  # the same seed: the same first layer


@pytest.mark.parametrize("config", ["vae_mnist", "wgan_mnist", "toy1d_gaussian", "cgan_mnist"])
def test_the_models_built_with_it_start_as_the_same_seed_says(configs, config):
    """Two models of one config and seed start from the same weights, another seed from other ones."""
    from repro.registry import MODELS

    def weights(seed):
        cfg = load_config(configs / f"{config}.yaml", "smoke", {"seed": seed})
        model = MODELS[cfg["model"]](cfg)
        model.compile()
        model.build_all()
        return [np.asarray(v.numpy()) for v in model.weights]

    a, b, c = weights(1), weights(1), weights(2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


class _Counting(TrackedModel):
    tracked = ("first", "second")


def test_tracked_model_logs_running_means_in_its_order(configs):
    cfg = load_config(configs / "vae_mnist.yaml", "smoke")
    model = _Counting(cfg)
    assert [m.name for m in model.metrics] == ["first", "second"]
    model.track(second=4.0, first=1.0)
    logs = model.track(first=3.0, second=6.0)
    assert list(logs) == ["first", "second"]
    assert [float(v) for v in logs.values()] == [2.0, 5.0]
