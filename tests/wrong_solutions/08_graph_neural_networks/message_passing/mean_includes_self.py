# Wrong: the sum is right, but the mean averages over the node and its neighbours (divides (A + I) H by d + 1).
def message_passing(A, H, aggregate="sum"):
    """Sum or mean of the neighbours' states h_j over j in N(i) for every node i (zeros without neighbours)."""
    A = np.asarray(A, dtype=float)
    H = np.asarray(H, dtype=float)
    if aggregate == "sum":
        return A @ H
    if aggregate == "mean":
        return (A + np.eye(len(A))) @ H / (A.sum(axis=1, keepdims=True) + 1)
    raise ValueError(f"aggregate must be 'sum' or 'mean', got {aggregate!r}")
