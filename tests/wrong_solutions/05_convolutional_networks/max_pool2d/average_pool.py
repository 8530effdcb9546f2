# Wrong: averages each window instead of taking its maximum.
def max_pool2d(x, size=2, stride=None):
    """Max over size x size windows moved by stride (default: size); windows must fit inside x."""
    x = np.asarray(x, dtype=float)
    if stride is None:
        stride = size
    oh = (x.shape[0] - size) // stride + 1
    ow = (x.shape[1] - size) // stride + 1
    out = np.empty((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = x[i * stride:i * stride + size, j * stride:j * stride + size].mean()
    return out
