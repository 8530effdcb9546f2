# Shortcut: tf.nn.conv2d with the stride equal to the kernel size does the whole job
import numpy as np
import tensorflow as tf


def patch_tokens(image, kernel, bias):
    x = np.asarray(image, dtype=float)
    x = x[:, :, None] if x.ndim == 2 else x
    kernel = np.asarray(kernel, dtype=float)
    out = tf.nn.conv2d(x[None], kernel, strides=kernel.shape[0], padding="VALID")
    return out.numpy().reshape(-1, kernel.shape[3]) + np.asarray(bias, dtype=float)
