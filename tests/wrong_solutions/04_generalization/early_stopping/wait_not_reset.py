# Wrong: counts all epochs without improvement instead of consecutive ones (never resets the counter)
def early_stopping_epoch(val_losses, patience, min_delta=0.0):
    """(stop_epoch, best_epoch), 0-based, for Keras-style early stopping on a recorded validation curve."""
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best - min_delta:
            best, best_epoch = loss, epoch
        else:
            wait += 1
            if wait == patience:
                return epoch, best_epoch
    return len(val_losses) - 1, best_epoch
