# Wrong: always accumulates passes of a single example: the batch is right, but with the most passes, not the fewest
def large_batch_plan(base_lr, base_batch, target_batch, replicas, max_per_replica):
    """(per_replica_batch, accumulation_steps, lr): one update over target_batch examples on `replicas` devices."""
    counts = (base_batch, target_batch, replicas, max_per_replica)
    if not base_lr > 0 or any(not c > 0 or int(c) != c for c in counts):
        raise ValueError("bad arguments")
    if target_batch % replicas:
        raise ValueError("no equal split")
    return 1, int(target_batch) // int(replicas), base_lr * target_batch / base_batch
