# Wrong: always normalises along the last axis, whatever axis is asked for.
def softmax(x, axis=-1):
    """Softmax of x along axis, shifted by each slice's maximum so that exp never overflows."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
