# Wrong: normalises the rows, D~^-1 (A + I) (the mean), instead of symmetrically with D~^-1/2 on both sides.
def normalized_adjacency(A):
    """D~^-1/2 (A + I) D~^-1/2: the GCN propagation matrix of Kipf & Welling, self-loops included."""
    A = np.asarray(A, dtype=float)
    a_tilde = A + np.eye(A.shape[0])
    return a_tilde / a_tilde.sum(axis=1, keepdims=True)
