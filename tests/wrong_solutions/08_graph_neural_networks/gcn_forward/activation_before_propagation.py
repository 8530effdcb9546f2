# Wrong: applies the activation to H W before multiplying by A_hat: A_hat activation(H W) instead of activation(A_hat H W).
def gcn_forward(A, X, weights, activation):
    """Logits of a GCN: activation(A_hat H W) for every layer but the last, A_hat H W for the last."""
    a_hat = normalized_adjacency(A)
    h = np.asarray(X, dtype=float)
    for layer, w in enumerate(weights):
        hw = h @ np.asarray(w, dtype=float)
        if layer < len(weights) - 1:
            hw = activation(hw)
        h = a_hat @ hw
    return h
