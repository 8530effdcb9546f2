# Wrong: takes -log p of the arg-max label only, which ignores soft labels, and clips only from below
def rmse(y, y_hat):
    """Root mean squared error over all entries of two same-shaped arrays, as a float."""
    y = np.asarray(y, dtype=float)
    y_hat = np.asarray(y_hat, dtype=float)
    return float(np.sqrt(np.mean((y_hat - y) ** 2)))


def categorical_cross_entropy(y_onehot, p, eps=1e-7):
    """Mean over examples of -sum_k y_k log p_k, with p clipped into [eps, 1 - eps], as a float."""
    y_onehot = np.asarray(y_onehot, dtype=float)
    p = np.maximum(np.asarray(p, dtype=float), eps)
    true = np.argmax(y_onehot, axis=1)
    return float(np.mean(-np.log(p[np.arange(len(p)), true])))
