# Wrong: squashes the candidate with a sigmoid instead of tanh.
def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One LSTM step, Keras layout (gate columns i, f, c, o): returns (h_t, c_t)."""
    z = (np.asarray(x_t, dtype=float) @ np.asarray(kernel, dtype=float)
         + np.asarray(h_prev, dtype=float) @ np.asarray(recurrent_kernel, dtype=float)
         + np.asarray(bias, dtype=float))
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    sigmoid = lambda v: 1.0 / (1.0 + np.exp(-v))
    c_t = sigmoid(z_f) * np.asarray(c_prev, dtype=float) + sigmoid(z_i) * sigmoid(z_c)
    h_t = sigmoid(z_o) * np.tanh(c_t)
    return h_t, c_t
