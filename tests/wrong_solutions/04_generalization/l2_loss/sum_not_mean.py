# Wrong: sums the squared errors instead of averaging them (data term n times too large against the penalty)
def l2_loss_and_grad(w, X, y, lam, w_prior):
    """Mean squared error of w[0] + X @ w[1:] plus lam * sum((w[1:] - w_prior)**2), and its gradient."""
    w, X, y = np.asarray(w, dtype=float), np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    shift = w[1:] - np.asarray(w_prior, dtype=float)
    r = w[0] + X @ w[1:] - y
    loss = float(np.sum(r ** 2) + lam * np.sum(shift ** 2))
    grad = np.r_[2.0 * np.sum(r), 2.0 * (X.T @ r) + 2.0 * lam * shift]
    return loss, grad
