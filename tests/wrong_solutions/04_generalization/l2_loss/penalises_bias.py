# Wrong: penalises the bias too (lam * sum(w**2) over all of w, including w[0])
def l2_loss_and_grad(w, X, y, lam):
    """Mean squared error of w[0] + X @ w[1:] plus lam * sum(w[1:]**2), and its gradient (bias not penalised)."""
    w, X, y = np.asarray(w, dtype=float), np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    r = w[0] + X @ w[1:] - y
    loss = float(np.mean(r ** 2) + lam * np.sum(w ** 2))
    grad = np.r_[2.0 * np.mean(r), 2.0 / len(y) * (X.T @ r)] + 2.0 * lam * w
    return loss, grad
