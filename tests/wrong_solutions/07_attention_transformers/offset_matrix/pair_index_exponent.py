# Wrong: uses the pair index i instead of 2i in the frequency's exponent (10000**(i/d)), so the slow pairs rotate too fast.
def offset_matrix(k, d_model):
    """The (d_model, d_model) matrix M with PE(p) @ M = PE(p - k) for every position p (d_model even)."""
    m = np.zeros((d_model, d_model))
    for i in range(d_model // 2):
        angle = k / 10000.0 ** (i / d_model)
        c, s = np.cos(angle), np.sin(angle)
        m[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[c, s], [-s, c]]
    return m
