# Wrong: hard-codes the two-layer GCN (weights[0], weights[1]); one layer fails and a third layer is ignored.
def gcn_forward(A, X, weights, activation):
    """Logits of a GCN: activation(A_hat H W) for every layer but the last, A_hat H W for the last."""
    a_hat = normalized_adjacency(A)
    w1, w2 = np.asarray(weights[0], dtype=float), np.asarray(weights[1], dtype=float)
    h1 = activation(a_hat @ np.asarray(X, dtype=float) @ w1)
    return a_hat @ h1 @ w2
