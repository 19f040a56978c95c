"""Dense networks whose layers each start from their own random numbers, all drawn from one seed."""
from __future__ import annotations

import keras
from keras import layers

from repro.models.initializers import LayerSeeds


def per_layer_initializer(initializer=keras.initializers.GlorotUniform, seed=0, **kwargs):
    """A function giving a new `initializer(**kwargs, seed=...)` per call, with a different seed each time (the
    `LayerSeeds` of `seed`): call it once per layer, in the order the layers are made, so a network of the same
    seed always starts from the same weights."""
    seeds = LayerSeeds(seed)
    return lambda: initializer(**kwargs, seed=seeds())


def dense_mlp(hidden, out_units, *, seed, name, activation=None, out_activation=None, input_dim=None,
              initializer=keras.initializers.GlorotUniform, out_dtype="float32", **init_kwargs):
    """keras.Sequential: Dense(u, activation) for each u in `hidden`, then Dense(out_units, out_activation) computed
    in `out_dtype` (float32, so a mixed-precision network still outputs float32; None: the global policy). Kernels
    from `initializer(**init_kwargs)` with a fresh seed per layer (`per_layer_initializer`), biases 0. With
    `input_dim` the network starts with keras.Input((input_dim,)), else it is built on first use."""
    init = per_layer_initializer(initializer, seed, **init_kwargs)
    net = [keras.Input((input_dim,))] if input_dim is not None else []
    net += [layers.Dense(u, activation=activation, kernel_initializer=init()) for u in hidden]
    net.append(layers.Dense(out_units, activation=out_activation, kernel_initializer=init(), dtype=out_dtype))
    return keras.Sequential(net, name=name)
