# Wrong: keeps a copy of every chunk and calls np.mean / np.var at the end: memory grows with the stream.
def streaming_stats(chunks) -> tuple[int, float, float]:
    """One pass over `chunks`: (n, mean, population variance), merging per-chunk (n, mean, M2)."""
    kept = [np.array(chunk, dtype=float).ravel() for chunk in chunks]
    everything = np.concatenate(kept) if kept else np.array([])
    if everything.size == 0:
        return 0, float("nan"), float("nan")
    return int(everything.size), float(np.mean(everything)), float(np.var(everything))
