# Wrong: puts all the sines in the first half of the columns and all the cosines in the second half.
def positional_encoding(length, d_model):
    """The (length, d_model) sinusoidal position encoding: sin in even columns, cos in odd ones."""
    positions = np.arange(length)[:, None]
    even = np.arange(0, d_model, 2)[None, :]
    angles = positions / 10000.0 ** (even / d_model)
    return np.concatenate([np.sin(angles), np.cos(angles[:, : d_model // 2])], axis=1)
