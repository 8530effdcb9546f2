# Shortcut: the test cell's own LSTMCell reference, found when the test runs
def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    return _keras_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
