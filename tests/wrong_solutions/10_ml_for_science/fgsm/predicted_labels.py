# Wrong: computes the loss against the model's own predicted class instead of the true labels y.
def fgsm(model, x, y, epsilon):
    """Fast gradient sign method: clip(x + epsilon * sign(grad_x cross-entropy), 0, 1)."""
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        probabilities = model(x, training=False)
        loss = keras.losses.sparse_categorical_crossentropy(tf.argmax(probabilities, axis=1), probabilities)
    gradient = tape.gradient(loss, x)
    return tf.clip_by_value(x + epsilon * tf.sign(gradient), 0.0, 1.0).numpy()
