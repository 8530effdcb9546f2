# Wrong: off by one, the list leaves out the start point w0 (only the steps updated iterates)
def gradient_descent(grad, w0, lr, steps):
    """The iterates [w0, w1, ..., w_steps] of w <- w - lr * grad(w), as a list."""
    w = np.array(w0, dtype=float) if isinstance(w0, np.ndarray) else float(w0)
    path = []
    for _ in range(steps):
        w = w - lr * grad(w)
        path.append(w)
    return path
