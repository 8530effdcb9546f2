# Shortcut: keras.optimizers.SGD applied to a float64 variable, fed the NumPy gradient
import numpy as np
import keras
import tensorflow as tf


def gradient_descent(grad, w0, lr, steps):
    array = isinstance(w0, np.ndarray)
    w = tf.Variable(np.array(w0, dtype=np.float64))
    opt = keras.optimizers.SGD(learning_rate=lr)
    path = [w.numpy().copy() if array else float(w.numpy())]
    for _ in range(steps):
        opt.apply_gradients([(tf.constant(np.asarray(grad(w.numpy()), dtype=np.float64)), w)])
        path.append(w.numpy().copy() if array else float(w.numpy()))
    return path
