# Wrong: takes ceil(per-device examples / max_per_replica) passes and rounds the pass size down, dropping examples
import math


def large_batch_plan(base_lr, base_batch, target_batch, replicas, max_per_replica):
    """(per_replica_batch, accumulation_steps, lr): one update over target_batch examples on `replicas` devices."""
    if min(base_lr, base_batch, target_batch, replicas, max_per_replica) <= 0:
        raise ValueError("all arguments must be positive")
    if target_batch % replicas:
        raise ValueError("no equal split")
    per_device = target_batch // replicas
    steps = math.ceil(per_device / max_per_replica)
    return int(per_device // steps), int(steps), base_lr * target_batch / base_batch
