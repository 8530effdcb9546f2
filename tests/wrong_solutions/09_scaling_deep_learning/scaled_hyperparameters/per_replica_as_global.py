# Wrong: forgets the replicas and treats the per-replica batch as the global batch
def scaled_hyperparameters(base_lr, base_batch, replicas, per_replica_batch):
    """(global_batch, lr): the batch of one synchronous step and the linearly scaled learning rate."""
    if min(base_lr, base_batch, replicas, per_replica_batch) <= 0:
        raise ValueError("all arguments must be positive")
    global_batch = int(per_replica_batch)
    return global_batch, base_lr * global_batch / base_batch
