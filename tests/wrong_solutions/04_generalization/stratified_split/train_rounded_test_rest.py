# Wrong: rounds the training and validation counts and gives the test set the rest
def stratified_split(y, fractions, seed):
    """(train_idx, val_idx, test_idx): each class split on its own, val/test counts rounded half up, sorted."""
    y = np.asarray(y)
    f_train, f_val, _ = fractions
    rng = np.random.default_rng(seed)
    train, val, test = [], [], []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        n_train = int(np.floor(f_train * len(members) + 0.5))
        n_val = int(np.floor(f_val * len(members) + 0.5))
        train.append(members[:n_train])
        val.append(members[n_train:n_train + n_val])
        test.append(members[n_train + n_val:])
    return tuple(np.sort(np.concatenate(part)) for part in (train, val, test))
