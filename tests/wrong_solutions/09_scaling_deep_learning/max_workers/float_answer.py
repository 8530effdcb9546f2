# Wrong: returns the real root of the quadratic rounded down, but as a float (26.0), and never checks the rounding
import math


def max_workers(target_efficiency, compute_s, n_params, bandwidth_bytes_per_s, latency_s, bytes_per_value=4):
    """Largest number of workers K with t_c / (t_c + t_allreduce(K)) >= target_efficiency (math.inf if every K)."""
    if not 0 < target_efficiency <= 1:
        raise ValueError("target_efficiency must lie in (0, 1]")
    if not min(compute_s, n_params, bandwidth_bytes_per_s, bytes_per_value) > 0 or not latency_s >= 0:
        raise ValueError("bad arguments")
    c = compute_s * (1.0 / target_efficiency - 1.0)
    b = n_params * bytes_per_value / bandwidth_bytes_per_s
    if latency_s == 0:
        return math.inf if 2 * b <= c else max(1.0, math.floor(2 * b / (2 * b - c)))
    q = 2 * b - 2 * latency_s - c
    return max(1.0, float(math.floor((-q + math.sqrt(q * q + 16 * latency_s * b)) / (4 * latency_s))))
