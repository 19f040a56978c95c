"""PixelRNN's Row LSTM (van den Oord, Kalchbrenner & Kavukcuoglu 2016, §3.1) on binary images.

The same factorisation as the PixelCNN, p(x) = prod_i p(x_i | x_<i) in raster order, but the features of an image
row come from an LSTM that runs down the image one row at a time, so that a pixel sees (through the states of the
rows above) a triangle of context that widens upwards, not a fixed window. The paper's Table 1 specification:

- a 7 x 7 convolution with mask A (2h feature maps), as in the PixelCNN;
- Row LSTM layers, each with a residual connection around it (§3.4): the input-to-state component is a 3 x 1
  convolution along the row with mask B (the pixel itself and its left neighbour; as a 1-D convolution: a causal
  one of width 2), computed for all rows at once, 4h maps (the four gates); the state-to-state component is an
  unmasked 3 x 1 convolution of the previous row's hidden state (h maps -> 4h). Per row i:
  [o, f, i, g] = (K_ss * h_{i-1} + K_is * x_i), c_i = sigmoid(f) c_{i-1} + sigmoid(i) tanh(g),
  h_i = sigmoid(o) tanh(c_i); a 1 x 1 convolution takes h_i back to 2h maps, added to the layer's input;
- ReLU -> 1 x 1 convolution (2 layers), then one Bernoulli logit per pixel (the paper's sigmoid output for MNIST).

Row i's outputs depend only on rows <= i and, within row i, on pixels before each pixel: the gradient test of the
PixelCNN applies unchanged. Sampling keeps each layer's LSTM state of the finished rows, so each of the 784 steps
runs the network on one row only (the first layer on the few rows its 7 x 7 window reaches).
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from repro.config import Field
from repro.experiments.pixelcnn.model import MaskedConv2D, PixelCNN, shared_params
from repro.models.initializers import LayerSeeds


def forget_bias(h):
    """The input-to-state biases, gate order [o, f, i, g]: 1 for the forget gate, 0 elsewhere (our choice, as
    Keras' own LSTM does by default: the state is kept at the start of training; the paper does not say)."""
    def init(shape, dtype=None):
        return ops.convert_to_tensor(np.concatenate([np.zeros(h), np.ones(h), np.zeros(2 * h)]), dtype or "float32")
    return init


class RowLSTMNetwork(keras.Model):
    """The network: image (B, H, W, 1) in {0, 1} -> logits (B, H, W, 1). `first` and `row` are also what the
    sampler calls. `first_mask` / `input_mask` exist so the tests can build a deliberately wrong network."""

    def __init__(self, h, lstm_layers, first_kernel=7, state_kernel=3, output_layers=2, seed=0, first_mask="A",
                 input_mask="B", **kwargs):
        super().__init__(name="row_lstm", **kwargs)
        seeds = LayerSeeds(seed)
        init = lambda: keras.initializers.GlorotUniform(seed=seeds())  # noqa: E731
        self.h = h
        self.first = MaskedConv2D(2 * h, first_kernel, first_mask, kernel_initializer=init(), name="mask_a")
        # mask B on a 3-wide kernel along the row keeps the pixel and its left neighbour: a 2-wide kernel on the
        # row padded by one zero on the left; "none" (the tests' wrong network) also sees the right neighbour
        self.input_pad = ((0, 0), (0, 0), (1, 0), (0, 0)) if input_mask == "B" else ((0, 0), (0, 0), (1, 1), (0, 0))
        width = 2 if input_mask == "B" else 3
        self.input_to_state = [layers.Conv2D(4 * h, (1, width), kernel_initializer=init(),
                                             bias_initializer=forget_bias(h), name=f"input_to_state_{j}")
                               for j in range(lstm_layers)]
        self.state_to_state = [layers.Conv1D(4 * h, state_kernel, padding="same", use_bias=False,
                                             kernel_initializer=init(), name=f"state_to_state_{j}")
                               for j in range(lstm_layers)]
        self.up = [layers.Conv2D(2 * h, 1, kernel_initializer=init(), name=f"residual_{j}")
                   for j in range(lstm_layers)]
        self.head = [layers.Conv2D(2 * h, 1, kernel_initializer=init(), name=f"output_{j}")
                     for j in range(output_layers)]
        self.logit = layers.Conv2D(1, 1, kernel_initializer=init(), dtype="float32", name="logits")

    def zero_states(self, n, width):
        z = tf.zeros(tf.stack([n, width, self.h]))
        return tuple((z, z) for _ in self.input_to_state)

    def _gates(self, layer, a):
        """The input-to-state part of a layer's four gates, for every row of `a` (B, rows, W, 2h) at once."""
        return self.input_to_state[layer](ops.pad(a, self.input_pad))

    def _lstm_step(self, layer, state, gates_in):
        h_prev, c_prev = state
        o, f, i, g = ops.split(gates_in + self.state_to_state[layer](h_prev), 4, axis=-1)
        c = ops.sigmoid(f) * c_prev + ops.sigmoid(i) * ops.tanh(g)
        return ops.sigmoid(o) * ops.tanh(c), c

    def _output(self, a):
        for layer in self.head:
            a = layer(ops.relu(a))
        return self.logit(ops.relu(a))

    def call(self, x):
        """All rows: layer by layer, the input-to-state convolution over the whole map at once (the paper's
        parallelisation), then the recurrence down the rows (a tf.scan, so the graph does not grow with H)."""
        a = self.first(x)
        for j in range(len(self.input_to_state)):
            gates = tf.transpose(self._gates(j, a), (1, 0, 2, 3))  # rows first, for the scan
            start = self.zero_states(tf.shape(x)[0], tf.shape(x)[2])[0]
            hs, _ = tf.scan(lambda state, g, j=j: self._lstm_step(j, state, g), gates, initializer=start)
            a = a + self.up[j](tf.transpose(hs, (1, 0, 2, 3)))
        return self._output(a)

    def row(self, a, states):
        """One image row: a (B, 1, W, 2h), the first layer's features of the row, and each layer's (hidden, cell)
        state of the row above -> (logits (B, W), the row's own states). The same weights as `call`."""
        new = []
        for j, state in enumerate(states):
            h, c = self._lstm_step(j, state, self._gates(j, a)[:, 0])
            a = a + self.up[j](h[:, None])
            new.append((h, c))
        return self._output(a)[:, 0, :, 0], tuple(new)


class RowLSTM(PixelCNN):
    """Trained, scored and sampled as the PixelCNN (the same loss, exact likelihood and evaluation); only the
    network and the sampler's per-pixel step differ."""

    PARAMS = {
        "hidden": Field(16, int, lo=1, doc="h: the LSTM state has h maps per gate; the residual stream 2h"),
        "lstm_layers": Field(7, int, lo=1),
        "first_kernel": Field(7, int, lo=1, doc="size of the first, mask-A convolution"),
        "state_kernel": Field(3, int, lo=1, doc="width of the state-to-state convolution along the row above"),
        "output_layers": Field(2, int, lo=0, doc="ReLU + 1 x 1 convolution layers before the output logit"),
        **shared_params(80.54),
    }
    NAME = "Row LSTM"
    ODD_KERNELS = ("first_kernel", "state_kernel")

    def make_network(self):
        p = self.params
        net = RowLSTMNetwork(p["hidden"], p["lstm_layers"], p["first_kernel"], p["state_kernel"], p["output_layers"],
                             self.seed)
        net(tf.zeros((1, *self.image_shape)))  # builds its layers
        return net

    def _first_row(self, x, r):
        """The first layer's features of row r, from the rows its window reaches (mask A: none below r)."""
        top = tf.maximum(r - self.params["first_kernel"] // 2, 0)
        return self.net.first(x[:, top:r + 1])[:, r - top][:, None]

    @tf.function(reduce_retracing=True)
    def _sample_loop(self, n, seed, stop):
        """Pixels 0 .. stop-1 of n images in one tf.while_loop, as the PixelCNN's; the LSTM states of the rows
        already finished are carried, so each step runs the network on the current row only."""
        h, w = self.image_shape[:2]
        shape = tf.concat([[n], tf.constant(self.image_shape)], 0)
        x0, p0 = tf.zeros(shape), tf.zeros(shape)
        s0 = self.net.zero_states(n, w)

        def body(i, x, p, states):
            r, c = i // w, i % w
            # at the start of a row, the row above is finished: keep its states
            states = tf.cond(tf.logical_and(c == 0, r > 0),
                             lambda: self.net.row(self._first_row(x, r - 1), states)[1], lambda: states)
            prob = tf.sigmoid(self.net.row(self._first_row(x, r), states)[0][:, c])
            u = tf.random.stateless_uniform(tf.shape(prob), seed=tf.stack([seed, tf.cast(i, tf.int64)]))
            hot = tf.reshape(tf.one_hot(i, h * w), (1, h, w, 1))
            return (i + 1, x + hot * tf.cast(u < prob, tf.float32)[:, None, None, None],
                    p + hot * prob[:, None, None, None], states)

        _, x, p, _ = tf.while_loop(lambda i, *_: i < stop, body, (tf.constant(0), x0, p0, s0),
                                   parallel_iterations=1)
        return x, p

    def sample_python_loop(self, n, seed, stop=None):
        raise NotImplementedError("the Row LSTM samples with its compiled loop only")
