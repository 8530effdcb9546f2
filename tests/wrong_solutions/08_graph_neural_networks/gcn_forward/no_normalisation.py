# Wrong: propagates with A + I without the symmetric degree normalisation.
def gcn_forward(A, X, weights, activation):
    """Logits of a GCN: activation(A_hat H W) for every layer but the last, A_hat H W for the last."""
    A = np.asarray(A, dtype=float)
    a_tilde = A + np.eye(A.shape[0])
    h = np.asarray(X, dtype=float)
    for layer, w in enumerate(weights):
        h = a_tilde @ h @ np.asarray(w, dtype=float)
        if layer < len(weights) - 1:
            h = activation(h)
    return h
