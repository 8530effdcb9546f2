# Wrong: steps DOWN the loss (x - epsilon * sign(gradient)), which makes the model more confident, not less.
def fgsm(model, x, y, epsilon):
    """Fast gradient sign method: clip(x + epsilon * sign(grad_x cross-entropy), 0, 1)."""
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.sparse_categorical_crossentropy(y, model(x, training=False))
    gradient = tape.gradient(loss, x)
    return tf.clip_by_value(x - epsilon * tf.sign(gradient), 0.0, 1.0).numpy()
