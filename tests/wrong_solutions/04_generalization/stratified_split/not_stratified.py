# Wrong: shuffles all indices together and cuts by the overall counts, so class shares vary (not stratified)
def stratified_split(y, fractions, seed):
    """(train_idx, val_idx, test_idx): each class split on its own, val/test counts rounded half up, sorted."""
    y = np.asarray(y)
    _, f_val, f_test = fractions
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    n_val = int(np.floor(f_val * len(y) + 0.5))
    n_test = int(np.floor(f_test * len(y) + 0.5))
    val, test, train = order[:n_val], order[n_val:n_val + n_test], order[n_val + n_test:]
    return np.sort(train), np.sort(val), np.sort(test)
