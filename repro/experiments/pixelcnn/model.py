"""PixelCNN (van den Oord, Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural Networks") on binary images.

p(x) = prod_i p(x_i | x_1 .. x_{i-1}) over the pixels in raster order (row by row, left to right). Every layer
keeps the 28 x 28 resolution; its convolutions are masked so that the output at pixel i sees only pixels before i:
the first layer (7 x 7, mask A) hides the centre pixel too, the later ones (mask B) may use their own position,
which in the layers below already holds only earlier pixels. So one pass of the network gives all 784
conditionals of an image at once (training, exact likelihood), and sampling takes 784 steps, one per pixel; since
the rows above a pixel are finished, each step computes only the current row (keeping the finished rows' activations).

Architecture (the paper's Table 1 and Fig. 5): a 7 x 7 mask-A convolution with 2h feature maps; residual blocks
ReLU -> 1 x 1 conv (h) -> ReLU -> 3 x 3 mask-B conv (h) -> ReLU -> 1 x 1 conv (2h), added to the block's input;
then ReLU -> 1 x 1 conv layers and one Bernoulli logit per pixel (the paper's sigmoid output for MNIST).
With a single channel a 1 x 1 convolution needs no mask (masks B only separate colour channels there).

Loss: the negative log-likelihood in nats per image, the sum of the 784 per-pixel binary cross-entropies.
"""
from __future__ import annotations

import hashlib
import io
import math
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from repro.config import EVAL_SEED, ConfigError, Field
from repro.models.initializers import LayerSeeds
from repro.models.tracked import TrackedModel

LN2 = math.log(2.0)


def raster_mask(kernel_size, mask_type, in_channels, out_channels):
    """(k, k, in, out) 0/1 mask: rows below the centre and pixels right of it are hidden; mask A also hides the
    centre itself. mask_type "none" keeps every weight (the deliberately wrong mask of the tests)."""
    k = kernel_size
    m = np.ones((k, k, in_channels, out_channels), np.float32)
    if mask_type == "none":
        return m
    c = k // 2
    m[c, c + (mask_type == "B"):] = 0.0
    m[c + 1:] = 0.0
    return m


class MaskedConv2D(layers.Conv2D):
    """A 'same'-padded Conv2D whose kernel is multiplied by a raster-order mask at every call, so the masked
    weights are exactly zero in the forward pass and receive exactly zero gradient."""

    def __init__(self, filters, kernel_size, mask_type="B", **kwargs):
        if mask_type not in ("A", "B", "none"):
            raise ValueError(f"mask_type must be 'A', 'B' or 'none', not {mask_type!r}")
        super().__init__(filters, kernel_size, padding="same", **kwargs)
        self.mask_type = mask_type

    def build(self, input_shape):
        super().build(input_shape)
        k = self.kernel_size[0]
        # numpy, not a tensor: it becomes a constant in whichever graph calls the layer
        self.mask = raster_mask(k, self.mask_type, int(input_shape[-1]), self.filters)

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * ops.convert_to_tensor(self.mask, kernel.dtype))

    def get_config(self):
        return {**super().get_config(), "mask_type": self.mask_type}


class ResidualBlock(layers.Layer):
    def __init__(self, h, kernel_size, seeds, mask_type="B", **kwargs):
        super().__init__(**kwargs)
        init = lambda: keras.initializers.GlorotUniform(seed=seeds())  # noqa: E731
        self.reduce = layers.Conv2D(h, 1, kernel_initializer=init())
        self.masked = MaskedConv2D(h, kernel_size, mask_type, kernel_initializer=init())
        self.expand = layers.Conv2D(2 * h, 1, kernel_initializer=init())

    def call(self, x):
        y = self.reduce(ops.relu(x))
        y = self.masked(ops.relu(y))
        return x + self.expand(ops.relu(y))


def build_network(h, blocks, first_kernel=7, kernel=3, output_layers=2, seed=0, first_mask="A", block_mask="B",
                  image_shape=(28, 28, 1)):
    """The PixelCNN's layers as a functional keras.Model: image (B, H, W, 1) in {0, 1} -> logits (B, H, W, 1).
    `first_mask` / `block_mask` exist so the tests can build a deliberately wrong network."""
    seeds = LayerSeeds(seed)
    init = lambda: keras.initializers.GlorotUniform(seed=seeds())  # noqa: E731
    x_in = keras.Input((None, None, image_shape[-1]))  # any height: the Python-loop sampler runs on a window of rows
    x = MaskedConv2D(2 * h, first_kernel, first_mask, kernel_initializer=init(), name="mask_a")(x_in)
    for b in range(blocks):
        x = ResidualBlock(h, kernel, seeds, block_mask, name=f"residual_{b}")(x)
    for j in range(output_layers):
        x = layers.Conv2D(2 * h, 1, kernel_initializer=init(), name=f"output_{j}")(ops.relu(x))
    logits = layers.Conv2D(image_shape[-1], 1, kernel_initializer=init(), dtype="float32",
                           name="logits")(ops.relu(x))
    return keras.Model(x_in, logits, name="pixelcnn")


def per_pixel_nll(x, logits):
    """-log p(x_i | x_<i) for every pixel, in nats: the Bernoulli cross-entropy in its stable form."""
    return ops.softplus(logits) - x * logits


def per_image_nll(x, logits):
    """-log p(x) in nats per image: the sum of the per-pixel terms (the chain rule over the raster order)."""
    return ops.sum(ops.reshape(per_pixel_nll(x, logits), (ops.shape(x)[0], -1)), axis=-1)


def shared_params(reported_nll):
    """The fields the PixelCNN and the Row LSTM share: their optimiser, the sampling batch, and the paper's number
    with the tolerance it is judged by."""
    return {
        "optimizer": Field("adam", str, choices=("adam", "rmsprop")),
        "learning_rate": Field(1e-3, float, lo=0.0),
        "sample_batch": Field(500, int, lo=1, doc="images sampled together in one compiled 784-step loop"),
        "reported_nll": Field(reported_nll, float, doc="the paper's test NLL (nats) the exact NLL is compared with"),
        "nll_tolerance": Field(1.0, float, lo=0.0, doc="PASS when |test NLL - reported_nll| <= this (nats)"),
    }


class PixelCNN(TrackedModel):
    PARAMS = {
        "hidden": Field(32, int, lo=1, doc="h: the residual blocks' inner layers have h feature maps, the rest 2h"),
        "residual_blocks": Field(12, int, lo=0),
        "first_kernel": Field(7, int, lo=1, doc="size of the first, mask-A convolution"),
        "kernel": Field(3, int, lo=1, doc="size of the residual blocks' mask-B convolutions"),
        "output_layers": Field(2, int, lo=0, doc="ReLU + 1 x 1 convolution layers before the output logit"),
        **shared_params(81.30),
    }
    history_keys = tracked = ("loss", "nll", "bits_per_dim")
    NAME = "PixelCNN"  # in its config errors
    ODD_KERNELS = ("first_kernel", "kernel")  # model_params that must be odd: a kernel centred on its pixel

    @classmethod
    def check_config(cls, cfg):
        if cfg["data"]["dataset"] != "binarized_mnist":
            raise ConfigError(f"config key 'data.dataset' must be 'binarized_mnist' for the {cls.NAME}: its output "
                              "is one Bernoulli per pixel, a likelihood of 0/1 images.")
        for k in cls.ODD_KERNELS:
            if cfg["model_params"][k] % 2 == 0:
                raise ConfigError(f"config key 'model_params.{k}' must be odd (a kernel needs a centre pixel).")

    def __init__(self, cfg, image_shape=(28, 28, 1), pixel_mean=None, steps_per_epoch=None, **kwargs):
        super().__init__(cfg, image_shape, **kwargs)
        p = self.params
        self.net = self.make_network()
        self.nll_optimizer = (keras.optimizers.Adam(p["learning_rate"]) if p["optimizer"] == "adam"
                              else keras.optimizers.RMSprop(p["learning_rate"]))
        self.dim = int(np.prod(self.image_shape))
        self._samples = {}

    def make_network(self):
        """The network: image (B, H, W, 1) in {0, 1} -> one logit per pixel (the Row LSTM has its own)."""
        p = self.params
        return build_network(p["hidden"], p["residual_blocks"], p["first_kernel"], p["kernel"], p["output_layers"],
                             self.seed, image_shape=self.image_shape)

    def __getattr__(self, name):
        """`generator`: the network a shipped model file holds (for a PixelCNN, the whole model, `net`). Answered
        here rather than by a property so that it stays out of dir(): Keras files a model's weights under the first
        attribute name it meets in dir() order, and "generator" sorts before "net", which would change the layout
        of every checkpoint (and refuse the ones already written)."""
        if name == "generator":
            return self.net
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @classmethod
    def make_dataset(cls, cfg, splits, batch, steps_per_epoch, start_epoch=0):
        """The base stream of batches; with data.redraw_train_binarisation, batches of grey levels whose pixels
        are drawn afresh for every batch, from (seed, batch number) alone, so a resumed run sees the same draws."""
        if not cfg["data"]["redraw_train_binarisation"]:
            return super().make_dataset(cfg, splits, batch, steps_per_epoch, start_epoch)
        import dataclasses

        grey = dataclasses.replace(splits, train=splits.train_intensity)
        ds = super().make_dataset(cfg, grey, batch, steps_per_epoch, start_epoch)
        first, seed = start_epoch * steps_per_epoch, int(cfg["seed"])

        def draw(b, x):
            u = tf.random.stateless_uniform(tf.shape(x), seed=tf.stack([tf.constant(seed + 1, tf.int64), first + b]))
            return tf.cast(u < x, tf.float32)
        return ds.enumerate().map(draw)

    def train_step(self, x):
        with tf.GradientTape() as tape:
            logits = self.net(x, training=True)
            nll = per_image_nll(x, logits)
            loss = ops.mean(nll)
        variables = self.net.trainable_variables
        self.nll_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return self.track(loss=loss, nll=loss, bits_per_dim=loss / (self.dim * LN2))

    def build_all(self):
        self.nll_optimizer.build(self.net.trainable_variables)
        self.built = True

    # exact likelihood
    @tf.function(reduce_retracing=True)
    def _nll_batch(self, x):
        return per_image_nll(x, self.net(x, training=False))

    def nll(self, images, batch_size=500):
        """Per-image -log p(x) in nats (float64), images (N, H, W, 1) in {0, 1}."""
        x = np.asarray(images, np.float32).reshape(-1, *self.image_shape)
        return np.concatenate([self._nll_batch(tf.constant(x[i:i + batch_size])).numpy()
                               for i in range(0, len(x), batch_size)]).astype(np.float64)

    def nll_summary(self, images):
        v = self.nll(images)
        se = float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else 0.0
        return {"nll": float(v.mean()), "se": se, "bits_per_dim": float(v.mean() / (self.dim * LN2)),
                "bits_per_dim_se": se / (self.dim * LN2), "n": len(v)}

    # sampling: 784 steps, as one compiled loop over a whole batch
    def reach(self):
        """How many rows above itself an output pixel can see: the first layer's k // 2 plus k // 2 per block."""
        p = self.params
        return p["first_kernel"] // 2 + p["residual_blocks"] * (p["kernel"] // 2)

    def _step(self, x, probs, i, seed):
        """Draw pixel i (raster order) of every image of the batch from p(x_i | x_<i).

        The network runs on rows max(0, r - reach) .. r only: the masks make row r's outputs independent of the
        rows below it, and they see at most `reach` rows up, so the window gives exactly the full pass's logit
        (the tests check this) at about 40% of its cost on 28 x 28. The Python-loop sampler (benchmarks) uses it;
        the compiled loop computes one row per step instead (`_row`)."""
        h, w = self.image_shape[:2]
        r, c = i // w, i % w
        top = tf.maximum(r - self.reach(), 0)
        logit = self.net(x[:, top:r + 1], training=False)[:, r - top, c, 0]
        prob = tf.sigmoid(logit)
        u = tf.random.stateless_uniform(tf.shape(prob), seed=tf.stack([seed, tf.cast(i, tf.int64)]))
        hot = tf.reshape(tf.one_hot(i, h * w), (1, h, w, 1))
        return x + hot * tf.cast(u < prob, tf.float32)[:, None, None, None], probs + hot * prob[:, None, None, None]

    def _row(self, x, r, above):
        """Every layer's activations of image row r, computed on that row alone (the fast generation of
        Ramachandran et al. 2017). A layer's activations at row r depend only on the rows above and on the pixels
        before each position in row r, never on the pixel itself or later ones (mask A first, mask B after); so
        the rows above, once finished, never change, and each residual block keeps the input of its masked
        convolution for the k // 2 rows above (`above`, oldest first) instead of recomputing them at every pixel.
        The first layer reads the image's own rows r - k // 2 .. r. Returns the row's logits (B, W) and, per
        block, the rows it keeps for the next image row."""
        first = self.net.get_layer("mask_a")
        k = first.kernel_size[0] // 2
        strip = tf.pad(x, [[0, 0], [k, 0], [k, k], [0, 0]])[:, r:r + k + 1]  # rows r-k .. r (zeros above row 0)
        strip = tf.ensure_shape(strip, [None, k + 1, None, None])  # static height: one output row
        a = tf.nn.bias_add(tf.nn.conv2d(strip, first.kernel[:k + 1] * first.mask[:k + 1], 1, "VALID"), first.bias)
        kept = []
        for b, rows in enumerate(above):
            block = self.net.get_layer(f"residual_{b}")
            y = ops.relu(block.reduce(ops.relu(a)))  # the masked convolution's input at row r
            kb = block.masked.kernel_size[0] // 2
            stack = tf.concat([rows, y], axis=1)  # rows r-kb .. r of the masked convolution's input
            window = tf.pad(stack, [[0, 0], [0, 0], [kb, kb], [0, 0]])
            z = tf.nn.conv2d(window, block.masked.kernel[:kb + 1] * block.masked.mask[:kb + 1], 1, "VALID")
            a = a + block.expand(ops.relu(tf.nn.bias_add(z, block.masked.bias)))
            kept.append(stack[:, 1:])
        for j in range(self.params["output_layers"]):
            a = self.net.get_layer(f"output_{j}")(ops.relu(a))
        return self.net.get_layer("logits")(ops.relu(a))[:, 0, :, 0], tuple(kept)

    @tf.function(reduce_retracing=True)
    def _sample_loop(self, n, seed, stop):
        """Pixels 0 .. stop-1 of n images, drawn one after another inside one tf.while_loop; returns the 0/1
        images and the probability each drawn pixel had (zeros from `stop` on). Each step computes the current
        row only (`_row`); at a row's last pixel the blocks keep that row, which is then final, for the next."""
        h, w = self.image_shape[:2]
        shape = tf.concat([[n], tf.constant(self.image_shape)], 0)
        x0, p0 = tf.zeros(shape), tf.zeros(shape)
        k = self.params["kernel"] // 2
        c0 = tuple(tf.zeros(tf.stack([n, k, w, self.params["hidden"]])) for _ in range(self.params["residual_blocks"]))

        def body(i, x, p, above):
            r, c = i // w, i % w
            logits, kept = self._row(x, r, above)
            prob = tf.sigmoid(logits[:, c])
            u = tf.random.stateless_uniform(tf.shape(prob), seed=tf.stack([seed, tf.cast(i, tf.int64)]))
            hot = tf.reshape(tf.one_hot(i, h * w), (1, h, w, 1))
            if above:  # (a network without residual blocks keeps nothing)
                above = tf.cond(c == w - 1, lambda: kept, lambda: above)
            return (i + 1, x + hot * tf.cast(u < prob, tf.float32)[:, None, None, None],
                    p + hot * prob[:, None, None, None], above)

        _, x, p, _ = tf.while_loop(lambda i, *_: i < stop, body, (tf.constant(0), x0, p0, c0),
                                   parallel_iterations=1)
        return x, p

    def sample_python_loop(self, n, seed, stop=None):
        """The same draws with a Python loop over the pixels, one eager call of the network each (benchmarks)."""
        shape = (n, *self.image_shape)
        x, p = tf.zeros(shape), tf.zeros(shape)
        for i in range(stop if stop is not None else self.dim):
            x, p = self._step(x, p, tf.constant(i), tf.constant(seed, tf.int64))
        return x.numpy(), p.numpy()

    def generate(self, n, seed=0, batch_size=None, stop=None):
        """n samples: `images` in {0, 1} and `probabilities` (each pixel's p(x_i = 1 | x_<i) when it was drawn).
        The result of the last (n, seed) is kept: evaluation scores the same samples several ways. With a
        `sample_store` folder, each finished batch is also kept there (named by the weights, the seed and the
        batch's place), so a killed evaluation (10,000 samples are hours on a CPU) draws only what is missing."""
        key = (n, seed, stop)
        if key not in self._samples:
            bs = batch_size or self.params["sample_batch"]
            stop = self.dim if stop is None else stop
            tag = self._weights_digest() if self.sample_store is not None else None
            parts = [self._sample_batch(min(bs, n - i), seed * 1_000_003 + i, stop, tag, done=(i, n))
                     for i in range(0, n, bs)]
            self._samples = {key: {"images": np.concatenate([a for a, _ in parts]),
                                   "probabilities": np.concatenate([b for _, b in parts])}}
        return self._samples[key]

    def _sample_batch(self, n, seed, stop, tag, done):
        """One batch of `generate`: read from the sample store when it holds it, else drawn (and stored)."""
        from repro.io import atomic_write_bytes

        path = None if tag is None else Path(self.sample_store) / f"{tag}-seed{seed}-n{n}-stop{stop}.npz"
        if path is not None and path.exists():
            with np.load(path) as f:
                return f["images"], f["probabilities"]
        t0 = time.time()
        x, p = (a.numpy() for a in self._sample_loop(tf.constant(n), tf.constant(seed, tf.int64), tf.constant(stop)))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            buf = io.BytesIO()
            np.savez_compressed(buf, images=x, probabilities=p)
            atomic_write_bytes(path, buf.getvalue())
            print(f"sampling: {done[0] + n:,} of {done[1]:,} images drawn ({time.time() - t0:.0f} s for these {n}; "
                  f"kept in {path.parent})", flush=True)
        return x, p

    def _weights_digest(self):
        """A short fingerprint of the network's weights: stored samples are reused only by the same weights."""
        h = hashlib.sha256()
        for w in self.net.weights:
            h.update(np.ascontiguousarray(keras.ops.convert_to_numpy(w)).tobytes())
        return h.hexdigest()[:16]

    def likelihood_metrics(self, splits) -> dict:
        """The exact test NLL alone, on the first eval.test_examples test images: what evaluate records, and what
        `verify` and the model file's float16 check re-score (the same function, so the same number)."""
        return {"test_nll": self.nll_summary(splits.test[: self.cfg["eval"]["test_examples"]])}

    def extra_metrics(self, splits, data_dir=None) -> dict:
        """Exact NLL on the test set (and on as many training images, for the gap), the Parzen protocol on the
        samples' per-pixel probabilities (the 0/1 samples are scored by evaluate's own Parzen step)."""

        from repro.config import parse_sigmas
        from repro.metrics.parzen import parzen_protocol

        ev, p = self.cfg["eval"], self.params
        test = splits.test[: ev["test_examples"]]
        t0 = time.time()
        out = {**self.likelihood_metrics(splits), "train_nll": self.nll_summary(splits.train[: len(test)]),
               "nll_seconds": time.time() - t0, "binarisation": getattr(splits, "binarisation", None),
               "data_source": getattr(splits, "source", None), "amat_sha256": getattr(splits, "sha256", None),
               "reported_nll": p["reported_nll"], "nll_tolerance": p["nll_tolerance"],
               "redraw_train_binarisation": self.cfg["data"]["redraw_train_binarisation"]}
        t0 = time.time()
        s = self.generate(ev["n_samples"], seed=EVAL_SEED)
        out["sampling_seconds"] = time.time() - t0  # ~0 when evaluate's Parzen step drew them already
        out["n_samples"] = ev["n_samples"]
        probs = s["probabilities"].reshape(len(s["probabilities"]), -1)
        valid = splits.flat("valid")[: ev["valid_examples"]]
        out["parzen_probabilities"] = parzen_protocol(probs, valid, splits.flat("test")[: ev["test_examples"]],
                                                      parse_sigmas(ev["sigmas"]))
        out["sample_nll"] = self.nll_summary(s["images"][:1000])  # how likely the model finds its own samples
        return out
