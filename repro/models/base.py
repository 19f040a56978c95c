"""What every model of the suite shares: its config, its image shape and `generate`."""
from __future__ import annotations

import keras
import numpy as np


class GenerativeModel(keras.Model):
    """A subclassed keras.Model with its own train_step, built from a config (`cfg`, validated against `PARAMS`).

    The interface the engines use, declared here (a model overrides what it needs; nothing is probed with hasattr):
    - `generate(n, seed=0, batch_size=1000) -> dict`: "images", float32 in [0, 1], shape (n, H, W, C), always;
      beside it only arrays of n rows the model has ("labels", "codes", "probabilities", ...), which the engines
      write to `sample`'s file as they are; further keywords only where its experiment declares them as a
      `repro.registry.SampleOption` (e.g. `nice`);
    - `check_config(cfg)` (static or class method): cross-field checks of a validated config, raising
      repro.config.ConfigError;
    - `uses_labels`: the training dataset yields (images, labels) instead of images;
    - `parzen`: evaluate, export-generator and the validation monitor score `generate`'s images with the 2014
      Parzen protocol (a class attribute, or set per instance in __init__ from the config);
    - `load_splits(cfg, data_dir)` / `make_dataset(cfg, splits, batch, ...)`: where the data comes from;
    - `extra_metrics(splits, data_dir)`: the numbers the model computes from its weights and data alone (never
      the run folder), which its experiment registers as an evaluator with `own_metrics`;
    - `training_callbacks(run_dir)`: extra callbacks during `fit` (e.g. samples saved during training);
    - `history_keys`: the metrics its train_step logs, kept in results/runs/*.json;
    - `batches_per_step(cfg)`: how many minibatches one train_step consumes (`steps_for` counts the steps);
    - `likelihood_metrics(splits) -> dict`: models with an exact likelihood only (None elsewhere): the test set's
      exact log-likelihood alone, which export-generator records and verify re-measures;
    - `sample_store`: None, or a folder `evaluate` gives the model (the run folder's `samples-in-progress/`) where
      a slow sampler may keep the batches it has finished, so that an evaluation killed half-way resumes there;
    - `supports_multiworker`: the model follows the one-process run under MultiWorkerMirroredStrategy (its noise
      drawn for the global batch and its losses scaled over replicas, tested); others are refused there.
    Evaluation that needs the run (its folder, the results folder) is an experiment's registered Evaluator, which
    takes the loaded run (repro.registry.LoadedRun), not a model method.
    """

    PARAMS: dict = {}
    # model_params a model renamed (old name -> new) or retired (old name -> None): configs written before, such as
    # a run folder's config.yaml, still load (repro.config reads them under the current names)
    FORMER_PARAMS: dict = {}
    # the range of `decode`'s output; generate maps it to [0, 1]
    output_range = (0.0, 1.0)
    uses_labels = False
    parzen = True
    history_keys: tuple = ()
    supports_multiworker = False
    likelihood_metrics = None  # a method on models with an exact likelihood (see above)
    sample_store = None  # see above: evaluate sets it; only slow samplers use it

    def __init__(self, cfg, image_shape=(28, 28, 1), pixel_mean=None, steps_per_epoch=None, **kwargs):
        super().__init__(**kwargs)
        self.cfg = cfg
        self.params = cfg["model_params"]
        self.seed = int(cfg["seed"])
        self.image_shape = tuple(image_shape)

    @staticmethod
    def check_config(cfg) -> None:
        """Checks across config fields that the schema cannot express; raise repro.config.ConfigError."""

    @classmethod
    def load_splits(cls, cfg, data_dir=None):
        from repro.data import load_splits

        return load_splits(cfg, data_dir)

    @classmethod
    def make_dataset(cls, cfg, splits, batch, steps_per_epoch, start_epoch=0):
        """Batches for epochs start_epoch .. epochs-1, as one stream of passes over the data: pass p is a
        permutation that depends on (seed, p) alone (or the data's order, with data.shuffle: false), each pass
        drops its last partial batch, and an epoch is the next `steps_per_epoch` batches of the stream. So a
        short epoch (steps_per_epoch below a full pass) continues where the last one stopped, and a run resumed
        at epoch e sees exactly the batches an uninterrupted run would."""
        import tensorflow as tf

        n, seed, shuffle = len(splits.train), int(cfg["seed"]), bool(cfg["data"]["shuffle"])
        per_pass = n // batch

        def batch_indices(b):
            order = tf.range(n, dtype=tf.int64)
            if shuffle:
                order = tf.random.experimental.stateless_shuffle(
                    order, seed=tf.stack([tf.constant(seed, tf.int64), b // per_pass]))
            start = (b % per_pass) * batch
            return tf.reshape(order[start:start + batch], [batch])  # a static batch size, as batch(drop_remainder)

        x = tf.constant(splits.train)
        y = tf.constant(splits.train_labels) if cls.uses_labels else None
        ds = tf.data.Dataset.range(start_epoch * steps_per_epoch, cfg["train"]["epochs"] * steps_per_epoch)
        ds = ds.map(batch_indices).map(
            lambda i: (tf.gather(x, i), tf.gather(y, i)) if y is not None else tf.gather(x, i))
        return ds.prefetch(2)

    def extra_metrics(self, splits, data_dir=None) -> dict:
        """Numbers for results/runs/*.json from the model's weights and data alone (see `own_metrics`)."""
        return {}

    def training_callbacks(self, run_dir) -> list:
        """Model-specific Keras callbacks for `fit` (they run before the checkpoint and CSV logger)."""
        return []

    @classmethod
    def batches_per_step(cls, cfg) -> int:
        return 1

    @classmethod
    def steps_for(cls, cfg, n_train) -> tuple[int, int]:
        """(train steps per epoch, examples per step) over `n_train` training examples: whole steps of
        train.batch_size x batches_per_step examples, at most train.steps_per_epoch (0 when one step needs more
        examples than there are)."""
        t = cfg["train"]
        per = t["batch_size"] * cls.batches_per_step(cfg)
        steps = n_train // per
        if t["steps_per_epoch"]:
            steps = min(steps, t["steps_per_epoch"])
        return steps, per

    def compile(self, **kwargs):
        # the players' optimisers are attributes; Keras' own `optimizer` slot is left unused but built
        # (empty), so BackupAndRestore never creates slots for it that a checkpoint would then lack
        super().compile(optimizer=keras.optimizers.SGD(name="unused"), **kwargs)
        self.optimizer.build([])

    def seed_generators(self):
        """Every SeedGenerator of the model (noise, dropout masks), in a stable order."""
        gens = []
        for layer in self._flatten_layers(include_self=True):
            gens += list(getattr(layer, "_seed_generators", []))
        return gens

    def build_all(self):
        """Create every variable (layers and optimiser slots) so weights can be loaded; sets built."""
        raise NotImplementedError

    def noise_numpy(self, n, rng: np.random.Generator):
        raise NotImplementedError

    def decode(self, z):
        raise NotImplementedError

    def to_unit(self, x):
        lo, hi = self.output_range
        return np.clip((np.asarray(x, np.float32) - lo) / (hi - lo), 0.0, 1.0)

    def generate(self, n, seed=0, batch_size=1000) -> dict:
        """{"images": n images, float32 in [0, 1], shape (n, H, W, C)} drawn with noise of `seed`."""
        rng = np.random.default_rng(seed)
        z = self.noise_numpy(n, rng)
        return {"images": self.decode_numpy(z, batch_size)}

    def decode_numpy(self, z, batch_size=1000):
        out = [keras.ops.convert_to_numpy(self.decode(z[i:i + batch_size])) for i in range(0, len(z), batch_size)]
        return self.to_unit(np.concatenate(out, axis=0)).astype(np.float32)


def own_metrics(run, results_dir=None) -> dict:
    """An evaluator (repro.registry.Evaluator, key "metrics") for the numbers a model computes from its weights
    and data alone: its `extra_metrics` on the loaded run's splits."""
    return run.model.extra_metrics(run.splits, run.data_dir)
