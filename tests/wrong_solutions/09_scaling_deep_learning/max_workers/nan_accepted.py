# Wrong: tests the target with "< 0 or > 1", which a NaN target slips through (every comparison with NaN is False)
import math


def max_workers(target_efficiency, compute_s, n_params, bandwidth_bytes_per_s, latency_s, bytes_per_value=4):
    """Largest number of workers K with t_c / (t_c + t_allreduce(K)) >= target_efficiency (math.inf if every K)."""
    if target_efficiency <= 0 or target_efficiency > 1:
        raise ValueError("target_efficiency must lie in (0, 1]")
    if min(compute_s, n_params, bandwidth_bytes_per_s, bytes_per_value) <= 0 or latency_s < 0:
        raise ValueError("bad arguments")
    budget = compute_s * (1.0 / target_efficiency - 1.0)
    transfer = n_params * bytes_per_value / bandwidth_bytes_per_s

    def fits(k):
        return 2.0 * (k - 1) / k * transfer + 2.0 * (k - 1) * latency_s <= budget

    if latency_s == 0 and 2.0 * transfer <= budget:
        return math.inf
    lo, hi = 1, 2
    while fits(hi) and hi < 2 ** 60:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo
