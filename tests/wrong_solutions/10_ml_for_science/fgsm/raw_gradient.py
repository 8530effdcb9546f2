# Wrong: steps along the gradient itself, not its sign (a tiny, uneven step that ignores the max-norm budget).
def fgsm(model, x, y, epsilon):
    """Fast gradient sign method: clip(x + epsilon * sign(grad_x cross-entropy), 0, 1)."""
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.sparse_categorical_crossentropy(y, model(x, training=False))
    gradient = tape.gradient(loss, x)
    return tf.clip_by_value(x + epsilon * gradient, 0.0, 1.0).numpy()
