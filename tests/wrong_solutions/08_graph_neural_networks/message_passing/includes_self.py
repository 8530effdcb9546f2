# Wrong: adds self-loops (A + I), so every node's own state is part of its sum and mean.
def message_passing(A, H, aggregate="sum"):
    """Sum or mean of the neighbours' states h_j over j in N(i) for every node i (zeros without neighbours)."""
    A = np.asarray(A, dtype=float) + np.eye(len(A))
    H = np.asarray(H, dtype=float)
    summed = A @ H
    if aggregate == "sum":
        return summed
    if aggregate == "mean":
        return summed / A.sum(axis=1, keepdims=True)
    raise ValueError(f"aggregate must be 'sum' or 'mean', got {aggregate!r}")
