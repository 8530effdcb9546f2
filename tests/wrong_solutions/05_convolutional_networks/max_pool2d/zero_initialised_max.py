# Wrong: starts each running maximum at 0, so windows of negative values give 0.
def max_pool2d(x, size=2, stride=None):
    """Max over size x size windows moved by stride (default: size); windows must fit inside x."""
    x = np.asarray(x, dtype=float)
    if stride is None:
        stride = size
    oh = (x.shape[0] - size) // stride + 1
    ow = (x.shape[1] - size) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            best = 0.0
            for v in x[i * stride:i * stride + size, j * stride:j * stride + size].ravel():
                if v > best:
                    best = v
            out[i, j] = best
    return out
