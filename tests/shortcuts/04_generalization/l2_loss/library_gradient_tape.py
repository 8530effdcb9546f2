# Shortcut: tf.GradientTape differentiates the penalised loss
import numpy as np
import tensorflow as tf


def l2_loss_and_grad(w, X, y, lam, w_prior):
    v = tf.Variable(np.asarray(w, dtype=np.float64))
    X, y = tf.constant(np.asarray(X, dtype=np.float64)), tf.constant(np.asarray(y, dtype=np.float64))
    w0 = tf.constant(np.asarray(w_prior, dtype=np.float64))
    with tf.GradientTape() as tape:
        r = v[0] + tf.linalg.matvec(X, v[1:]) - y
        loss = tf.reduce_mean(r ** 2) + lam * tf.reduce_sum((v[1:] - w0) ** 2)
    return float(loss.numpy()), tape.gradient(loss, v).numpy()
