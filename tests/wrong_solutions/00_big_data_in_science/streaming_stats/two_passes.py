# Wrong: iterates over the chunks twice (mean first, then deviations): a generator is empty the second time.
def streaming_stats(chunks) -> tuple[int, float, float]:
    """One pass over `chunks`: (n, mean, population variance), merging per-chunk (n, mean, M2)."""
    n, total = 0, 0.0
    for chunk in chunks:
        c = np.asarray(chunk, dtype=float).ravel()
        n += c.size
        total += float(c.sum())
    if n == 0:
        return 0, float("nan"), float("nan")
    mean = total / n
    m2 = 0.0
    for chunk in chunks:
        c = np.asarray(chunk, dtype=float).ravel()
        m2 += float(np.sum((c - mean) ** 2))
    return n, mean, m2 / n
