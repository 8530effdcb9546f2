# Wrong: sums the squared errors instead of averaging them (data term n times too large against the penalty)
def l2_loss_and_grad(w, X, y, lam):
    """Mean squared error of w[0] + X @ w[1:] plus lam * sum(w[1:]**2), and its gradient (bias not penalised)."""
    w, X, y = np.asarray(w, dtype=float), np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    r = w[0] + X @ w[1:] - y
    loss = float(np.sum(r ** 2) + lam * np.sum(w[1:] ** 2))
    grad = np.r_[2.0 * np.sum(r), 2.0 * (X.T @ r) + 2.0 * lam * w[1:]]
    return loss, grad
