"""Randomness that does not depend on how a batch is split across devices.

Under tf.distribute each replica sees a slice of the global batch, and every replica holds the
same copy of a SeedGenerator. Drawing noise or dropout masks for the replica's own slice would
give every replica the same numbers. Instead each replica draws them for the global batch (same
seed, so the same numbers everywhere) and keeps its own rows: the union over replicas is then
exactly what a single device draws for the whole batch, and a run on N devices follows the
single-device run to float rounding.
"""
import keras
import tensorflow as tf


def replicas():
    return tf.distribute.get_strategy().num_replicas_in_sync


def own_rows(x_global, n_local):
    """This replica's rows of a tensor drawn for the global batch."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        return x_global
    start = tf.cast(ctx.replica_id_in_sync_group, tf.int32) * n_local
    return x_global[start:start + n_local]


def scale_for_replicas(loss):
    """Per-replica mean loss, scaled so that the all-reduced SUM of gradients is the global-batch mean's."""
    r = replicas()
    return loss / r if r > 1 else loss


@keras.saving.register_keras_serializable("repro")
class ReplicaDropout(keras.layers.Dropout):
    """Inverted dropout whose mask is drawn for the global batch and sliced to this replica's rows."""

    def call(self, inputs, training=False):
        if not training or self.rate == 0 or replicas() == 1:
            return super().call(inputs, training=training)
        n = tf.shape(inputs)[0]
        ones = tf.ones(tf.concat([[n * replicas()], tf.shape(inputs)[1:]], axis=0), inputs.dtype)
        keep = keras.random.dropout(ones, self.rate, seed=self.seed_generator)
        return inputs * own_rows(keep, n)
