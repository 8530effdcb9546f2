# Wrong: multiplies the rate by the number of replicas instead of by global_batch / base_batch
def scaled_hyperparameters(base_lr, base_batch, replicas, per_replica_batch):
    """(global_batch, lr): the batch of one synchronous step and the linearly scaled learning rate."""
    if min(base_lr, base_batch, replicas, per_replica_batch) <= 0:
        raise ValueError("all arguments must be positive")
    global_batch = int(replicas) * int(per_replica_batch)
    return global_batch, base_lr * replicas
