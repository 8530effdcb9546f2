# Wrong: ignores the biases
def mlp_forward(x, weights, activation=None):
    """Output of a dense network: hidden layers activation(A @ W + b), last layer linear A @ W + b."""
    if activation is None:
        activation = lambda z: np.maximum(z, 0.0)
    layers = list(zip(weights[0::2], weights[1::2]))
    a = np.asarray(x, dtype=float)
    for W, b in layers[:-1]:
        a = activation(a @ np.asarray(W, dtype=float))
    W, b = layers[-1]
    return a @ np.asarray(W, dtype=float)
