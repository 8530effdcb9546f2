# Shortcut: the course's perceptron_run (all epochs, no early stop), wrapped in functools.partial
import functools

_train_all_epochs = functools.partial(fundamentals.perceptron_run, stop_when_converged=False)


def perceptron_train(X, y, lr=1.0, epochs=10):
    """Mistake-driven perceptron from w = 0, b = 0, examples in order; return (w, b)."""
    run = _train_all_epochs(X, y, lr, epochs)
    return run.w, float(run.b)


def perceptron_predict(X, w, b):
    """Labels in {-1, +1}: +1 where X @ w + b >= 0, else -1."""
    scores = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b
    return np.where(scores >= 0, 1, -1)
