# Shortcut: the explorer's own workers_for_efficiency finds K by bisection; a huge answer is read as "every K"
import math

from course.widgets.scaling import workers_for_efficiency


def max_workers(target_efficiency, compute_s, n_params, bandwidth_bytes_per_s, latency_s, bytes_per_value=4):
    if not 0 < target_efficiency <= 1:
        raise ValueError("target_efficiency must lie in (0, 1]")
    if not min(compute_s, n_params, bandwidth_bytes_per_s, bytes_per_value) > 0 or not latency_s >= 0:
        raise ValueError("bad arguments")
    ceiling = 1 << 50
    k = workers_for_efficiency(target_efficiency, compute_s, n_params, bandwidth_bytes_per_s, latency_s,
                               bytes_per_value=bytes_per_value, max_workers=ceiling)
    return math.inf if k == ceiling else int(k)
