# Wrong: normalises by the sum over the whole array instead of along axis (and subtracts the global maximum).
def softmax(x, axis=-1):
    """Softmax of x along axis, shifted by each slice's maximum so that exp never overflows."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x))
    return e / np.sum(e)
