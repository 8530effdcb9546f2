# Wrong: propagates with D^-1/2 A D^-1/2 (no self-loops), so a node ignores its own features.
def gcn_forward(A, X, weights, activation):
    """Logits of a GCN: activation(A_hat H W) for every layer but the last, A_hat H W for the last."""
    A = np.asarray(A, dtype=float)
    d = A.sum(axis=1)
    inv_sqrt = np.where(d > 0, 1.0 / np.sqrt(np.where(d > 0, d, 1.0)), 0.0)
    a_norm = inv_sqrt[:, None] * A * inv_sqrt[None, :]
    h = np.asarray(X, dtype=float)
    for layer, w in enumerate(weights):
        h = a_norm @ h @ np.asarray(w, dtype=float)
        if layer < len(weights) - 1:
            h = activation(h)
    return h
