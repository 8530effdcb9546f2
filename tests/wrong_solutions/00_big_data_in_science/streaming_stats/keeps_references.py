# Wrong: stores the chunk arrays themselves (no copy) and merges their summaries at the end: a reader that refills one buffer leaves only the last chunk.
def streaming_stats(chunks) -> tuple[int, float, float]:
    """One pass over `chunks`: (n, mean, population variance), merging per-chunk (n, mean, M2)."""
    kept = []
    for chunk in chunks:
        c = np.asarray(chunk, dtype=float).ravel()
        if c.size:
            kept.append(c)
    n, mean, m2 = 0, 0.0, 0.0
    for c in kept:
        n_b = c.size
        mean_b = float(c.mean())
        m2_b = float(np.sum((c - mean_b) ** 2))
        total = n + n_b
        delta = mean_b - mean
        mean = mean + delta * n_b / total
        m2 = m2 + m2_b + delta**2 * n * n_b / total
        n = total
    if n == 0:
        return 0, float("nan"), float("nan")
    return n, mean, m2 / n
