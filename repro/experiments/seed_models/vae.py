"""Variational autoencoder (Kingma & Welling 2014), as the book chapter “VAE, GAN and variants” and the course notes
“19. Generative Models” derive it.

Encoder q(z|x) = N(mu(x), diag exp(logvar(x))); a sample is z = mu + exp(logvar / 2) * eps with
eps ~ N(0, I) (the reparameterisation trick), so the gradient reaches the encoder. Decoder p(x|z):
Bernoulli on the pixels (logits out; the default, as Kingma & Welling on MNIST and the seed's
cdoersch/vae_tutorial) or Gaussian with mean sigmoid(logits) and a fixed sigma (config switch).
The prior is p(z) = N(0, I), so KL(q(z|x) || p(z)) has the closed form (the course notes “19. Generative Models”)
    KL = 1/2 sum_j (exp(logvar_j) + mu_j^2 - 1 - logvar_j).
Training maximises the ELBO = E_q[log p(x|z)] - KL with one sample of z per image (L = 1).

Evaluation adds the importance-weighted estimate (Burda et al. 2016)
    log p(x) >= log 1/k sum_i p(x|z_i) p(z_i) / q(z_i|x),  z_i ~ q(z|x),
which tightens as k grows; the ELBO is its k = 1 case.
"""
from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from repro.config import EVAL_SEED, Field, positive_ints, require_pixel_range
from repro.models.mlp import dense_mlp
from repro.models.precision import gradients, loss_scaled
from repro.models.tracked import TrackedModel

LOG_2PI = math.log(2.0 * math.pi)


def kl_closed_form(mean, logvar):
    """KL(N(mean, diag exp(logvar)) || N(0, I)) per example, summed over latent dimensions."""
    return 0.5 * ops.sum(ops.exp(logvar) + ops.square(mean) - 1.0 - logvar, axis=-1)


def bernoulli_log_likelihood(x, logits):
    """sum_i x_i log sigmoid(l_i) + (1 - x_i) log(1 - sigmoid(l_i)), stable form, per example."""
    return -ops.sum(ops.softplus(logits) - x * logits, axis=-1)


def gaussian_log_likelihood(x, mean, sigma):
    return -0.5 * ops.sum(ops.square(x - mean) / sigma ** 2 + 2.0 * math.log(sigma) + LOG_2PI, axis=-1)


def standard_normal_log_density(z):
    return -0.5 * ops.sum(ops.square(z) + LOG_2PI, axis=-1)


def mlp(units, activation, out_units, name, seed):
    """The encoder or decoder MLP of the VAE and the autoencoder (glorot-uniform kernels, linear output)."""
    return dense_mlp(units, out_units, seed=seed, name=name, activation=activation)


class DecodesStandardNormal(TrackedModel):
    """Sampling shared by the VAE and the autoencoder: z ~ N(0, I) through a decoder whose sigmoid is the mean image
    (`self.decoder`, `self.latent_dim`); `generate` returns the decoder's mean image and the codes."""

    def noise_numpy(self, n, rng: np.random.Generator):
        return rng.standard_normal((n, self.latent_dim)).astype(np.float32)

    def decode(self, z):
        return ops.reshape(ops.sigmoid(self.decoder(z, training=False)), (-1, *self.image_shape))

    def generate(self, n, seed=0, batch_size=1000):
        z = self.noise_numpy(n, np.random.default_rng(seed))
        return {"images": self.decode_numpy(z, batch_size), "codes": z}


class VariationalAutoencoder(DecodesStandardNormal):
    PARAMS = {
        "latent_dim": Field(2, int, lo=1),
        "hidden": positive_ints([500], doc="hidden layer sizes of the encoder; the decoder mirrors them"),
        "activation": Field("tanh", str, choices=("tanh", "relu", "softplus")),
        "decoder": Field("bernoulli", str, choices=("bernoulli", "gaussian")),
        "gaussian_sigma": Field(0.1, float, lo=1e-3, doc="std of the Gaussian decoder (decoder: gaussian)"),
        "optimizer": Field("adam", str, choices=("adam", "adagrad")),
        "learning_rate": Field(1e-3, float, lo=0.0),
        "iw_samples": Field(100, int, lo=1, doc="k of the importance-weighted log-likelihood estimate"),
    }
    history_keys = tracked = ("loss", "elbo", "reconstruction", "kl")

    @staticmethod
    def check_config(cfg):
        require_pixel_range(cfg, "unit", "the VAE", "its decoder models pixels in [0, 1] (Bernoulli means / sigmoid "
                                                    "Gaussian means).")

    def __init__(self, cfg, image_shape=(28, 28, 1), pixel_mean=None, steps_per_epoch=None, **kwargs):
        super().__init__(cfg, image_shape, **kwargs)
        p = self.params
        self.dim = int(np.prod(image_shape))
        self.latent_dim = p["latent_dim"]
        # the encoder outputs [mean, log-variance]
        self.encoder = mlp(p["hidden"], p["activation"], 2 * self.latent_dim, "encoder", self.seed)
        self.decoder = mlp(p["hidden"][::-1], p["activation"], self.dim, "decoder", self.seed + 1)
        lr = p["learning_rate"]
        self.elbo_optimizer = loss_scaled(keras.optimizers.Adam(lr) if p["optimizer"] == "adam"
                                          else keras.optimizers.Adagrad(lr, initial_accumulator_value=0.01))
        self.noise_seed = keras.random.SeedGenerator(self.seed + 100)

    def encode(self, x, training=False):
        h = self.encoder(x, training=training)
        return h[:, :self.latent_dim], h[:, self.latent_dim:]

    def log_likelihood(self, x, logits):
        if self.params["decoder"] == "bernoulli":
            return bernoulli_log_likelihood(x, logits)
        return gaussian_log_likelihood(x, ops.sigmoid(logits), self.params["gaussian_sigma"])

    def train_step(self, x):
        x = ops.reshape(x, (-1, self.dim))
        with tf.GradientTape() as tape:
            mean, logvar = self.encode(x, training=True)
            eps = keras.random.normal(ops.shape(mean), seed=self.noise_seed)
            z = mean + ops.exp(0.5 * logvar) * eps  # reparameterisation: z is differentiable in mean, logvar
            reconstruction = self.log_likelihood(x, self.decoder(z, training=True))
            kl = kl_closed_form(mean, logvar)
            loss = ops.mean(kl - reconstruction)  # the negative ELBO, per image
        variables = self.encoder.trainable_variables + self.decoder.trainable_variables
        self.elbo_optimizer.apply_gradients(zip(gradients(tape, loss, variables, self.elbo_optimizer), variables))
        return self.track(loss=loss, elbo=-loss, reconstruction=ops.mean(reconstruction), kl=ops.mean(kl))

    def build_all(self):
        self.encoder.build((None, self.dim))
        self.decoder.build((None, self.latent_dim))
        self.elbo_optimizer.build(self.encoder.trainable_variables + self.decoder.trainable_variables)
        self.built = True


    def encode_numpy(self, images, batch_size=1000):
        """Posterior means of images (N, 28, 28, 1) in [0, 1]."""
        flat = np.asarray(images, np.float32).reshape(len(images), -1)
        return np.concatenate([keras.ops.convert_to_numpy(self.encode(flat[i:i + batch_size])[0])
                               for i in range(0, len(flat), batch_size)])

    # evaluation: ELBO (closed-form KL) and the importance-weighted bound from the same k samples
    @tf.function(reduce_retracing=True)
    def _bounds_batch(self, x, eps):
        """x (B, D), eps (k, B, L) -> per-image ELBO, reconstruction, KL and IW bound, each (B,)."""
        k = tf.shape(eps)[0]
        mean, logvar = self.encode(x)
        z = mean[None] + tf.exp(0.5 * logvar)[None] * eps                       # (k, B, L)
        logits = tf.reshape(self.decoder(tf.reshape(z, (-1, self.latent_dim))), (k, -1, self.dim))
        log_px_z = self.log_likelihood(tf.broadcast_to(x[None], tf.shape(logits)), logits)  # (k, B)
        log_pz = standard_normal_log_density(z)
        log_qz = -0.5 * tf.reduce_sum(tf.square(eps) + logvar[None] + LOG_2PI, axis=-1)
        log_w = log_px_z + log_pz - log_qz
        iw = tf.reduce_logsumexp(log_w, axis=0) - tf.math.log(tf.cast(k, tf.float32))
        reconstruction = tf.reduce_mean(log_px_z, axis=0)
        kl = kl_closed_form(mean, logvar)
        return reconstruction - kl, reconstruction, kl, iw

    def test_bounds(self, images, k, seed=EVAL_SEED, batch_size=100):
        """Mean and standard error over `images` of the ELBO and of the k-sample IW estimate, in nats."""
        flat = np.asarray(images, np.float32).reshape(len(images), -1)
        rng = np.random.default_rng(seed)
        parts = []
        for i in range(0, len(flat), batch_size):
            x = flat[i:i + batch_size]
            eps = rng.standard_normal((k, len(x), self.latent_dim)).astype(np.float32)
            parts.append(np.stack([t.numpy() for t in self._bounds_batch(tf.constant(x), tf.constant(eps))], 1))
        v = np.concatenate(parts).astype(np.float64)
        se = v.std(axis=0, ddof=1) / math.sqrt(len(v)) if len(v) > 1 else np.zeros(4)
        names = ("elbo", "reconstruction", "kl", "iw_ll")
        return {**{n: float(v[:, j].mean()) for j, n in enumerate(names)},
                **{f"{n}_se": float(se[j]) for j, n in enumerate(names)}, "k": int(k), "n_test": len(v)}

    def extra_metrics(self, splits, data_dir=None) -> dict:
        from repro.metrics.classifier import sample_metrics

        ev, p = self.cfg["eval"], self.params
        bounds = self.test_bounds(splits.test[: ev["test_examples"]], p["iw_samples"])
        samples = self.generate(ev["classifier_samples"], seed=EVAL_SEED)["images"]
        return {"test_bounds": bounds, "latent_dim": p["latent_dim"], "decoder": p["decoder"],
                "prior_samples": sample_metrics(samples, data_dir)}
