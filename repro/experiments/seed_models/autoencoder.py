"""A plain (deterministic) autoencoder: the latent representation of handwritten digits (Lecture 8 “Generative Models”'s
exercise).

Encoder x -> z, decoder z -> x, trained to reconstruct (per-image Bernoulli cross-entropy, the same
reconstruction term as the VAE; or squared error). Built like the VAE of this suite (same MLP, same
latent size in the configs) so the only differences are the VAE's KL term and its noisy code.

It is not a generative model: nothing ties the codes to any distribution, so `generate` (z ~ N(0, I)
through the decoder, as one would sample a VAE) lands wherever the prior happens to overlap the
codes. The course notes “19. Generative Models”: "we cannot use it to generate images, because z may lie on some odd
manifold; points drawn from a normal distribution will probably produce rubbish". `extra_metrics` measures that with the
suite's classifier, and adds samples from a Gaussian fitted to the training codes for contrast.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from repro.config import EVAL_SEED, Field, positive_ints, require_pixel_range
from repro.experiments.seed_models.vae import DecodesStandardNormal, bernoulli_log_likelihood, mlp
from repro.models.precision import gradients, loss_scaled


class Autoencoder(DecodesStandardNormal):
    PARAMS = {
        "latent_dim": Field(20, int, lo=1),
        "hidden": positive_ints([500], doc="hidden layer sizes of the encoder; the decoder mirrors them"),
        "activation": Field("tanh", str, choices=("tanh", "relu", "softplus")),
        "loss": Field("bernoulli", str, choices=("bernoulli", "squared_error")),
        "learning_rate": Field(1e-3, float, lo=0.0),
    }
    history_keys = tracked = ("loss",)
    # its N(0, I) "samples" are a probe of the latent space, not a model of the data: no Parzen estimate
    parzen = False

    @staticmethod
    def check_config(cfg):
        require_pixel_range(cfg, "unit", "the autoencoder", "its sigmoid output reconstructs pixels in [0, 1].")

    def __init__(self, cfg, image_shape=(28, 28, 1), pixel_mean=None, steps_per_epoch=None, **kwargs):
        super().__init__(cfg, image_shape, **kwargs)
        p = self.params
        self.dim = int(np.prod(image_shape))
        self.latent_dim = p["latent_dim"]
        self.encoder = mlp(p["hidden"], p["activation"], self.latent_dim, "encoder", self.seed)
        self.decoder = mlp(p["hidden"][::-1], p["activation"], self.dim, "decoder", self.seed + 1)
        self.ae_optimizer = loss_scaled(keras.optimizers.Adam(p["learning_rate"]))

    def reconstruction_loss(self, x, logits):
        """Per-image loss, summed over pixels (nats for the Bernoulli loss)."""
        if self.params["loss"] == "bernoulli":
            return -bernoulli_log_likelihood(x, logits)
        return ops.sum(ops.square(x - ops.sigmoid(logits)), axis=-1)

    def train_step(self, x):
        x = ops.reshape(x, (-1, self.dim))
        with tf.GradientTape() as tape:
            logits = self.decoder(self.encoder(x, training=True), training=True)
            loss = ops.mean(self.reconstruction_loss(x, logits))
        variables = self.encoder.trainable_variables + self.decoder.trainable_variables
        self.ae_optimizer.apply_gradients(zip(gradients(tape, loss, variables, self.ae_optimizer), variables))
        return self.track(loss=loss)

    def build_all(self):
        self.encoder.build((None, self.dim))
        self.decoder.build((None, self.latent_dim))
        self.ae_optimizer.build(self.encoder.trainable_variables + self.decoder.trainable_variables)
        self.built = True


    def encode_numpy(self, images, batch_size=1000):
        flat = np.asarray(images, np.float32).reshape(len(images), -1)
        return np.concatenate([keras.ops.convert_to_numpy(self.encoder(flat[i:i + batch_size], training=False))
                               for i in range(0, len(flat), batch_size)])

    def extra_metrics(self, splits, data_dir=None) -> dict:
        from repro.metrics.classifier import sample_metrics

        ev = self.cfg["eval"]
        n = ev["classifier_samples"]
        test = splits.test[: ev["test_examples"]]
        codes = self.encode_numpy(splits.train)
        recon = self.decode_numpy(self.encode_numpy(test))
        mean, cov = codes.mean(axis=0), np.cov(codes, rowvar=False).reshape(self.latent_dim, self.latent_dim)
        fitted = np.random.default_rng(EVAL_SEED + 1).multivariate_normal(mean, cov, n).astype(np.float32)
        flat_test = test.reshape(len(test), -1)
        p = np.clip(recon.reshape(len(test), -1).astype(np.float64), 1e-7, 1 - 1e-7)
        return {
            "latent_dim": self.latent_dim,
            "test_reconstruction_nats": float(np.mean(-np.sum(flat_test * np.log(p) + (1 - flat_test) * np.log1p(-p),
                                                              axis=1))),
            "test_reconstruction_squared_error": float(np.mean(np.sum((recon.reshape(len(test), -1) - flat_test) ** 2,
                                                                      axis=1))),
            "train_code_stats": {"mean_norm": float(np.linalg.norm(mean)),
                                 "std_min": float(np.sqrt(np.diag(cov)).min()),
                                 "std_max": float(np.sqrt(np.diag(cov)).max()),
                                 "median_code_norm": float(np.median(np.linalg.norm(codes, axis=1))),
                                 "prior_median_norm": float(np.median(np.linalg.norm(
                                     self.noise_numpy(n, np.random.default_rng(EVAL_SEED)), axis=1)))},
            "prior_samples": sample_metrics(self.generate(n, seed=EVAL_SEED)["images"], data_dir),
            "fitted_gaussian_samples": sample_metrics(self.decode_numpy(fitted), data_dir),
            "test_reconstructions": sample_metrics(recon, data_dir),
        }
