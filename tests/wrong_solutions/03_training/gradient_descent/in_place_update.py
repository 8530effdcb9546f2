# Wrong: updates the array in place (w -= ...), so every list entry is the same array and the caller's w0 changes
def gradient_descent(grad, w0, lr, steps):
    """The iterates [w0, w1, ..., w_steps] of w <- w - lr * grad(w), as a list."""
    w = w0
    path = [w]
    for _ in range(steps):
        w -= lr * grad(w)
        path.append(w)
    return path
