# Wrong: tests np.any((p < 0) | (p > 1)), which lets NaN through (every comparison with NaN is False).
def amdahl_speedup(p, n):
    """Amdahl's speed-up 1 / ((1 - p) + p / n) for parallel fraction p on n processors (broadcasting)."""
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("the parallel fraction p must lie in [0, 1]")
    if np.any(n < 1):
        raise ValueError("the number of processors n must be at least 1")
    return 1.0 / ((1.0 - p) + p / n)
