# Wrong: divides by the column sums of A (how many receive from i) instead of the row sums (how many i receives from).
def message_passing(A, H, aggregate="sum"):
    """Sum or mean of the neighbours' states h_j over j in N(i) for every node i (zeros without neighbours)."""
    A = np.asarray(A, dtype=float)
    H = np.asarray(H, dtype=float)
    summed = A @ H
    if aggregate == "sum":
        return summed
    if aggregate == "mean":
        counts = A.sum(axis=0)[:, None]
        return np.divide(summed, counts, out=np.zeros_like(summed), where=counts > 0)
    raise ValueError(f"aggregate must be 'sum' or 'mean', got {aggregate!r}")
