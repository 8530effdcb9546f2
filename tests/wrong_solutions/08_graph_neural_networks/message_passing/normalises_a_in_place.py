# Wrong: the values are right, but the mean divides the caller's A by its row sums in place (np.asarray does not copy).
def message_passing(A, H, aggregate="sum"):
    """Sum or mean of the neighbours' states h_j over j in N(i) for every node i (zeros without neighbours)."""
    A = np.asarray(A, dtype=float)
    H = np.asarray(H, dtype=float)
    if aggregate == "sum":
        return A @ H
    if aggregate == "mean":
        counts = A.sum(axis=1, keepdims=True)
        np.divide(A, counts, out=A, where=counts > 0)
        return A @ H
    raise ValueError(f"aggregate must be 'sum' or 'mean', got {aggregate!r}")
