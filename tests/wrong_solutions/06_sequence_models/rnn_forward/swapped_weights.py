# Wrong: the kernel multiplies the previous state and the recurrent kernel the input (W_xh and W_hh swapped).
def rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    """One step of a simple RNN in Keras's layout: tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)."""
    x_t, h_prev = np.asarray(x_t, dtype=float), np.asarray(h_prev, dtype=float)
    return np.tanh(h_prev @ np.asarray(kernel, dtype=float) + x_t @ np.asarray(recurrent_kernel, dtype=float)
                   + np.asarray(bias, dtype=float))


def rnn_forward(x, kernel, recurrent_kernel, bias):
    """All hidden states (batch, T, U) of a simple RNN over x (batch, T, F), starting from h_0 = 0."""
    x = np.asarray(x, dtype=float)
    batch, steps, _ = x.shape
    h = np.zeros((batch, np.shape(kernel)[1]))
    states = np.zeros((batch, steps, h.shape[1]))
    for t in range(steps):
        h = rnn_step(x[:, t], h, kernel, recurrent_kernel, bias)
        states[:, t] = h
    return states
