# Wrong: scales the gradient to largest entry epsilon (an L-infinity-normalised gradient) instead of taking its sign.
def fgsm(model, x, y, epsilon):
    """Fast gradient sign method: clip(x + epsilon * sign(grad_x cross-entropy), 0, 1)."""
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.sparse_categorical_crossentropy(y, model(x, training=False))
    gradient = tape.gradient(loss, x).numpy()
    scale = np.abs(gradient).max(axis=tuple(range(1, gradient.ndim)), keepdims=True) + 1e-12
    return np.clip(x.numpy() + epsilon * gradient / scale, 0.0, 1.0)
