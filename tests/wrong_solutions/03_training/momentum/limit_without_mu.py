# Wrong: the limit of plain gradient descent, 2 / lambda_max: momentum's mu is left out of the derivation
def momentum_descent(grad, w0, lr, mu, steps):
    """The iterates [w0, w1, ..., w_steps] of v <- mu v - lr grad(w), w <- w + v (v starts at 0), as a list."""
    w = np.array(w0, dtype=float) if isinstance(w0, np.ndarray) else float(w0)
    v = 0.0 * w
    path = [w]
    for _ in range(steps):
        v = mu * v - lr * grad(w)
        w = w + v
        path.append(w)
    return path


def momentum_lr_limit(curvatures, mu):
    """The largest learning rate for which momentum converges on a quadratic with these Hessian eigenvalues."""
    return float(2.0 / np.max(curvatures))
