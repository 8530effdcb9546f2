# Wrong: when no window fits it returns two flat empty arrays instead of shapes (0, window[, F]) and (0[, F]).
def sliding_windows(series, window, stride, horizon):
    """Inputs (n, window[, F]) and targets (n[, F]): window i starts at i*stride, its target lies horizon steps after its end."""
    s = np.asarray(series, dtype=float)
    n = (len(s) - window - horizon) // stride + 1
    if n <= 0:
        return np.array([]), np.array([])
    inputs = np.array([s[i * stride:i * stride + window] for i in range(n)])
    targets = np.array([s[i * stride + window - 1 + horizon] for i in range(n)])
    return inputs, targets
