# Wrong: applies the activation after the last layer too, so the logits are squashed (ReLU zeros, tanh bounds).
def gcn_forward(A, X, weights, activation):
    """Logits of a GCN: activation(A_hat H W) for every layer but the last, A_hat H W for the last."""
    a_hat = normalized_adjacency(A)
    h = np.asarray(X, dtype=float)
    for w in weights:
        h = activation(a_hat @ h @ np.asarray(w, dtype=float))
    return h
