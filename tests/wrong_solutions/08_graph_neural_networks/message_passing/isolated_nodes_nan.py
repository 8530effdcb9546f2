# Wrong: divides by the degree without a guard, so an isolated node's mean is nan (0 / 0) instead of zeros.
def message_passing(A, H, aggregate="sum"):
    """Sum or mean of the neighbours' states h_j over j in N(i) for every node i (zeros without neighbours)."""
    A = np.asarray(A, dtype=float)
    H = np.asarray(H, dtype=float)
    summed = A @ H
    if aggregate == "sum":
        return summed
    if aggregate == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            return summed / A.sum(axis=1, keepdims=True)
    raise ValueError(f"aggregate must be 'sum' or 'mean', got {aggregate!r}")
