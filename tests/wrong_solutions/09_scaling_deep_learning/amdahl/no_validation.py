# Wrong: the formula is right but impossible inputs (p outside [0, 1], n < 1) are not rejected
def amdahl_speedup(p, n):
    """Amdahl's speed-up 1 / ((1 - p) + p / n) for parallel fraction p on n processors (broadcasting)."""
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    return 1.0 / ((1.0 - p) + p / n)
