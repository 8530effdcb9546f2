# Wrong: uses the column index j in the exponent (10000**(j/d)), so a cosine column has a different frequency from its sine.
def positional_encoding(length, d_model):
    """The (length, d_model) sinusoidal position encoding: sin in even columns, cos in odd ones."""
    positions = np.arange(length)[:, None]
    columns = np.arange(d_model)[None, :]
    angles = positions / 10000.0 ** (columns / d_model)
    return np.where(columns % 2 == 0, np.sin(angles), np.cos(angles))
