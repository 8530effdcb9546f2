# Wrong: draws the validation and the test members from separate shuffles, so they overlap and miss some indices
def stratified_split(y, fractions, seed):
    """(train_idx, val_idx, test_idx): each class split on its own, val/test counts rounded half up, sorted."""
    y = np.asarray(y)
    _, f_val, f_test = fractions
    rng = np.random.default_rng(seed)
    train, val, test = [], [], []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        n_val = int(np.floor(f_val * len(members) + 0.5))
        n_test = int(np.floor(f_test * len(members) + 0.5))
        val_c = rng.choice(members, n_val, replace=False)
        test_c = rng.choice(members, n_test, replace=False)
        val.append(val_c)
        test.append(test_c)
        train.append(np.setdiff1d(members, np.concatenate([val_c, test_c])))
    return tuple(np.sort(np.concatenate(part)) for part in (train, val, test))
