# Wrong: lets compute_average_loss guess the global batch as shard size x replicas, which is wrong for an uneven last batch
def distributed_sgd_step(strategy, model, optimizer, per_example_loss, x, y):
    """One synchronous data-parallel step on the global batch (x, y); returns its mean loss before the update."""
    batch = tf.data.Dataset.from_tensor_slices((np.asarray(x, np.float32), np.asarray(y, np.float32))).batch(len(x))
    shards = next(iter(strategy.experimental_distribute_dataset(batch)))

    def replica_step(x_shard, y_shard):
        with tf.GradientTape() as tape:
            loss = tf.nn.compute_average_loss(per_example_loss(y_shard, model(x_shard, training=True)))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    per_replica = strategy.run(replica_step, args=shards)
    return float(strategy.reduce("SUM", per_replica, axis=None))
