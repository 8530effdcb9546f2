# Wrong: ignores min_delta, so any decrease at all counts as an improvement
def early_stopping_epoch(val_losses, patience, min_delta=0.0):
    """(stop_epoch, best_epoch), 0-based, for Keras-style early stopping on a recorded validation curve."""
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait == patience:
                return epoch, best_epoch
    return len(val_losses) - 1, best_epoch
