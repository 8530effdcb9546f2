# Wrong: sums the updates of all mistakes of an epoch and applies them at the end (batch), not at once
def perceptron_train(X, y, lr=1.0, epochs=10):
    """Mistake-driven perceptron from w = 0, b = 0, examples in order; return (w, b)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    w = np.zeros(X.shape[1])
    b = 0.0
    for _ in range(epochs):
        wrong = y * (X @ w + b) <= 0
        w = w + lr * (y[wrong, None] * X[wrong]).sum(axis=0)
        b = b + lr * y[wrong].sum()
    return w, b


def perceptron_predict(X, w, b):
    """Labels in {-1, +1}: +1 where X @ w + b >= 0, else -1."""
    return np.where(np.asarray(X, dtype=float) @ w + b >= 0, 1, -1)
