# Wrong: uses 1 - z^2 (the pre-activation) instead of 1 - tanh(z)^2 for the derivative of tanh
def two_layer_grads(x, y, W1, b1, W2, b2):
    """Gradients of L = (1/N) sum ||tanh(x W1 + b1) W2 + b2 - y||^2 as {"W1", "b1", "W2", "b2"}."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    z1 = x @ W1 + b1
    a1 = np.tanh(z1)
    y_hat = a1 @ W2 + b2
    g_out = 2.0 * (y_hat - y) / x.shape[0]
    g_z1 = (g_out @ W2.T) * (1.0 - z1**2)
    return {"W1": x.T @ g_z1, "b1": g_z1.sum(axis=0), "W2": a1.T @ g_out, "b2": g_out.sum(axis=0)}
