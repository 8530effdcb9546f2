# Wrong: lays the code out as all sines, then all cosines, so each block couples the wrong columns.
def offset_matrix(k, d_model):
    """The (d_model, d_model) matrix M with PE(p) @ M = PE(p - k) for every position p (d_model even)."""
    half = d_model // 2
    m = np.zeros((d_model, d_model))
    for i in range(half):
        angle = k / 10000.0 ** (2 * i / d_model)
        c, s = np.cos(angle), np.sin(angle)
        m[i, i], m[i, half + i], m[half + i, i], m[half + i, half + i] = c, s, -s, c
    return m
