# Wrong: returns the windows of a 2-D series flattened to (n, window * F) instead of (n, window, F).
def sliding_windows(series, window, stride, horizon):
    """Inputs (n, window[, F]) and targets (n[, F]): window i starts at i*stride, its target lies horizon steps after its end."""
    s = np.asarray(series, dtype=float)
    n = max((len(s) - window - horizon) // stride + 1, 0)
    starts = np.arange(n) * stride
    inputs = np.array([s[a:a + window].ravel() for a in starts]).reshape(n, -1) if n else np.zeros((0, window))
    targets = s[starts + window - 1 + horizon]
    return inputs, targets
