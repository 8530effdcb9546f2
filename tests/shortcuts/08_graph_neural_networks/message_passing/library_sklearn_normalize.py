# Shortcut: scikit-learn's normalize (norm="l1") turns A into the averaging matrix; rows of zeros stay zeros
import numpy as np
from sklearn.preprocessing import normalize


def message_passing(A, H, aggregate="sum"):
    A = np.asarray(A, dtype=float)
    H = np.asarray(H, dtype=float)
    if aggregate == "sum":
        return A @ H
    if aggregate == "mean":
        return normalize(A, norm="l1") @ H
    raise ValueError(f"aggregate must be 'sum' or 'mean', got {aggregate!r}")
