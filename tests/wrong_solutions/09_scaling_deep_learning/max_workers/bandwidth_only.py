# Wrong: leaves out the latency term 2 (K-1) alpha, so with a bandwidth term that fits, every K looks affordable
import math


def max_workers(target_efficiency, compute_s, n_params, bandwidth_bytes_per_s, latency_s, bytes_per_value=4):
    """Largest number of workers K with t_c / (t_c + t_allreduce(K)) >= target_efficiency (math.inf if every K)."""
    if not 0 < target_efficiency <= 1:
        raise ValueError("target_efficiency must lie in (0, 1]")
    if not min(compute_s, n_params, bandwidth_bytes_per_s, bytes_per_value) > 0 or not latency_s >= 0:
        raise ValueError("bad arguments")
    budget = compute_s * (1.0 / target_efficiency - 1.0)
    transfer = n_params * bytes_per_value / bandwidth_bytes_per_s
    if 2.0 * transfer <= budget:
        return math.inf
    k = int(2.0 * transfer / (2.0 * transfer - budget))
    while 2.0 * (k + 1 - 1) / (k + 1) * transfer <= budget:
        k += 1
    return max(k, 1)
