# Wrong: counts (T - window - horizon) // stride windows, dropping the last one that still fits.
def sliding_windows(series, window, stride, horizon):
    """Inputs (n, window[, F]) and targets (n[, F]): window i starts at i*stride, its target lies horizon steps after its end."""
    s = np.asarray(series, dtype=float)
    n = max((len(s) - window - horizon) // stride, 0)
    starts = np.arange(n) * stride
    inputs = np.zeros((n, window) + s.shape[1:])
    for i, start in enumerate(starts):
        inputs[i] = s[start:start + window]
    targets = s[starts + window - 1 + horizon]
    return inputs, targets
