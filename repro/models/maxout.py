"""Maxout units (Goodfellow et al., 2013): the max over `pieces` affine maps per unit."""
import keras
from keras import ops


@keras.saving.register_keras_serializable("repro")
class Maxout(keras.layers.Layer):
    def __init__(self, units, pieces, kernel_initializer="glorot_uniform", kernel_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.pieces = units, pieces
        self.dense = keras.layers.Dense(units * pieces, kernel_initializer=kernel_initializer,
                                        kernel_constraint=kernel_constraint, dtype=self.dtype_policy)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, x):
        h = self.dense(x)
        # pylearn2 groups consecutive filters: unit i is the max of filters i*pieces ... i*pieces + pieces - 1
        h = ops.reshape(h, (-1, self.units, self.pieces))
        return ops.max(h, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "pieces": self.pieces}
