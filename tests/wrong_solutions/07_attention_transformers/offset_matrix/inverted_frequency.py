# Wrong: multiplies k by 10000**(2i/d) instead of dividing, so every pair but the first spins far too fast.
def offset_matrix(k, d_model):
    """The (d_model, d_model) matrix M with PE(p) @ M = PE(p - k) for every position p (d_model even)."""
    m = np.zeros((d_model, d_model))
    for two_i in range(0, d_model, 2):
        angle = k * 10000.0 ** (two_i / d_model)
        c, s = np.cos(angle), np.sin(angle)
        m[two_i:two_i + 2, two_i:two_i + 2] = [[c, s], [-s, c]]
    return m
