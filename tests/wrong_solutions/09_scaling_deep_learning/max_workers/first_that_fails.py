# Wrong: stops at the first K that misses the target and returns it, one worker too many
import math


def max_workers(target_efficiency, compute_s, n_params, bandwidth_bytes_per_s, latency_s, bytes_per_value=4):
    """Largest number of workers K with t_c / (t_c + t_allreduce(K)) >= target_efficiency (math.inf if every K)."""
    if not 0 < target_efficiency <= 1:
        raise ValueError("target_efficiency must lie in (0, 1]")
    if not min(compute_s, n_params, bandwidth_bytes_per_s, bytes_per_value) > 0 or not latency_s >= 0:
        raise ValueError("bad arguments")
    transfer = n_params * bytes_per_value / bandwidth_bytes_per_s
    if latency_s == 0 and 2.0 * transfer <= compute_s * (1.0 / target_efficiency - 1.0):
        return math.inf

    def efficiency(k):
        return compute_s / (compute_s + 2.0 * (k - 1) / k * transfer + 2.0 * (k - 1) * latency_s)

    k = 1
    while efficiency(k) >= target_efficiency:
        k += 1
    return k
