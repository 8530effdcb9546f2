# Wrong: visits the examples from last to first instead of in their given order
def perceptron_train(X, y, lr=1.0, epochs=10):
    """Mistake-driven perceptron from w = 0, b = 0, examples in order; return (w, b)."""
    X = np.asarray(X, dtype=float)
    w = np.zeros(X.shape[1])
    b = 0.0
    for _ in range(epochs):
        for xi, yi in zip(X[::-1], np.asarray(y)[::-1]):
            if yi * (xi @ w + b) <= 0:
                w = w + lr * yi * xi
                b = b + lr * yi
    return w, b


def perceptron_predict(X, w, b):
    """Labels in {-1, +1}: +1 where X @ w + b >= 0, else -1."""
    return np.where(np.asarray(X, dtype=float) @ w + b >= 0, 1, -1)
