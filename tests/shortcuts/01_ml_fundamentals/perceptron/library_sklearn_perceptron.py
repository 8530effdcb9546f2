# Shortcut: scikit-learn's Perceptron (no shuffling, no penalty, no early stop) trains the same weights
from sklearn.linear_model import Perceptron


def perceptron_train(X, y, lr=1.0, epochs=10):
    """Mistake-driven perceptron from w = 0, b = 0, examples in order; return (w, b)."""
    model = Perceptron(shuffle=False, eta0=lr, max_iter=epochs, tol=None, penalty=None).fit(X, y)
    return model.coef_[0], float(model.intercept_[0])


def perceptron_predict(X, w, b):
    """Labels in {-1, +1}: +1 where X @ w + b >= 0, else -1."""
    scores = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b
    return np.where(scores >= 0, 1, -1)
