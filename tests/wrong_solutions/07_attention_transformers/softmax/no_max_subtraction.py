# Wrong: exponentiates the raw scores without subtracting the maximum, so exp(1000) overflows to inf and gives nan.
def softmax(x, axis=-1):
    """Softmax of x along axis, shifted by each slice's maximum so that exp never overflows."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)
