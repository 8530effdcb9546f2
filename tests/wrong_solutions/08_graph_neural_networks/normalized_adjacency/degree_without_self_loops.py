# Wrong: adds the self-loops but takes the degrees from A alone (isolated nodes guarded to degree 1).
def normalized_adjacency(A):
    """D~^-1/2 (A + I) D~^-1/2: the GCN propagation matrix of Kipf & Welling, self-loops included."""
    A = np.asarray(A, dtype=float)
    d = A.sum(axis=1)
    d[d == 0] = 1.0
    inv_sqrt = 1.0 / np.sqrt(d)
    return inv_sqrt[:, None] * (A + np.eye(A.shape[0])) * inv_sqrt[None, :]
