"""A model whose train_step logs epoch means of named scalars (the columns of history.csv)."""
from __future__ import annotations

import keras

from repro.models.base import GenerativeModel


class TrackedModel(GenerativeModel):
    """`tracked` names the scalars train_step logs, in the order they are logged; each is the running mean over the
    epoch (a keras.metrics.Mean, reset by `fit` at every epoch). train_step ends with `return self.track(name=value,
    ...)`, which updates the named ones and returns every mean."""

    tracked: tuple = ()

    def __init__(self, cfg, image_shape=(28, 28, 1), **kwargs):
        super().__init__(cfg, image_shape, **kwargs)
        self.trackers = {n: keras.metrics.Mean(name=n) for n in self.tracked}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def track(self, **values) -> dict:
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {n: t.result() for n, t in self.trackers.items()}
