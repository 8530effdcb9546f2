# Wrong: updates the array in place (w += v), so every list entry is the same array and the caller's w0 changes
def momentum_descent(grad, w0, lr, mu, steps):
    """The iterates [w0, w1, ..., w_steps] of v <- mu v - lr grad(w), w <- w + v (v starts at 0), as a list."""
    w = w0
    v = 0.0 * w
    path = [w]
    for _ in range(steps):
        v = mu * v - lr * grad(w)
        w += v
        path.append(w)
    return path


def momentum_lr_limit(curvatures, mu):
    """The largest learning rate for which momentum converges on a quadratic with these Hessian eigenvalues."""
    return float(2.0 * (1.0 + mu) / np.max(curvatures))
