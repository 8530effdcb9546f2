# Wrong: stops patience epochs after the overall minimum seen so far, ignoring min_delta and strictness
def early_stopping_epoch(val_losses, patience, min_delta=0.0):
    """(stop_epoch, best_epoch), 0-based, for Keras-style early stopping on a recorded validation curve."""
    losses = np.asarray(val_losses, dtype=float)
    for epoch in range(len(losses)):
        best_epoch = int(np.argmin(losses[:epoch + 1]))
        if epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(losses) - 1, int(np.argmin(losses))
