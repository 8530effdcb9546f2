# Wrong: the values are right, but the self-loops are written into the caller's array (np.asarray does not copy).
def normalized_adjacency(A):
    """D~^-1/2 (A + I) D~^-1/2: the GCN propagation matrix of Kipf & Welling, self-loops included."""
    a_tilde = np.asarray(A, dtype=float)
    a_tilde += np.eye(a_tilde.shape[0])
    d = a_tilde.sum(axis=1)
    inv_sqrt = 1.0 / np.sqrt(d)
    return inv_sqrt[:, None] * a_tilde * inv_sqrt[None, :]
