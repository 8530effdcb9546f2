# Shortcut: tf.nn.max_pool2d does the whole job once the array is reshaped to NHWC
import numpy as np
import tensorflow as tf


def max_pool2d(x, size=2, stride=None):
    t = tf.constant(np.asarray(x, dtype=np.float64)[None, :, :, None])
    out = tf.nn.max_pool2d(t, ksize=size, strides=size if stride is None else stride, padding="VALID")
    return out[0, :, :, 0].numpy()
