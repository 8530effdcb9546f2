# Wrong: reports epochs counted from 1, as Keras prints them, instead of 0-based indices
def early_stopping_epoch(val_losses, patience, min_delta=0.0):
    """(stop_epoch, best_epoch), 0-based, for Keras-style early stopping on a recorded validation curve."""
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait == patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch
