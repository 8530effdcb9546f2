# Wrong: applies the weight matrices in reverse order (last layer's matrix first).
def gcn_forward(A, X, weights, activation):
    """Logits of a GCN: activation(A_hat H W) for every layer but the last, A_hat H W for the last."""
    a_hat = normalized_adjacency(A)
    h = np.asarray(X, dtype=float)
    weights = list(weights)[::-1]
    for layer, w in enumerate(weights):
        h = a_hat @ h @ np.asarray(w, dtype=float)
        if layer < len(weights) - 1:
            h = activation(h)
    return h
