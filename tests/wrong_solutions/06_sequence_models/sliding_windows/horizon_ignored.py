# Wrong: the target is always the step right after the window; the horizon only shortens the count.
def sliding_windows(series, window, stride, horizon):
    """Inputs (n, window[, F]) and targets (n[, F]): window i starts at i*stride, its target lies horizon steps after its end."""
    s = np.asarray(series, dtype=float)
    n = max((len(s) - window - horizon) // stride + 1, 0)
    starts = np.arange(n) * stride
    inputs = np.zeros((n, window) + s.shape[1:])
    for i, start in enumerate(starts):
        inputs[i] = s[start:start + window]
    targets = s[starts + window]
    return inputs, targets
