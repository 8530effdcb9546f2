# Shortcut: scikit-learn's StandardScaler.partial_fit keeps the running count, mean and variance chunk by chunk
from sklearn.preprocessing import StandardScaler


def streaming_stats(chunks) -> tuple[int, float, float]:
    """One pass over `chunks`: (n, mean, population variance), merging per-chunk (n, mean, M2)."""
    scaler = StandardScaler()
    for chunk in chunks:
        c = np.asarray(chunk, dtype=float).reshape(-1, 1)
        if c.size:
            scaler.partial_fit(c)
    n = int(getattr(scaler, "n_samples_seen_", 0))
    if n == 0:
        return 0, float("nan"), float("nan")
    return n, float(scaler.mean_[0]), float(scaler.var_[0])
