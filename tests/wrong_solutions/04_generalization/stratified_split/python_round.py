# Wrong: uses Python's round(), which rounds halves to even (2.5 -> 2), instead of rounding half up
def stratified_split(y, fractions, seed):
    """(train_idx, val_idx, test_idx): each class split on its own, val/test counts rounded half up, sorted."""
    y = np.asarray(y)
    _, f_val, f_test = fractions
    rng = np.random.default_rng(seed)
    train, val, test = [], [], []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        n_val = round(f_val * len(members))
        n_test = round(f_test * len(members))
        val.append(members[:n_val])
        test.append(members[n_val:n_val + n_test])
        train.append(members[n_val + n_test:])
    return tuple(np.sort(np.concatenate(part)) for part in (train, val, test))
