"""keras-dcgan (jacobgil), the DC-GAN of the book chapter “VAE, GAN and variants”, on MNIST (docs/references.md §3).

G: Dense 1024 tanh -> Dense 6272 -> BatchNorm -> tanh -> 7x7x128 -> UpSampling 2 -> Conv 64 5x5 same,
tanh -> UpSampling 2 -> Conv 1 5x5 same, tanh (6,763,777 parameters).
D: Conv 64 5x5 same, tanh -> MaxPool 2 -> Conv 128 5x5 valid, tanh -> MaxPool 2 -> Flatten (3200) ->
Dense 1024 tanh -> Dense 1 sigmoid (3,485,441 parameters). Keras defaults: glorot-uniform kernels,
zero biases, BatchNorm momentum 0.99 and epsilon 1e-3 (the same in Keras 1 and 3).

The original's loop, step by step, and how train_step keeps it:
1. fakes = g.predict(noise)             -> G in inference mode: BatchNorm uses its moving statistics;
2. d.train_on_batch(real ++ fakes, 1/0) -> one D step on the 256 images concatenated, one mean BCE;
3. d_on_g.train_on_batch(new noise, 1)  -> G in training mode (batch statistics, moving averages
                                           updated), D frozen: only G's variables get the step.
Keras' BCE on probabilities clips them to [1e-7, 1 - 1e-7] (so a saturated D gives no gradient):
kept. Two SGD optimisers, lr 0.0005, momentum 0.9, Nesterov. Images in [-1, 1], noise U(-1, 1)^100.

`generate(n, seed, nice=True)` is the original's `--nice`: draw 20x the batch, keep the 5% that D
scores highest, one batch at a time (the original ranks 20 x 128 fakes and keeps the top 128).
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from repro.config import Field, require_pixel_range
from repro.models.precision import gradients, loss_scaled
from repro.models.tracked import TrackedModel

G_PARAMS, D_PARAMS = 6_763_777, 3_485_441  # docs/references.md §3
BCE_EPSILON = 1e-7  # Keras' clipping of probabilities in binary_crossentropy


# UpSampling2D(2) (nearest) then a 5x5 'same' conv: output row 2m+a only sees input rows m-1..m+1, with the
# kernel rows summed as below (a = 0: taps {0,1},{2,3},{4}; a = 1: {0},{1,2},{3,4}); the same for columns.
_PHASE_TAPS = np.array([[[1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 0, 1]],
                        [[1, 0, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 0, 1, 1]]], np.float32)


class UpsampleConv2D(layers.Layer):
    """UpSampling2D(2) followed by Conv2D(filters, 5, padding='same'), computed as one 3x3 conv with 4 x filters
    outputs (one per output phase) and a depth-to-space: the same function and the same 5x5 kernel variable
    (same initialiser and parameter count), 2.8x fewer multiply-adds. Only float rounding differs."""

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters

    def build(self, input_shape):
        cin = input_shape[-1]
        self.kernel = self.add_weight(shape=(5, 5, cin, self.filters), initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")

    def call(self, x):
        taps = ops.convert_to_tensor(_PHASE_TAPS)
        phases = [ops.einsum("ik,jl,klcd->ijcd", taps[a], taps[b], self.kernel) for a in (0, 1) for b in (0, 1)]
        kernel = ops.cast(ops.concatenate(phases, axis=-1), self.compute_dtype)
        y = ops.conv(x, kernel, padding="same") + ops.cast(ops.tile(self.bias, [4]), self.compute_dtype)
        return tf.nn.depth_to_space(y, 2)

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        return (n, None if h is None else 2 * h, None if w is None else 2 * w, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


def build_generator(noise_dim=100, upsampling="plain"):
    def up_conv(filters):
        if upsampling == "fused":
            return [UpsampleConv2D(filters)]
        return [layers.UpSampling2D(2), layers.Conv2D(filters, 5, padding="same")]

    return keras.Sequential([
        keras.Input((noise_dim,)),
        layers.Dense(1024), layers.Activation("tanh"),
        layers.Dense(128 * 7 * 7), layers.BatchNormalization(), layers.Activation("tanh"),
        layers.Reshape((7, 7, 128)),
        *up_conv(64), layers.Activation("tanh"),
        *up_conv(1), layers.Activation("tanh", dtype="float32"),
    ], name="generator")


def build_discriminator(pooling="max", image_shape=(28, 28, 1)):
    pool = layers.MaxPooling2D if pooling == "max" else layers.AveragePooling2D
    return keras.Sequential([
        keras.Input(image_shape),
        layers.Conv2D(64, 5, padding="same"), layers.Activation("tanh"), pool(2),
        layers.Conv2D(128, 5, padding="valid"), layers.Activation("tanh"), pool(2),
        layers.Flatten(),
        layers.Dense(1024), layers.Activation("tanh"),
        layers.Dense(1), layers.Activation("sigmoid", dtype="float32"),
    ], name="discriminator")


def keras_bce(prob, target):
    """Mean BCE of probabilities against a 0/1 target (tensor or constant), clipped as Keras does."""
    p = ops.clip(ops.cast(prob, "float32"), BCE_EPSILON, 1.0 - BCE_EPSILON)
    return -ops.mean(target * ops.log(p) + (1.0 - target) * ops.log(1.0 - p))


class KerasDCGAN(TrackedModel):
    PARAMS = {
        "noise_dim": Field(100, int, lo=1),
        "learning_rate": Field(0.0005, float, lo=0.0),
        "momentum": Field(0.9, float, lo=0.0, hi=1.0),
        "nesterov": Field(True, bool),
        "d_pooling": Field("max", str, choices=("max", "average"),
                           doc="max: the version the book chapter “VAE, GAN and variants” prints; "
                               "average: a later commit of the repository"),
        "g_upsampling": Field("plain", str, choices=("plain", "fused"),
                              doc="fused: UpSampling+Conv as one phase-split conv (same function, 2.8x fewer MACs)"),
        "fakes_for_d": Field("inference", str, choices=("inference", "training"),
                             doc="BatchNorm mode of G when it makes D's fakes (g.predict: inference)"),
        "nice_factor": Field(20, int, lo=1, doc="--nice: draw this many times the batch, keep the best 1/factor"),
        "nice_batch": Field(128, int, lo=1, doc="--nice ranks nice_factor x nice_batch fakes per group"),
    }
    output_range = (-1.0, 1.0)
    tracked = ("d_loss", "g_loss", "d_real", "d_fake")

    @staticmethod
    def check_config(cfg):
        require_pixel_range(cfg, "symmetric", "keras_dcgan", "its tanh G makes images in [-1, 1], so the real images "
                                                             "must be in [-1, 1] too.")

    def __init__(self, cfg, image_shape=(28, 28, 1), pixel_mean=None, steps_per_epoch=None, **kwargs):
        super().__init__(cfg, image_shape, **kwargs)
        p = self.params
        self.steps_per_epoch = steps_per_epoch
        self.generator = build_generator(p["noise_dim"], p["g_upsampling"])
        self.discriminator = build_discriminator(p["d_pooling"], self.image_shape)

        def sgd(name):
            return keras.optimizers.SGD(p["learning_rate"], momentum=p["momentum"], nesterov=p["nesterov"], name=name)

        self.d_optimizer, self.g_optimizer = loss_scaled(sgd("d_optimizer")), loss_scaled(sgd("g_optimizer"))
        self.noise_seed = keras.random.SeedGenerator(self.seed + 100)

    def noise(self, n):
        return keras.random.uniform((n, self.params["noise_dim"]), -1.0, 1.0, seed=self.noise_seed)

    def noise_numpy(self, n, rng: np.random.Generator):
        return rng.uniform(-1.0, 1.0, (n, self.params["noise_dim"])).astype(np.float32)

    def decode(self, z):
        return self.generator(z, training=False)

    def train_step(self, real):
        n = ops.shape(real)[0]
        # 1-2: D on real + fake concatenated; fakes as g.predict makes them (no gradient into G)
        fake = ops.stop_gradient(self.generator(self.noise(n), training=self.params["fakes_for_d"] == "training"))
        images = ops.concatenate([ops.cast(real, fake.dtype), fake], axis=0)
        targets = ops.concatenate([ops.ones((n, 1)), ops.zeros((n, 1))], axis=0)
        with tf.GradientTape() as tape:
            d_prob = self.discriminator(images, training=True)
            d_loss = keras_bce(d_prob, targets)
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(gradients(tape, d_loss, d_vars, self.d_optimizer), d_vars))
        # 3: G through D with fresh noise towards label 1; only G's variables are updated
        with tf.GradientTape() as tape:
            g_prob = self.discriminator(self.generator(self.noise(n), training=True), training=True)
            g_loss = keras_bce(g_prob, 1.0)
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(gradients(tape, g_loss, g_vars, self.g_optimizer), g_vars))

        d_prob = ops.cast(d_prob, "float32")
        logs = self.track(d_loss=d_loss, g_loss=g_loss, d_real=ops.mean(d_prob[:n]), d_fake=ops.mean(d_prob[n:]))
        # this step's own losses (the trackers average over the epoch): the per-step curve of Fig. 10-7
        logs.update(d_loss_step=d_loss, g_loss_step=g_loss)
        return logs

    def build_all(self):
        self.generator.build((None, self.params["noise_dim"]))
        self.discriminator.build((None, *self.image_shape))
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        self.built = True

    def parameter_counts(self):
        return {"generator": int(self.generator.count_params()),
                "discriminator": int(self.discriminator.count_params())}

    # ---- sampling ---------------------------------------------------------------------------------------
    def discriminate_numpy(self, images_symmetric, batch_size=1000):
        return np.concatenate([keras.ops.convert_to_numpy(self.discriminator(images_symmetric[i:i + batch_size],
                                                                             training=False))
                               for i in range(0, len(images_symmetric), batch_size)]).reshape(-1)

    def generate(self, n, seed=0, batch_size=1000, nice=False):
        """n images in [0, 1]; nice=True: per group, the best nice_batch of nice_factor x nice_batch by D."""
        rng = np.random.default_rng(seed)
        if not nice:
            return {"images": self.decode_numpy(self.noise_numpy(n, rng), batch_size)}
        p = self.params
        keep, pool = p["nice_batch"], p["nice_batch"] * p["nice_factor"]
        chosen, scores = [], []
        for _ in range(-(-n // keep)):
            fakes = np.concatenate([keras.ops.convert_to_numpy(self.decode(z)) for z in
                                    np.array_split(self.noise_numpy(pool, rng), max(1, pool // batch_size))])
            d = self.discriminate_numpy(fakes, batch_size)
            best = np.argsort(-d, kind="stable")[:keep]
            chosen.append(fakes[best])
            scores.append(d[best])
        return {"images": self.to_unit(np.concatenate(chosen)[:n]).astype(np.float32),
                "d_scores": np.concatenate(scores)[:n].astype(np.float32)}

    # ---- training-time monitoring (the numbers for results/runs/*.json: experiment.final_metrics) --------
    def training_callbacks(self, run_dir):
        from repro.experiments.keras_dcgan.experiment import DCGANMonitor

        return [DCGANMonitor(run_dir, self.cfg)]
