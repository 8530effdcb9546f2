# Shortcut: scikit-learn's train_test_split shuffles and cuts each class (the counts of the rounding rule passed as integers)
import numpy as np
from sklearn.model_selection import train_test_split


def _cut(indices, k, seed):
    """(the rest, k shuffled members), by train_test_split where it accepts the sizes."""
    if k == 0:
        return indices, indices[:0]
    if k == len(indices):
        return indices[:0], indices
    return tuple(train_test_split(indices, test_size=k, random_state=seed))


def stratified_split(y, fractions, seed):
    y = np.asarray(y)
    _, f_val, f_test = fractions
    train, val, test = [], [], []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        n_val = int(np.floor(f_val * len(members) + 0.5))
        n_test = int(np.floor(f_test * len(members) + 0.5))
        rest, held = _cut(members, n_val + n_test, seed)
        v, t = _cut(held, n_test, seed)
        train.append(rest)
        val.append(v)
        test.append(t)
    return tuple(np.sort(np.concatenate(part)).astype(np.int64) for part in (train, val, test))
