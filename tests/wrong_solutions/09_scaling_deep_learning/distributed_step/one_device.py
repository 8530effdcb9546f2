# Wrong: computes the whole batch's gradient outside the strategy and never runs a replica step: the weights come out
# right, but nothing ran data-parallel
def distributed_sgd_step(strategy, model, optimizer, per_example_loss, x, y):
    """One synchronous data-parallel step on the global batch (x, y); returns its mean loss before the update."""
    xs, ys = tf.constant(np.asarray(x, np.float32)), tf.constant(np.asarray(y, np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(per_example_loss(ys, model(xs, training=True)))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return float(loss)
