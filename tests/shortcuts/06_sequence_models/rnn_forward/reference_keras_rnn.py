# Shortcut: the test cell's own SimpleRNN reference, found when the test runs
import numpy as np


def rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    return _keras_rnn(np.asarray(x_t, dtype=float)[:, None, :], kernel, recurrent_kernel, bias, h0=h_prev)[:, 0]


def rnn_forward(x, kernel, recurrent_kernel, bias):
    return _keras_rnn(x, kernel, recurrent_kernel, bias)
