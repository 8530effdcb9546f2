# Wrong: does not clip, so pixels at 0 or 1 leave the valid range [0, 1].
def fgsm(model, x, y, epsilon):
    """Fast gradient sign method: clip(x + epsilon * sign(grad_x cross-entropy), 0, 1)."""
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.sparse_categorical_crossentropy(y, model(x, training=False))
    gradient = tape.gradient(loss, x)
    return (x + epsilon * tf.sign(gradient)).numpy()
