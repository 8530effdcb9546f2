# Shortcut: tf.data's own Dataset.shard deals the positions, after the argument checks
import numpy as np
import tensorflow as tf


def shard_indices(n_samples, num_workers, worker_index):
    if num_workers < 1 or not 0 <= worker_index < num_workers or n_samples < 0:
        raise ValueError("need num_workers >= 1, 0 <= worker_index < num_workers and n_samples >= 0")
    shard = tf.data.Dataset.range(n_samples).shard(num_workers, worker_index)
    return np.array(list(shard.as_numpy_iterator()), dtype=np.int64)
