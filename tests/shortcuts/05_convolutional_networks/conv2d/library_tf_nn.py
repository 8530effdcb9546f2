# Shortcut: tf.nn.conv2d does the whole job once the arrays are reshaped to NHWC
import numpy as np
import tensorflow as tf


def conv2d(image, kernel, stride=1, padding="valid"):
    x = tf.constant(np.asarray(image, dtype=np.float64)[None, :, :, None])
    w = tf.constant(np.asarray(kernel, dtype=np.float64)[:, :, None, None])
    return tf.nn.conv2d(x, w, strides=stride, padding=padding.upper())[0, :, :, 0].numpy()
