"""pylearn2's sparse initialisation, used by the 2014 TFD generator's output layer."""
import keras
import numpy as np


@keras.saving.register_keras_serializable("repro")
class SparseInit(keras.initializers.Initializer):
    """Each output unit (kernel column) gets exactly `n_nonzero` incoming weights drawn from N(0, stddev^2),
    at distinct random inputs; all other weights are 0 (pylearn2 mlp.Linear sparse_init, sparse_stdev=1)."""

    def __init__(self, n_nonzero, stddev=1.0, seed=None):
        self.n_nonzero, self.stddev, self.seed = int(n_nonzero), float(stddev), seed

    def __call__(self, shape, dtype=None):
        fan_in, units = shape
        if self.n_nonzero > fan_in:
            raise ValueError(f"sparse init wants {self.n_nonzero} nonzero weights per unit, but the layer has only "
                             f"{fan_in} inputs.")
        rng = np.random.default_rng(self.seed)
        w = np.zeros((fan_in, units), np.float32)
        for j in range(units):
            rows = rng.choice(fan_in, self.n_nonzero, replace=False)
            w[rows, j] = rng.standard_normal(self.n_nonzero) * self.stddev
        return keras.ops.convert_to_tensor(w, dtype=dtype or "float32")

    def get_config(self):
        return {"n_nonzero": self.n_nonzero, "stddev": self.stddev, "seed": self.seed}


class LayerSeeds:
    """A different seed for every layer, all drawn from one base seed.

    A seeded Keras initializer returns the same numbers on every call, so one initializer object shared by
    several layers gives them the same weights (the first layer's kernel equals a slice of the next one's).
    pylearn2 drew each layer from one RandomState per MLP: fresh numbers per layer. Call once per layer.
    """

    def __init__(self, base):
        self.base, self.count = int(base), 0

    def __call__(self):
        self.count += 1
        return int(np.random.SeedSequence([abs(self.base), self.count]).generate_state(1)[0] >> 1)
