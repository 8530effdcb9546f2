# Wrong: takes the right step, but returns the loss measured after the update instead of the loss the step was taken on
def distributed_sgd_step(strategy, model, optimizer, per_example_loss, x, y):
    """One synchronous data-parallel step on the global batch (x, y); returns its mean loss before the update."""
    n = len(x)
    batch = tf.data.Dataset.from_tensor_slices((np.asarray(x, np.float32), np.asarray(y, np.float32))).batch(n)
    shards = next(iter(strategy.experimental_distribute_dataset(batch)))

    def replica_step(x_shard, y_shard):
        with tf.GradientTape() as tape:
            loss = tf.nn.compute_average_loss(per_example_loss(y_shard, model(x_shard, training=True)), global_batch_size=n)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    strategy.run(replica_step, args=shards)
    after = per_example_loss(tf.constant(np.asarray(y, np.float32)), model(np.asarray(x, np.float32)))
    return float(tf.reduce_mean(after))
