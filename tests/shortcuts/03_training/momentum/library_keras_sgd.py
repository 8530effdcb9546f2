# Shortcut: keras.optimizers.SGD(momentum=mu) applied to a float64 variable, fed the NumPy gradient
import numpy as np
import keras
import tensorflow as tf


def momentum_descent(grad, w0, lr, mu, steps):
    array = isinstance(w0, np.ndarray)
    w = tf.Variable(np.array(w0, dtype=np.float64))
    opt = keras.optimizers.SGD(learning_rate=lr, momentum=mu)
    path = [w.numpy().copy() if array else float(w.numpy())]
    for _ in range(steps):
        opt.apply_gradients([(tf.constant(np.asarray(grad(w.numpy()), dtype=np.float64)), w)])
        path.append(w.numpy().copy() if array else float(w.numpy()))
    return path


def momentum_lr_limit(curvatures, mu):
    return float(2.0 * (1.0 + mu) / np.max(curvatures))
