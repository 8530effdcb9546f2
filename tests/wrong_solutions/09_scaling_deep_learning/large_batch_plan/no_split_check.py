# Wrong: never checks that the target batch splits evenly over the replicas, and silently plans for fewer examples
def large_batch_plan(base_lr, base_batch, target_batch, replicas, max_per_replica):
    """(per_replica_batch, accumulation_steps, lr): one update over target_batch examples on `replicas` devices."""
    if min(base_lr, base_batch, target_batch, replicas, max_per_replica) <= 0:
        raise ValueError("all arguments must be positive")
    per_device = int(target_batch) // int(replicas)
    for steps in range(1, per_device + 1):
        if per_device % steps == 0 and per_device // steps <= max_per_replica:
            return per_device // steps, steps, base_lr * target_batch / base_batch
    raise ValueError("no plan fits")
