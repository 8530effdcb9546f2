# Wrong: subtracts the maximum of the whole array, not of each slice, so a slice far below it underflows to 0 / 0.
def softmax(x, axis=-1):
    """Softmax of x along axis, shifted by each slice's maximum so that exp never overflows."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=axis, keepdims=True)
