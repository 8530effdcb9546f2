# Wrong: right numbers, but the global batch is a float and non-positive arguments are not rejected
def scaled_hyperparameters(base_lr, base_batch, replicas, per_replica_batch):
    """(global_batch, lr): the batch of one synchronous step and the linearly scaled learning rate."""
    global_batch = float(replicas * per_replica_batch)
    return global_batch, base_lr * global_batch / base_batch
