# Wrong: moves w with the old velocity before updating it, so the first step does not move at all
def momentum_descent(grad, w0, lr, mu, steps):
    """The iterates [w0, w1, ..., w_steps] of v <- mu v - lr grad(w), w <- w + v (v starts at 0), as a list."""
    w = np.array(w0, dtype=float) if isinstance(w0, np.ndarray) else float(w0)
    v = 0.0 * w
    path = [w]
    for _ in range(steps):
        w = w + v
        v = mu * v - lr * grad(w)
        path.append(w)
    return path


def momentum_lr_limit(curvatures, mu):
    """The largest learning rate for which momentum converges on a quadratic with these Hessian eigenvalues."""
    return float(2.0 * (1.0 + mu) / np.max(curvatures))
