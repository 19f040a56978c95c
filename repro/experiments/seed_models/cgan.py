"""Conditional GAN (Mirza & Osindero 2014; Lecture 9 “Generative Adversarial Networks” and the course notes
“19. Generative Models”): G(z, y) and D(x, y).

The digit label y reaches both players, either as a one-hot vector concatenated to their input or
through a learned embedding concatenated the same way (the course notes “19. Generative Models”: "concatenate the label
to the noise vector z -- the label may be embedded, carrying more information"). Losses as the 2014 GAN, from
logits: D minimises BCE(D(x, y), 1) + BCE(D(G(z, y'), y'), 0) with y' drawn uniformly over the ten
digits; G minimises the non-saturating BCE(D(G(z, y'), y'), 1). One D step, then one G step per
minibatch (Algorithm 1 with k = 1).

`generate(n)` asks for the labels 0, 1, ..., 9, 0, 1, ... (balanced) and returns them with the images.
`SampleMonitor` keeps such samples after every epoch, so evaluation can draw the requested-label accuracy
against epoch (where it stops, if it stops below the bar).
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from repro.config import EVAL_SEED, Field, positive_ints, require_pixel_range
from repro.experiments.seed_models.monitor import monitor_callbacks
from repro.models.losses import bce_from_logits
from repro.models.mlp import per_layer_initializer
from repro.models.precision import gradients, loss_scaled
from repro.models.tracked import TrackedModel

N_CLASSES = 10


def balanced_labels(n):
    return (np.arange(n) % N_CLASSES).astype(np.int32)


class LabelInput(layers.Layer):
    """y (int) -> a one-hot vector or a learned embedding, to be concatenated to the player's input."""

    def __init__(self, mode, embedding_dim, seed, **kwargs):
        super().__init__(**kwargs)
        self.mode = mode
        # N(0, 1) as torch.nn.Embedding: Keras' default (stddev 0.05) leaves the label nearly invisible
        # next to pixels of size 1, and the players learn to use it only after many epochs
        self.embedding = (layers.Embedding(N_CLASSES, embedding_dim,
                                           embeddings_initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=seed))
                          if mode == "embedding" else None)

    def call(self, y):
        y = ops.cast(ops.reshape(y, (-1,)), "int32")
        return self.embedding(y) if self.embedding is not None else ops.one_hot(y, N_CLASSES)


def conditional_mlp(input_dim, hidden, out_units, label_mode, embedding_dim, leak, name, seed, dropout=0.0,
                    batchnorm=False, out_activation=None):
    """A functional MLP taking [features, label]: the label is mapped by LabelInput and concatenated."""
    features, label = keras.Input((input_dim,)), keras.Input((), dtype="int32")
    h = layers.Concatenate()([features, LabelInput(label_mode, embedding_dim, seed)(label)])
    init = per_layer_initializer(seed=seed + 7)  # glorot-uniform (the label embedding has `seed` itself)
    for i, units in enumerate(hidden):
        h = layers.Dense(units, kernel_initializer=init())(h)
        if batchnorm:
            h = layers.BatchNormalization(momentum=0.8)(h)
        h = layers.LeakyReLU(leak)(h)
        if dropout:
            h = layers.Dropout(dropout, seed=seed + 1 + i)(h)
    out = layers.Dense(out_units, activation=out_activation, kernel_initializer=init(), dtype="float32")(h)
    return keras.Model([features, label], out, name=name)


class ConditionalGAN(TrackedModel):
    PARAMS = {
        "noise_dim": Field(100, int, lo=1),
        "label_input": Field("embedding", str, choices=("embedding", "onehot")),
        "embedding_dim": Field(10, int, lo=1, doc="size of the learned label embedding (label_input: embedding)"),
        "g_hidden": positive_ints([256, 512, 1024]),
        "g_batchnorm": Field(True, bool),
        "d_hidden": positive_ints([512, 512, 512]),
        "d_dropout": Field(0.4, float, lo=0.0, hi=0.9),
        "leaky_slope": Field(0.2, float, lo=0.0, hi=1.0),
        "learning_rate": Field(2e-4, float, lo=0.0),
        "beta_1": Field(0.5, float, lo=0.0, hi=1.0),
        "monitor_samples": Field(2000, int, lo=100, doc="label-balanced samples kept per epoch for the classifier"),
        "keep_samples_every": Field(1, int, lo=0, doc="epochs between kept samples (0: never)"),
    }
    FORMER_PARAMS = {"monitor_every": "keep_samples_every"}
    uses_labels = True
    output_range = (-1.0, 1.0)
    history_keys = tracked = ("d_loss", "g_loss", "d_real", "d_fake")

    @staticmethod
    def check_config(cfg):
        require_pixel_range(cfg, "symmetric", "the conditional GAN", "its generator ends in tanh, so real images "
                                                                     "must be in [-1, 1] too.")

    def __init__(self, cfg, image_shape=(28, 28, 1), pixel_mean=None, steps_per_epoch=None, **kwargs):
        super().__init__(cfg, image_shape, **kwargs)
        p = self.params
        self.dim = int(np.prod(image_shape))
        self.generator = conditional_mlp(p["noise_dim"], p["g_hidden"], self.dim, p["label_input"],
                                         p["embedding_dim"], p["leaky_slope"], "generator", self.seed,
                                         batchnorm=p["g_batchnorm"], out_activation="tanh")
        self.discriminator = conditional_mlp(self.dim, p["d_hidden"], 1, p["label_input"], p["embedding_dim"],
                                             p["leaky_slope"], "discriminator", self.seed + 10, dropout=p["d_dropout"])
        self.d_optimizer = loss_scaled(keras.optimizers.Adam(p["learning_rate"], beta_1=p["beta_1"],
                                                               name="d_optimizer"))
        self.g_optimizer = loss_scaled(keras.optimizers.Adam(p["learning_rate"], beta_1=p["beta_1"],
                                                               name="g_optimizer"))
        self.noise_seed = keras.random.SeedGenerator(self.seed + 100)

    def training_callbacks(self, run_dir):
        return monitor_callbacks(self.params, run_dir)

    def fake_batch(self, n):
        z = keras.random.normal((n, self.params["noise_dim"]), seed=self.noise_seed)
        y = keras.random.randint((n,), 0, N_CLASSES, seed=self.noise_seed)
        return z, y

    def train_step(self, data):
        real, labels = data
        real = ops.reshape(real, (-1, self.dim))
        n = ops.shape(real)[0]
        z, y = self.fake_batch(n)
        with tf.GradientTape() as tape:
            logits_real = self.discriminator([real, labels], training=True)
            logits_fake = self.discriminator([self.generator([z, y], training=True), y], training=True)
            d_loss = bce_from_logits(logits_real, 1) + bce_from_logits(logits_fake, 0)
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(gradients(tape, d_loss, d_vars, self.d_optimizer), d_vars))
        z, y = self.fake_batch(n)
        with tf.GradientTape() as tape:
            g_loss = bce_from_logits(self.discriminator([self.generator([z, y], training=True), y], training=True), 1)
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(gradients(tape, g_loss, g_vars, self.g_optimizer), g_vars))
        return self.track(d_loss=d_loss, g_loss=g_loss, d_real=ops.mean(ops.sigmoid(logits_real)),
                          d_fake=ops.mean(ops.sigmoid(logits_fake)))

    def build_all(self):
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        self.built = True

    def noise_numpy(self, n, rng: np.random.Generator):
        return rng.standard_normal((n, self.params["noise_dim"])).astype(np.float32)

    def decode(self, z, labels=None):
        labels = balanced_labels(len(z)) if labels is None else np.asarray(labels, np.int32)
        return ops.reshape(self.generator([z, labels], training=False), (-1, *self.image_shape))

    def generate(self, n, seed=0, batch_size=1000, labels=None):
        """Images for the requested `labels` (default: 0..9 repeated, balanced), returned with them."""
        labels = balanced_labels(n) if labels is None else np.asarray(labels, np.int32).reshape(-1)
        if len(labels) != n or labels.min() < 0 or labels.max() >= N_CLASSES:
            raise ValueError(f"generate needs {n} labels in 0..{N_CLASSES - 1}; got {len(labels)} in "
                             f"[{labels.min()}, {labels.max()}].")
        z = self.noise_numpy(n, np.random.default_rng(seed))
        out = [keras.ops.convert_to_numpy(self.decode(z[i:i + batch_size], labels[i:i + batch_size]))
               for i in range(0, n, batch_size)]
        return {"images": self.to_unit(np.concatenate(out)).astype(np.float32), "labels": labels}

    def extra_metrics(self, splits, data_dir=None) -> dict:
        from repro.metrics.classifier import get_classifier, logits, sample_metrics

        n = self.cfg["eval"]["classifier_samples"]
        out = self.generate(n, seed=EVAL_SEED)
        predicted = np.argmax(logits(out["images"], get_classifier(data_dir)), axis=1)
        hits = predicted == out["labels"]
        per_digit = [float(hits[out["labels"] == d].mean()) for d in range(N_CLASSES)]
        return {"requested_label_accuracy": float(hits.mean()), "requested_label_accuracy_per_digit": per_digit,
                "label_input": self.params["label_input"], "samples": sample_metrics(out["images"], data_dir),
                "monitor_samples": self.params["monitor_samples"]}
