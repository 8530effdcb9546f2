# Wrong: drops the factor 2 of the squared error's derivative, (1/n) X^T r instead of (2/n) X^T r
def l2_loss_and_grad(w, X, y, lam):
    """Mean squared error of w[0] + X @ w[1:] plus lam * sum(w[1:]**2), and its gradient (bias not penalised)."""
    w, X, y = np.asarray(w, dtype=float), np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    r = w[0] + X @ w[1:] - y
    loss = float(np.mean(r ** 2) + lam * np.sum(w[1:] ** 2))
    grad = np.r_[np.mean(r), (X.T @ r) / len(y) + 2.0 * lam * w[1:]]
    return loss, grad
