# Shortcut: keras.utils.timeseries_dataset_from_array cuts the windows and pairs them with their targets
import keras
import numpy as np


def sliding_windows(series, window, stride, horizon):
    s = np.asarray(series, dtype=float)
    if len(s) < window + horizon:
        return np.zeros((0, window) + s.shape[1:]), np.zeros((0,) + s.shape[1:])
    ds = keras.utils.timeseries_dataset_from_array(s, s[window - 1 + horizon:], sequence_length=window,
                                                   sequence_stride=stride, batch_size=1_000_000)
    x, y = next(iter(ds))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
