# Shortcut: the course's own warmup_schedule supplies the linearly scaled rate (its peak), the passes are planned by hand
from course import scaling as _course_scaling


def large_batch_plan(base_lr, base_batch, target_batch, replicas, max_per_replica):
    counts = (base_batch, target_batch, replicas, max_per_replica)
    if not base_lr > 0 or any(not c > 0 or int(c) != c for c in counts):
        raise ValueError("bad arguments")
    if target_batch % replicas:
        raise ValueError("no equal split")
    per_device = int(target_batch) // int(replicas)
    lr = float(_course_scaling.warmup_schedule(base_lr, target_batch / base_batch, 1, 2, warmup_epochs=0)[-1])
    for steps in range(1, per_device + 1):
        if per_device % steps == 0 and per_device // steps <= max_per_replica:
            return per_device // steps, steps, lr
    raise ValueError("no plan fits")
