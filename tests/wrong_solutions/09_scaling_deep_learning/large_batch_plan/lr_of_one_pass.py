# Wrong: scales the learning rate by the batch of one pass on all replicas, not by the batch of one update
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
            per_replica = per_device // steps
            return per_replica, steps, base_lr * replicas * per_replica / base_batch
    raise ValueError("no plan fits")
