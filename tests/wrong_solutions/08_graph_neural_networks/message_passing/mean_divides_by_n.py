# Wrong: the mean divides the neighbours' sum by the number of nodes n instead of the node's number of neighbours.
def message_passing(A, H, aggregate="sum"):
    """Sum or mean of the neighbours' states h_j over j in N(i) for every node i (zeros without neighbours)."""
    A = np.asarray(A, dtype=float)
    H = np.asarray(H, dtype=float)
    summed = A @ H
    if aggregate == "sum":
        return summed
    if aggregate == "mean":
        return summed / A.shape[0]
    raise ValueError(f"aggregate must be 'sum' or 'mean', got {aggregate!r}")
