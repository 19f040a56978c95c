"""InfoGAN (Chen et al., 2016) on MNIST, as in the public code `openai/InfoGAN` (docs/references.md §4).

Latent input of G, in this order: 62 noise values U[-1, 1], a one-hot 10-way categorical code,
two continuous codes U[-1, 1] (74 values). D and Q share a conv trunk; D's head gives one logit,
Q's head gives 10 logits for the categorical code and, for each continuous code, the mean of a
Gaussian whose std is fixed at 1 (the code's `Uniform(1, fix_std=True)`) or, with `learn_sigma`, learned:
Q then also outputs a log-variance and sigma = sqrt(exp(.)) (the code's `Gaussian.activate_dist` with
fix_std=False, infogan/misc/distributions.py; the paper's appendix learns it).

Losses, as in `InfoGANTrainer` (D, then G, each on fresh latent draws):
    MI_cat  = H(c) - CE(c, Q(G(z, c)))              (nats; lower bound, at most ln 10)
    L_cont  = sum_j [log sigma_j + 0.5 * ((c_j - mu_j(G(z, c))) / sigma_j)^2]
              (-log Q(c_j | x) up to the constant 0.5 log 2 pi; with sigma fixed at 1: half the squared error)
    D/Q:  BCE(D(x), 1) + BCE(D(G), 0) - lambda_cat MI_cat + lambda_cont L_cont
    G:    BCE(D(G), 1)                - lambda_cat MI_cat + lambda_cont L_cont
Real and fake batches go through D separately (as the code does), so batch statistics never mix.
"""
from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from repro.config import Field, require_pixel_range
from repro.models.losses import bce_from_logits
from repro.models.precision import gradients, loss_scaled
from repro.models.tracked import TrackedModel

# Named recipes (model_params over paper_configs/infogan_mnist.yaml), each with its own seed screen and rows.
RECIPES = {
    "code": {},  # openai/InfoGAN as released: the config's values
    "paper": {  # what the paper (arXiv:1606.03657) says where it differs from the code
        "leaky_slope": 0.1,        # appendix C: lRELU "with leaky rate 0.1" in D/Q (the code: 0.01)
        "learn_sigma": True,       # Q's factored Gaussian for a continuous code with its std learned through exp
                                   #   (docs/references.md §4 audit; the code has the option, fix_std=False, unused)
        "lambda_continuous": 0.1,  # §6: "a smaller λ is typically used" for continuous codes; the paper gives no
                                   #   number; 0.1 as in eriklindernoren/PyTorch-GAN infogan.py (lambda_con = 0.1)
        "adam_epsilon": 1e-8,      # the TensorFlow 1 Adam the paper's code ran with
    },
}


class InfoGAN(TrackedModel):
    PARAMS = {
        "noise_dim": Field(62, int, lo=0),
        "n_categories": Field(10, int, lo=2),
        "n_continuous": Field(2, int, lo=0),
        "leaky_slope": Field(0.01, float, lo=0.0, hi=1.0),
        "init_std": Field(0.02, float, lo=0.0),
        "bn_momentum": Field(0.9, float, lo=0.0, hi=1.0),
        "bn_epsilon": Field(1e-5, float, lo=0.0),
        "lambda_categorical": Field(1.0, float, lo=0.0),
        "lambda_continuous": Field(1.0, float, lo=0.0),
        "g_learning_rate": Field(1e-3, float, lo=0.0),
        "d_learning_rate": Field(2e-4, float, lo=0.0),
        "beta_1": Field(0.5, float, lo=0.0, hi=1.0),
        # Keras' Adam default; the code's tf.train.AdamOptimizer (TF1) used 1e-8
        "adam_epsilon": Field(1e-7, float, lo=0.0),
        # false: Q's Gaussian for a continuous code has std 1 (the code); true: Q learns it (the paper)
        "learn_sigma": Field(False, bool),
    }
    parzen = False  # the InfoGAN paper reports no likelihood; its numbers are MI and the digit error
    tracked = ("d_loss", "g_loss", "mi_cat", "cont_loss", "d_real", "d_fake")

    @staticmethod
    def check_config(cfg):
        require_pixel_range(cfg, "unit", "infogan", "G ends in a sigmoid (the code's Bernoulli mean), so real images "
                                                    "must be in [0, 1] too.")

    def __init__(self, cfg, image_shape=(28, 28, 1), pixel_mean=None, steps_per_epoch=None, **kwargs):
        super().__init__(cfg, image_shape, **kwargs)
        p = self.params
        self.latent_dim = p["noise_dim"] + p["n_categories"] + p["n_continuous"]
        self.prior_entropy = math.log(p["n_categories"])  # H(c) of the uniform categorical code
        self.generator = self._build_generator()
        self.discriminator = self._build_discriminator()
        adam = dict(beta_1=p["beta_1"], epsilon=p["adam_epsilon"])  # the code's tf.train.AdamOptimizer(lr, beta1=0.5)
        self.d_optimizer = loss_scaled(keras.optimizers.Adam(p["d_learning_rate"], name="d_optimizer", **adam))
        self.g_optimizer = loss_scaled(keras.optimizers.Adam(p["g_learning_rate"], name="g_optimizer", **adam))
        self.latent_seed = keras.random.SeedGenerator(self.seed + 100)

    # --- networks -------------------------------------------------------------------------------
    def _dense(self, units, name):
        return layers.Dense(units, kernel_initializer=keras.initializers.RandomNormal(0.0, self.params["init_std"],
                                                                                      seed=self._next_seed()),
                            name=name)

    def _bn(self, name):
        p = self.params
        # custom_ops.conv_batch_norm: EMA decay 0.9, epsilon 1e-5, gamma ~ N(1, 0.02), beta = 0
        return layers.BatchNormalization(momentum=p["bn_momentum"], epsilon=p["bn_epsilon"], name=name,
                                         gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02,
                                                                                           seed=self._next_seed()))

    def _next_seed(self):
        self._seed_counter = getattr(self, "_seed_counter", 0) + 1
        return self.seed * 1000 + self._seed_counter

    def _build_generator(self):
        init = lambda: keras.initializers.RandomNormal(0.0, self.params["init_std"], seed=self._next_seed())  # noqa: E731
        z = keras.Input((self.latent_dim,))
        h = layers.ReLU()(self._bn("g_bn1")(self._dense(1024, "g_fc1")(z)))
        h = layers.ReLU()(self._bn("g_bn2")(self._dense(7 * 7 * 128, "g_fc2")(h)))
        h = layers.Reshape((7, 7, 128))(h)
        h = layers.Conv2DTranspose(64, 4, strides=2, padding="same", kernel_initializer=init(), name="g_deconv1")(h)
        h = layers.ReLU()(self._bn("g_bn3")(h))
        h = layers.Conv2DTranspose(self.image_shape[-1], 4, strides=2, padding="same", kernel_initializer=init(),
                                   name="g_deconv2")(h)
        x = layers.Activation("sigmoid", dtype="float32")(h)  # the mean of the code's Bernoulli output
        return keras.Model(z, x, name="generator")

    def _build_discriminator(self):
        p = self.params
        act = lambda: layers.LeakyReLU(negative_slope=p["leaky_slope"])  # noqa: E731
        conv_init = lambda: keras.initializers.TruncatedNormal(0.0, p["init_std"], seed=self._next_seed())  # noqa: E731
        x = keras.Input(self.image_shape)
        h = act()(layers.Conv2D(64, 4, strides=2, padding="same", kernel_initializer=conv_init(), name="d_conv1")(x))
        h = layers.Conv2D(128, 4, strides=2, padding="same", kernel_initializer=conv_init(), name="d_conv2")(h)
        h = act()(self._bn("d_bn2")(h))
        h = act()(self._bn("d_bn3")(self._dense(1024, "d_fc3")(layers.Flatten()(h))))
        d_logit = layers.Activation("linear", dtype="float32")(self._dense(1, "d_out")(h))
        q = act()(self._bn("q_bn1")(self._dense(128, "q_fc1")(h)))
        # logits, means[, log-variances]
        q_units = p["n_categories"] + p["n_continuous"] * (2 if p["learn_sigma"] else 1)
        q = layers.Activation("linear", dtype="float32")(self._dense(q_units, "q_out")(q))
        return keras.Model(x, [d_logit, q], name="discriminator")

    # --- latent codes ---------------------------------------------------------------------------
    def sample_latent(self, n):
        """(latent for G, categorical indices, continuous codes), all drawn from the priors."""
        p = self.params
        noise = keras.random.uniform((n, p["noise_dim"]), -1.0, 1.0, seed=self.latent_seed)
        cat = keras.random.randint((n,), 0, p["n_categories"], seed=self.latent_seed)
        cont = keras.random.uniform((n, p["n_continuous"]), -1.0, 1.0, seed=self.latent_seed)
        return self.join_latent(noise, cat, cont), cat, cont

    def join_latent(self, noise, cat, cont):
        onehot = ops.one_hot(cat, self.params["n_categories"])
        return ops.concatenate([noise, onehot, ops.cast(cont, "float32")], axis=1)

    def noise_numpy(self, n, rng: np.random.Generator):
        return self.latent_numpy(n, rng)[0]

    def latent_numpy(self, n, rng, cat=None, cont=None):
        p = self.params
        noise = rng.uniform(-1.0, 1.0, (n, p["noise_dim"])).astype(np.float32)
        cat = rng.integers(0, p["n_categories"], n) if cat is None else np.broadcast_to(cat, (n,))
        cont = (rng.uniform(-1.0, 1.0, (n, p["n_continuous"])) if cont is None
                else np.broadcast_to(cont, (n, p["n_continuous"])))
        onehot = np.eye(p["n_categories"], dtype=np.float32)[cat]
        return np.concatenate([noise, onehot, cont.astype(np.float32)], axis=1), cat, cont.astype(np.float32)

    def split_q(self, q):
        """(categorical logits, continuous means) of Q's output."""
        k, m = self.params["n_categories"], self.params["n_continuous"]
        return q[:, :k], q[:, k:k + m]

    def continuous_log_sigma(self, q):
        """log sigma of Q's Gaussian per continuous code: 0 (sigma = 1) unless learned, then half the
        log-variance Q outputs (sigma = sqrt(exp(.)), as the code's Gaussian.activate_dist)."""
        k, m = self.params["n_categories"], self.params["n_continuous"]
        return 0.5 * q[:, k + m:] if self.params["learn_sigma"] else None

    def decode(self, z):
        return self.generator(z, training=False)

    def generate(self, n, seed=0, batch_size=1000):
        """images in [0, 1] and `codes`: column 0 the categorical index, then the continuous codes."""
        z, cat, cont = self.latent_numpy(n, np.random.default_rng(seed))
        codes = np.concatenate([cat[:, None].astype(np.float32), cont], axis=1)
        return {"images": self.decode_numpy(z, batch_size), "codes": codes}

    def encode(self, images, batch_size=1000, training=False):
        """Q's categorical logits and continuous means for images in [0, 1]."""
        out = [self.discriminator(images[i:i + batch_size], training=training)[1]
               for i in range(0, len(images), batch_size)]
        q = np.concatenate([keras.ops.convert_to_numpy(o) for o in out], axis=0)
        return self.split_q(q)

    # --- training -------------------------------------------------------------------------------
    def info_terms(self, q, cat, cont):
        """(MI lower bound of the categorical code in nats, -log Q(c_cont | x) of the continuous codes without
        the constant 0.5 log 2 pi: half the squared error when sigma is fixed at 1)."""
        cat_logits, cont_mean = self.split_q(q)
        cross_entropy = ops.mean(ops.sparse_categorical_crossentropy(cat, cat_logits, from_logits=True))
        log_sigma = self.continuous_log_sigma(q)
        if log_sigma is None:
            cont_loss = ops.mean(ops.sum(0.5 * ops.square(cont - cont_mean), axis=1))
        else:
            cont_loss = ops.mean(ops.sum(log_sigma + 0.5 * ops.square((cont - cont_mean) * ops.exp(-log_sigma)),
                                         axis=1))
        return self.prior_entropy - cross_entropy, cont_loss

    def info_loss(self, mi_cat, cont_loss):
        p = self.params
        return -p["lambda_categorical"] * mi_cat + p["lambda_continuous"] * cont_loss

    def train_step(self, real):
        n = ops.shape(real)[0]
        # D and Q step
        z, cat, cont = self.sample_latent(n)
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            logit_real, _ = self.discriminator(real, training=True)
            logit_fake, q_fake = self.discriminator(fake, training=True)
            mi_cat, cont_loss = self.info_terms(q_fake, cat, cont)
            d_loss = bce_from_logits(logit_real, 1) + bce_from_logits(logit_fake, 0) + self.info_loss(mi_cat, cont_loss)
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(gradients(tape, d_loss, d_vars, self.d_optimizer), d_vars))
        # G step on fresh draws (the code's second sess.run samples the prior again)
        z, cat, cont = self.sample_latent(n)
        with tf.GradientTape() as tape:
            logit_gen, q_gen = self.discriminator(self.generator(z, training=True), training=True)
            g_mi_cat, g_cont_loss = self.info_terms(q_gen, cat, cont)
            g_loss = bce_from_logits(logit_gen, 1) + self.info_loss(g_mi_cat, g_cont_loss)
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(gradients(tape, g_loss, g_vars, self.g_optimizer), g_vars))

        logs = self.track(d_loss=d_loss, g_loss=g_loss, mi_cat=mi_cat, cont_loss=cont_loss,
                          d_real=ops.mean(ops.sigmoid(logit_real)), d_fake=ops.mean(ops.sigmoid(logit_fake)))
        logs["mi_cat_step"] = mi_cat  # this step's estimate (the epoch mean is `mi_cat`)
        return logs

    # keys of history.csv that evaluate keeps in results/runs/*.json (the MI curve, Fig. 1)
    history_keys = ("mi_cat", "mi_cat_step", "cont_loss")

    def build_all(self):
        self.generator.build((None, self.latent_dim))
        self.discriminator.build((None, *self.image_shape))
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        self.built = True

    # --- evaluation -----------------------------------------------------------------------------
    def extra_metrics(self, splits, data_dir=None) -> dict:
        from repro.experiments.infogan.metrics import traversal_effects, unsupervised_error

        n_test = self.cfg["eval"]["test_examples"]
        test_x, test_y = splits.test[:n_test], splits.test_labels[:n_test]
        cat_logits, _ = self.encode(test_x)
        out = {"categorical_error": unsupervised_error(np.argmax(cat_logits, 1), test_y, self.params["n_categories"]),
               "test_examples": int(len(test_x))}
        # the same with BatchNorm on batch statistics of 128 real test digits (the only mode Q ever ran in the
        # code); the moving averages above mix real and generated batches. Weights are restored afterwards.
        saved = self.discriminator.get_weights()
        batch_logits, _ = self.encode(test_x, batch_size=self.cfg["train"]["batch_size"], training=True)
        self.discriminator.set_weights(saved)
        out["categorical_error_batch_stats"] = unsupervised_error(np.argmax(batch_logits, 1), test_y,
                                                                  self.params["n_categories"])
        # Q's own consistency on generated digits: the MI lower bound after training, on fresh draws
        n = self.cfg["eval"]["n_samples"]
        z, cat, cont = self.latent_numpy(n, np.random.default_rng(2016))
        images = self.decode_numpy(z)
        gen_logits, gen_mean = self.encode(images)
        ce = float(keras.ops.convert_to_numpy(ops.mean(ops.sparse_categorical_crossentropy(
            cat, gen_logits, from_logits=True))))
        out["generated"] = {"n": int(n), "mi_cat_lower_bound": self.prior_entropy - ce,
                            "q_accuracy_on_own_code": float(np.mean(np.argmax(gen_logits, 1) == cat)),
                            "cont_rmse": [float(np.sqrt(np.mean((gen_mean[:, j] - cont[:, j]) ** 2)))
                                          for j in range(cont.shape[1])]}
        # what each continuous code does, measured on the ink over [-2, 2] (the paper's extrapolated range)
        values = np.linspace(-2.0, 2.0, 9)
        out["continuous_codes"] = [traversal_effects(self.traversal(j, values, n_draws=200, seed=2016), values)
                                   for j in range(self.params["n_continuous"])]
        return out

    def traversal(self, code, values, n_draws, seed, cat=None):
        """Images (n_draws, len(values), H, W, 1): each draw keeps its noise and categorical code (or `cat`),
        the other continuous codes at 0, and sets continuous code `code` to each of `values`."""
        p = self.params
        z, _, _ = self.latent_numpy(n_draws, np.random.default_rng(seed), cat=cat,
                                    cont=np.zeros(p["n_continuous"], np.float32))
        z = np.repeat(z, len(values), axis=0)
        z[:, p["noise_dim"] + p["n_categories"] + code] = np.tile(np.asarray(values, np.float32), n_draws)
        return self.decode_numpy(z).reshape(n_draws, len(values), *self.image_shape)
