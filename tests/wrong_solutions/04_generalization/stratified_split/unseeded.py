# Wrong: shuffles with NumPy's global generator and ignores the seed, so the split is not reproducible
def stratified_split(y, fractions, seed):
    """(train_idx, val_idx, test_idx): each class split on its own, val/test counts rounded half up, sorted."""
    y = np.asarray(y)
    _, f_val, f_test = fractions
    train, val, test = [], [], []
    for c in np.unique(y):
        members = np.random.permutation(np.flatnonzero(y == c))
        n_val = int(np.floor(f_val * len(members) + 0.5))
        n_test = int(np.floor(f_test * len(members) + 0.5))
        val.append(members[:n_val])
        test.append(members[n_val:n_val + n_test])
        train.append(members[n_val + n_test:])
    return tuple(np.sort(np.concatenate(part)) for part in (train, val, test))
