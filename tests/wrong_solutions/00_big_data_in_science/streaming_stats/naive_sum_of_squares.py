# Wrong: one pass with running sums of x and x**2, variance = mean(x**2) - mean(x)**2 (catastrophic cancellation).
def streaming_stats(chunks) -> tuple[int, float, float]:
    """One pass over `chunks`: (n, mean, population variance), merging per-chunk (n, mean, M2)."""
    n, s, s2 = 0, 0.0, 0.0
    for chunk in chunks:
        c = np.asarray(chunk, dtype=float).ravel()
        n += c.size
        s += float(c.sum())
        s2 += float(np.sum(c * c))
    if n == 0:
        return 0, float("nan"), float("nan")
    mean = s / n
    return n, mean, s2 / n - mean * mean
