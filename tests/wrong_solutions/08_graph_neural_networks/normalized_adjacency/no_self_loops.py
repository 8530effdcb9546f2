# Wrong: forgets the self-loops: D^-1/2 A D^-1/2 (isolated nodes guarded to 0 so nothing is nan).
def normalized_adjacency(A):
    """D~^-1/2 (A + I) D~^-1/2: the GCN propagation matrix of Kipf & Welling, self-loops included."""
    A = np.asarray(A, dtype=float)
    d = A.sum(axis=1)
    inv_sqrt = np.where(d > 0, 1.0 / np.sqrt(np.where(d > 0, d, 1.0)), 0.0)
    return inv_sqrt[:, None] * A * inv_sqrt[None, :]
