# Wrong: uses the pair index i instead of 2i in the exponent (10000**(i/d)), so the frequencies decay too slowly.
def positional_encoding(length, d_model):
    """The (length, d_model) sinusoidal position encoding: sin in even columns, cos in odd ones."""
    positions = np.arange(length)[:, None]
    i = np.arange(0, d_model, 2)[None, :] // 2
    angles = positions / 10000.0 ** (i / d_model)
    pe = np.zeros((length, d_model))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return pe
