# Wrong: sign error in the update, w <- w + lr * grad(w) (gradient ascent)
def gradient_descent(grad, w0, lr, steps):
    """The iterates [w0, w1, ..., w_steps] of w <- w - lr * grad(w), as a list."""
    w = np.array(w0, dtype=float) if isinstance(w0, np.ndarray) else float(w0)
    path = [w]
    for _ in range(steps):
        w = w + lr * grad(w)
        path.append(w)
    return path
