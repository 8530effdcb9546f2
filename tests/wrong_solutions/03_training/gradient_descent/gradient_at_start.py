# Wrong: evaluates the gradient once at w0 and keeps taking that same step
def gradient_descent(grad, w0, lr, steps):
    """The iterates [w0, w1, ..., w_steps] of w <- w - lr * grad(w), as a list."""
    w = np.array(w0, dtype=float) if isinstance(w0, np.ndarray) else float(w0)
    g = grad(w)
    path = [w]
    for _ in range(steps):
        w = w - lr * g
        path.append(w)
    return path
