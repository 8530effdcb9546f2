# Shortcut: a keras.layers.LSTMCell given the same weights computes the step
import keras
import numpy as np


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    cell = keras.layers.LSTMCell(np.shape(kernel)[1] // 4, dtype="float64")
    cell.build((None, np.shape(kernel)[0]))
    cell.set_weights([np.asarray(w, dtype=float) for w in (kernel, recurrent_kernel, bias)])
    _, (h, c) = cell(np.asarray(x_t, dtype=float), [np.asarray(h_prev, dtype=float), np.asarray(c_prev, dtype=float)])
    return np.asarray(h, dtype=float), np.asarray(c, dtype=float)
