# Wrong: moves best to every new minimum, even one that is not min_delta better (raising the bar for the next epochs)
def early_stopping_epoch(val_losses, patience, min_delta=0.0):
    """(stop_epoch, best_epoch), 0-based, for Keras-style early stopping on a recorded validation curve."""
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best_epoch, wait = epoch, 0
        else:
            wait += 1
        best = min(best, loss)
        if wait == patience:
            return epoch, best_epoch
    return len(val_losses) - 1, best_epoch
