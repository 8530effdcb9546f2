# Wrong: ignores the stride argument and always moves the window by its size.
def max_pool2d(x, size=2, stride=None):
    """Max over size x size windows moved by stride (default: size); windows must fit inside x."""
    x = np.asarray(x, dtype=float)
    oh = x.shape[0] // size
    ow = x.shape[1] // size
    out = np.empty((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = x[i * size:(i + 1) * size, j * size:(j + 1) * size].max()
    return out
