# Wrong: uses w += lr*(y - y_hat)*x with y_hat(0) = +1: doubled steps, and a score of 0 is not a mistake for y = +1
def perceptron_train(X, y, lr=1.0, epochs=10):
    """Mistake-driven perceptron from w = 0, b = 0, examples in order; return (w, b)."""
    X = np.asarray(X, dtype=float)
    w = np.zeros(X.shape[1])
    b = 0.0
    for _ in range(epochs):
        for xi, yi in zip(X, y):
            y_hat = 1 if xi @ w + b >= 0 else -1
            w = w + lr * (yi - y_hat) * xi
            b = b + lr * (yi - y_hat)
    return w, b


def perceptron_predict(X, w, b):
    """Labels in {-1, +1}: +1 where X @ w + b >= 0, else -1."""
    return np.where(np.asarray(X, dtype=float) @ w + b >= 0, 1, -1)
