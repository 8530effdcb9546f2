# Wrong: puts the cosines in the even columns and the sines in the odd ones.
def positional_encoding(length, d_model):
    """The (length, d_model) sinusoidal position encoding: sin in even columns, cos in odd ones."""
    positions = np.arange(length)[:, None]
    even = np.arange(0, d_model, 2)[None, :]
    angles = positions / 10000.0 ** (even / d_model)
    pe = np.zeros((length, d_model))
    pe[:, 0::2] = np.cos(angles)
    pe[:, 1::2] = np.sin(angles[:, : d_model // 2])
    return pe
