"""What every model of the suite shares: its config, its image shape and `generate`."""
from __future__ import annotations

import keras
import numpy as np


class GenerativeModel(keras.Model):
    """A subclassed keras.Model with its own train_step and a `generate(n, seed)` that gives
    images as float32 in [0, 1], shape (n, H, W, C), plus `labels`/`codes` where the model has them."""

    PARAMS: dict = {}
    # the range of `decode`'s output; generate maps it to [0, 1]
    output_range = (0.0, 1.0)

    def __init__(self, cfg, image_shape, **kwargs):
        super().__init__(**kwargs)
        self.cfg = cfg
        self.params = cfg["model_params"]
        self.seed = int(cfg["seed"])
        self.image_shape = tuple(image_shape)

    def batch_multiple(self):
        """How many minibatches one train_step consumes."""
        return 1

    def noise_numpy(self, n, rng: np.random.Generator):
        raise NotImplementedError

    def decode(self, z):
        raise NotImplementedError

    def to_unit(self, x):
        lo, hi = self.output_range
        return np.clip((np.asarray(x, np.float32) - lo) / (hi - lo), 0.0, 1.0)

    def generate(self, n, seed=0, batch_size=1000):
        rng = np.random.default_rng(seed)
        z = self.noise_numpy(n, rng)
        return {"images": self.decode_numpy(z, batch_size)}

    def decode_numpy(self, z, batch_size=1000):
        out = [keras.ops.convert_to_numpy(self.decode(z[i:i + batch_size])) for i in range(0, len(z), batch_size)]
        return self.to_unit(np.concatenate(out, axis=0)).astype(np.float32)
