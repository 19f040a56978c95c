"""Generative Adversarial Nets (Goodfellow et al., 2014) as in the public code `goodfeli/adversarial`.

G: an MLP from 100-d noise U[-sqrt 3, sqrt 3] to pixels; its sigmoid output bias starts at the
logit of the per-pixel training mean. D: maxout layers with dropout on every layer's input
(keep 0.8 on the pixels, 0.5 above), fresh masks for the real and the fake pass.
Losses from logits: D minimises 0.5 (BCE(D(x), 1) + BCE(D(G(z)), 0)); G minimises the
non-saturating BCE(D(G(z)), 1), reusing D's fake pass.

The public configs update D and G simultaneously from one minibatch (the faithful default);
`update: alternating` runs the paper's Algorithm 1 (k D-steps, then one G-step).
"""
from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from repro.config import EVAL_SEED, ConfigError, Field, parse_sigmas
from repro.models.initializers import LayerSeeds, SparseInit
from repro.models.losses import bce_from_logits
from repro.models.maxout import Maxout
from repro.models.precision import gradients, inner, loss_scaled
from repro.models.replica import ReplicaDropout, own_rows, replicas, scale_for_replicas
from repro.models.schedules import DividedEveryStep, LinearMomentum, ScheduledMomentumSGD
from repro.models.tracked import TrackedModel

SQRT3 = math.sqrt(3.0)


def check_generator_and_updates(p):
    """Checks shared by the MLP and the convolutional 2014 models: G's layer lists and the update rule."""
    if len(p["g_hidden"]) != len(p["g_activations"]):
        raise ConfigError("config keys 'model_params.g_hidden' and 'model_params.g_activations' must have the "
                          f"same length; got {len(p['g_hidden'])} and {len(p['g_activations'])}.")
    bad = [a for a in p["g_activations"] if a not in ("relu", "sigmoid", "tanh", "linear")]
    if bad:
        raise ConfigError(f"config key 'model_params.g_activations' has {bad[0]!r}; allowed: relu, sigmoid, "
                          "tanh, linear.")
    if p["update"] == "simultaneous" and p["k"] != 1:
        raise ConfigError("config key 'model_params.k' must be 1 with update: simultaneous "
                          "(k D-steps per G-step only exist in update: alternating).")


def scheduled_sgd(p, steps_per_epoch, player):
    """The code's SGD for one player: lr divided every step, momentum rising per epoch (D steps k times a batch)."""
    return ScheduledMomentumSGD(
        DividedEveryStep(p["learning_rate"], p["lr_decay_factor"], p["lr_floor"]),
        LinearMomentum(p["momentum_initial"], p["momentum_final"], p["momentum_start"], p["momentum_saturate"],
                       steps_per_epoch * (p["k"] if player == "d" else 1)),
        name=f"{player}_optimizer")


class AdversarialNets(TrackedModel):
    supports_multiworker = True  # noise for the global batch, losses scaled over replicas (tests/test_distribute.py)
    tracked = ("d_loss", "g_loss", "d_real", "d_fake")
    PARAMS = {
        "noise_dim": Field(100, int, lo=1),
        "noise": Field("uniform_sqrt3", str, choices=("uniform_sqrt3", "gaussian")),
        "g_hidden": Field([1200, 1200], list),
        "g_activations": Field(["relu", "relu"], list),
        "g_output": Field("sigmoid", str, choices=("sigmoid", "linear")),
        "g_irange": Field(0.05, float, lo=0.0),
        "g_output_bias": Field("pixel_mean_logit", str, choices=("pixel_mean_logit", "zero")),
        # TFD / CIFAR-10 configs: the output layer's own irange or pylearn2 sparse_init (that many N(0, 1) weights
        # into each output unit, the rest 0), and hidden biases other than 0
        "g_output_irange": Field(None, float, lo=0.0, optional=True),
        "g_output_sparse_init": Field(None, int, lo=1, optional=True),
        "g_hidden_init_bias": Field(None, list, optional=True),
        "d_maxout_units": Field([240, 240], list),
        "d_pieces": Field(5, int, lo=1),
        "d_irange": Field(0.005, float, lo=0.0),
        "d_input_keep": Field(0.8, float, lo=0.01, hi=1.0),
        "d_hidden_keep": Field(0.5, float, lo=0.01, hi=1.0),
        "max_col_norm": Field(None, float, lo=0.0, optional=True),
        "update": Field("simultaneous", str, choices=("simultaneous", "alternating")),
        "k": Field(1, int, lo=1),
        "learning_rate": Field(0.1, float, lo=0.0),
        "lr_decay_factor": Field(1.000004, float, lo=1.0),
        "lr_floor": Field(1e-6, float, lo=0.0),
        "momentum_initial": Field(0.5, float, lo=0.0, hi=1.0),
        "momentum_final": Field(0.7, float, lo=0.0, hi=1.0),
        "momentum_start": Field(1, int, lo=1),
        "momentum_saturate": Field(250, int, lo=1),
    }

    @staticmethod
    def check_config(cfg):
        p = cfg["model_params"]
        check_generator_and_updates(p)
        if p["g_hidden_init_bias"] is not None and len(p["g_hidden_init_bias"]) != len(p["g_hidden"]):
            raise ConfigError("config key 'model_params.g_hidden_init_bias' needs one value per G hidden layer "
                              f"({len(p['g_hidden'])}); got {len(p['g_hidden_init_bias'])}.")

    def __init__(self, cfg, image_shape=(28, 28, 1), pixel_mean=None, steps_per_epoch=500, **kwargs):
        super().__init__(cfg, image_shape, **kwargs)
        steps_per_epoch = steps_per_epoch or 500
        p = self.params
        dim = int(np.prod(image_shape))
        constraint = keras.constraints.MaxNorm(p["max_col_norm"], axis=0) if p["max_col_norm"] else None

        g_seeds, d_seeds = LayerSeeds(self.seed), LayerSeeds(self.seed + 1)  # fresh numbers for every layer
        g_init = lambda: keras.initializers.RandomUniform(-p["g_irange"], p["g_irange"], seed=g_seeds())  # noqa: E731
        g_layers = [keras.Input((p["noise_dim"],))]
        hidden_bias = p["g_hidden_init_bias"] or [0.0] * len(p["g_hidden"])
        for units, act, b in zip(p["g_hidden"], p["g_activations"], hidden_bias):
            g_layers.append(layers.Dense(units, activation=act, kernel_initializer=g_init(),
                                         bias_initializer=keras.initializers.Constant(float(b)),
                                         kernel_constraint=constraint))
        bias = "zeros"
        if p["g_output_bias"] == "pixel_mean_logit" and pixel_mean is not None:
            m = np.clip(np.asarray(pixel_mean, np.float64).reshape(-1), 1e-7, 1 - 1e-7)
            bias = keras.initializers.Constant(np.log(m / (1 - m)).astype(np.float32))
        if p["g_output_sparse_init"]:
            out_init = SparseInit(p["g_output_sparse_init"], seed=g_seeds())
        elif p["g_output_irange"] is not None:
            out_init = keras.initializers.RandomUniform(-p["g_output_irange"], p["g_output_irange"], seed=g_seeds())
        else:
            out_init = g_init()
        g_layers.append(layers.Dense(dim, kernel_initializer=out_init, bias_initializer=bias,
                                     kernel_constraint=constraint))
        g_layers.append(layers.Activation(p["g_output"], dtype="float32"))
        self.generator = keras.Sequential(g_layers, name="generator")

        d_init = lambda: keras.initializers.RandomUniform(-p["d_irange"], p["d_irange"], seed=d_seeds())  # noqa: E731
        d_layers = [keras.Input((dim,)), ReplicaDropout(1 - p["d_input_keep"], seed=self.seed + 2)]
        for i, units in enumerate(p["d_maxout_units"]):
            d_layers.append(Maxout(units, p["d_pieces"], kernel_initializer=d_init(), kernel_constraint=constraint))
            d_layers.append(ReplicaDropout(1 - p["d_hidden_keep"], seed=self.seed + 3 + i))
        d_layers.append(layers.Dense(1, kernel_initializer=d_init(), kernel_constraint=constraint, dtype="float32"))
        self.discriminator = keras.Sequential(d_layers, name="discriminator")

        self.d_optimizer = loss_scaled(scheduled_sgd(p, steps_per_epoch, "d"))
        self.g_optimizer = loss_scaled(scheduled_sgd(p, steps_per_epoch, "g"))
        # the Parzen protocol needs pixels in [0, 1] (MNIST, TFD); GCN'd CIFAR-10 has none (the paper reports none)
        self.parzen = cfg["data"]["gcn_scale"] is None
        self.noise_seed = keras.random.SeedGenerator(self.seed + 100)

    def to_unit(self, x):
        if self.cfg["data"]["gcn_scale"] is None:
            return super().to_unit(x)
        from repro.data.cifar10 import gcn_to_unit

        return gcn_to_unit(x)  # GCN'd samples: each scaled by its own peak, as pylearn2 displayed them

    def extra_metrics(self, splits, data_dir=None) -> dict:
        if self.cfg["data"]["dataset"] == "tfd":
            from repro.data.tfd import tfd_fold_sets
            from repro.metrics.parzen import parzen_over_folds

            ev = self.cfg["eval"]
            samples = self.generate(ev["n_samples"], seed=EVAL_SEED)["images"]
            return {"tfd_parzen_5_folds": parzen_over_folds(samples.reshape(len(samples), -1), tfd_fold_sets(data_dir),
                                                            parse_sigmas(ev["sigmas"]), ev["valid_examples"],
                                                            ev["test_examples"])}
        return {}

    def noise(self, n, seed=None):
        """Noise for n examples; under tf.distribute, this replica's rows of the global batch's noise."""
        p = self.params
        shape = (n * replicas(), p["noise_dim"])
        if p["noise"] == "gaussian":
            z = keras.random.normal(shape, seed=seed or self.noise_seed)
        else:
            z = keras.random.uniform(shape, -SQRT3, SQRT3, seed=seed or self.noise_seed)
        return own_rows(z, n)

    def noise_numpy(self, n, rng: np.random.Generator):
        p = self.params
        if p["noise"] == "gaussian":
            return rng.standard_normal((n, p["noise_dim"])).astype(np.float32)
        return rng.uniform(-SQRT3, SQRT3, (n, p["noise_dim"])).astype(np.float32)

    def decode(self, z):
        x = self.generator(z, training=False)
        return ops.reshape(x, (-1, *self.image_shape))

    def _d_step(self, real):
        z = self.noise(ops.shape(real)[0])
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            logits_real = self.discriminator(real, training=True)
            logits_fake = self.discriminator(fake, training=True)
            d_loss = 0.5 * (bce_from_logits(logits_real, 1) + bce_from_logits(logits_fake, 0))
            d_scaled = scale_for_replicas(d_loss)  # inside the tape, or the tape never sees it
        grads = gradients(tape, d_scaled, self.discriminator.trainable_variables, self.d_optimizer)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        return d_loss, logits_real, logits_fake

    def _g_step(self, n):
        z = self.noise(n)
        with tf.GradientTape() as tape:
            logits_fake = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = bce_from_logits(logits_fake, 1)
            g_scaled = scale_for_replicas(g_loss)
        grads = gradients(tape, g_scaled, self.generator.trainable_variables, self.g_optimizer)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return g_loss

    def train_step(self, real):
        p = self.params
        real = ops.reshape(real, (-1, int(np.prod(self.image_shape))))
        if p["update"] == "simultaneous":
            # one forward pass, both players step on it (the public code's single SGD over both)
            z = self.noise(ops.shape(real)[0])
            with tf.GradientTape(persistent=True) as tape:
                fake = self.generator(z, training=True)
                logits_real = self.discriminator(real, training=True)
                logits_fake = self.discriminator(fake, training=True)
                d_loss = 0.5 * (bce_from_logits(logits_real, 1) + bce_from_logits(logits_fake, 0))
                g_loss = bce_from_logits(logits_fake, 1)
                # per-replica means; scaled so the all-reduced gradient sum is the global batch's mean gradient
                d_scaled, g_scaled = scale_for_replicas(d_loss), scale_for_replicas(g_loss)
            d_vars, g_vars = self.discriminator.trainable_variables, self.generator.trainable_variables
            d_grads = gradients(tape, d_scaled, d_vars, self.d_optimizer)
            g_grads = gradients(tape, g_scaled, g_vars, self.g_optimizer)
            del tape
            self.d_optimizer.apply_gradients(zip(d_grads, d_vars))
            self.g_optimizer.apply_gradients(zip(g_grads, g_vars))
        else:
            # Algorithm 1: the batch holds k minibatches; k D-steps, then one G-step on fresh noise
            for chunk in ops.split(real, p["k"], axis=0):
                d_loss, logits_real, logits_fake = self._d_step(chunk)
            g_loss = self._g_step(ops.shape(real)[0] // p["k"])
        logs = self.track(d_loss=d_loss, g_loss=g_loss, d_real=ops.mean(ops.sigmoid(ops.cast(logits_real, "float32"))),
                          d_fake=ops.mean(ops.sigmoid(ops.cast(logits_fake, "float32"))))
        logs["lr"] = self.d_optimizer.learning_rate
        logs["momentum"] = inner(self.d_optimizer).current_momentum()
        return logs

    @classmethod
    def batches_per_step(cls, cfg):
        p = cfg["model_params"]
        return p["k"] if p["update"] == "alternating" else 1

    def build_all(self):
        dim = int(np.prod(self.image_shape))
        self.generator.build((None, self.params["noise_dim"]))
        self.discriminator.build((None, dim))
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        self.built = True
