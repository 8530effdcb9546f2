# Shortcut: tf.nn.softmax does the softmax over the keys
import numpy as np
import tensorflow as tf


def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(np.asarray(mask, dtype=bool), scores, -1e9)
    weights = tf.nn.softmax(tf.constant(scores), axis=-1).numpy()
    return weights @ v, weights
