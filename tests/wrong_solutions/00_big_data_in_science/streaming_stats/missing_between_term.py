# Wrong: adds the chunks' M2 values but forgets the between-chunk term delta**2 * n_A * n_B / n.
def streaming_stats(chunks) -> tuple[int, float, float]:
    """One pass over `chunks`: (n, mean, population variance), merging per-chunk (n, mean, M2)."""
    n, mean, m2 = 0, 0.0, 0.0
    for chunk in chunks:
        c = np.asarray(chunk, dtype=float).ravel()
        n_b = c.size
        if n_b == 0:
            continue
        mean_b = float(c.mean())
        m2_b = float(np.sum((c - mean_b) ** 2))
        total = n + n_b
        mean = mean + (mean_b - mean) * n_b / total
        m2 = m2 + m2_b
        n = total
    if n == 0:
        return 0, float("nan"), float("nan")
    return n, mean, m2 / n
