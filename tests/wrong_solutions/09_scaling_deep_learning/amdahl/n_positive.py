# Wrong: checks n > 0 instead of n >= 1, so a fractional processor count such as n = 0.5 slips through
def amdahl_speedup(p, n):
    """Amdahl's speed-up 1 / ((1 - p) + p / n) for parallel fraction p on n processors (broadcasting)."""
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError("the parallel fraction p must lie in [0, 1]")
    if np.any(n <= 0):
        raise ValueError("the number of processors n must be positive")
    return 1.0 / ((1.0 - p) + p / n)
