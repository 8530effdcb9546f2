# Wrong: takes the bandwidth term as 2 M / beta for every K, forgetting the factor (K-1)/K (and that K = 1 sends nothing)
import math


def max_workers(target_efficiency, compute_s, n_params, bandwidth_bytes_per_s, latency_s, bytes_per_value=4):
    """Largest number of workers K with t_c / (t_c + t_allreduce(K)) >= target_efficiency (math.inf if every K)."""
    if not 0 < target_efficiency <= 1:
        raise ValueError("target_efficiency must lie in (0, 1]")
    if not min(compute_s, n_params, bandwidth_bytes_per_s, bytes_per_value) > 0 or not latency_s >= 0:
        raise ValueError("bad arguments")
    budget = compute_s * (1.0 / target_efficiency - 1.0)
    left = budget - 2.0 * n_params * bytes_per_value / bandwidth_bytes_per_s
    if left < 0:
        return 1
    if latency_s == 0:
        return math.inf
    return int(left / (2.0 * latency_s)) + 1
