# Wrong: multiplies the learning rate by the number of replicas instead of by the growth of the batch
def large_batch_plan(base_lr, base_batch, target_batch, replicas, max_per_replica):
    """(per_replica_batch, accumulation_steps, lr): one update over target_batch examples on `replicas` devices."""
    counts = (base_batch, target_batch, replicas, max_per_replica)
    if not base_lr > 0 or any(not c > 0 or int(c) != c for c in counts):
        raise ValueError("bad arguments")
    if target_batch % replicas:
        raise ValueError("no equal split")
    per_device = int(target_batch) // int(replicas)
    for steps in range(1, per_device + 1):
        if per_device % steps == 0 and per_device // steps <= max_per_replica:
            return per_device // steps, steps, base_lr * replicas
    raise ValueError("no plan fits")
