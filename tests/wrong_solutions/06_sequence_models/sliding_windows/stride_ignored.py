# Wrong: ignores the stride; a window starts at every step.
def sliding_windows(series, window, stride, horizon):
    """Inputs (n, window[, F]) and targets (n[, F]): window i starts at i*stride, its target lies horizon steps after its end."""
    s = np.asarray(series, dtype=float)
    n = max(len(s) - window - horizon + 1, 0)
    inputs = np.array([s[i:i + window] for i in range(n)]).reshape((n, window) + s.shape[1:])
    targets = np.array([s[i + window - 1 + horizon] for i in range(n)]).reshape((n,) + s.shape[1:])
    return inputs, targets
