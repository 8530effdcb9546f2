# Wrong: each replica takes the mean loss of its own shard; the optimizer sums the replicas' gradients, so the step is twice too long
def distributed_sgd_step(strategy, model, optimizer, per_example_loss, x, y):
    """One synchronous data-parallel step on the global batch (x, y); returns its mean loss before the update."""
    batch = tf.data.Dataset.from_tensor_slices((np.asarray(x, np.float32), np.asarray(y, np.float32))).batch(len(x))
    shards = next(iter(strategy.experimental_distribute_dataset(batch)))

    def replica_step(x_shard, y_shard):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(per_example_loss(y_shard, model(x_shard, training=True)))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    per_replica = strategy.run(replica_step, args=shards)
    return float(strategy.reduce("MEAN", per_replica, axis=None))
