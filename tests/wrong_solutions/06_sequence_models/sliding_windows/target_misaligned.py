# Wrong: the target is one step too late, series[start + window + horizon] (and the count is cut to fit it).
def sliding_windows(series, window, stride, horizon):
    """Inputs (n, window[, F]) and targets (n[, F]): window i starts at i*stride, its target lies horizon steps after its end."""
    s = np.asarray(series, dtype=float)
    n = max((len(s) - window - horizon - 1) // stride + 1, 0)
    starts = np.arange(n) * stride
    inputs = np.zeros((n, window) + s.shape[1:])
    for i, start in enumerate(starts):
        inputs[i] = s[start:start + window]
    targets = s[starts + window + horizon]
    return inputs, targets
