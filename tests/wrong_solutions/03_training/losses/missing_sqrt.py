# Wrong: rmse forgets the square root and returns the mean squared error
def rmse(y, y_hat):
    """Root mean squared error over all entries of two same-shaped arrays, as a float."""
    y = np.asarray(y, dtype=float)
    y_hat = np.asarray(y_hat, dtype=float)
    return float(np.mean((y_hat - y) ** 2))


def categorical_cross_entropy(y_onehot, p, eps=1e-7):
    """Mean over examples of -sum_k y_k log p_k, with p clipped into [eps, 1 - eps], as a float."""
    y_onehot = np.asarray(y_onehot, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    return float(np.mean(-np.sum(y_onehot * np.log(p), axis=1)))
