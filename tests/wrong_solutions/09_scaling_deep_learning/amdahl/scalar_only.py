# Wrong: written for single numbers with the math module and Python comparisons, so arrays fail
import math


def amdahl_speedup(p, n):
    """Amdahl's speed-up 1 / ((1 - p) + p / n) for parallel fraction p on n processors (broadcasting)."""
    if not 0 <= p <= 1 or math.isnan(p):
        raise ValueError("the parallel fraction p must lie in [0, 1]")
    if n < 1:
        raise ValueError("the number of processors n must be at least 1")
    return 1.0 / ((1.0 - p) + p / n)
