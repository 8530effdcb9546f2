# Shortcut: keras.callbacks.EarlyStopping replayed on the recorded losses
import types

import keras


def early_stopping_epoch(val_losses, patience, min_delta=0.0):
    cb = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, min_delta=min_delta, mode="min")
    model = types.SimpleNamespace(stop_training=False)
    cb.set_model(model)
    cb.on_train_begin()
    for epoch, loss in enumerate(val_losses):
        cb.on_epoch_end(epoch, {"val_loss": float(loss)})
        if model.stop_training:
            return epoch, int(cb.best_epoch)
    return len(val_losses) - 1, int(cb.best_epoch)
