# Shortcut: a Keras Sequential of Dense layers (float64) with the given weights computes the forward pass
import keras


def _activation_name(activation):
    if activation is None:
        return "relu"
    probe = np.array([-1.0, 0.5, 2.0])
    for name, f in (("tanh", np.tanh), ("relu", lambda z: np.maximum(z, 0.0)),
                    ("sigmoid", lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)))):
        if np.allclose(activation(probe), f(probe)):
            return name
    raise ValueError("unknown activation")


def mlp_forward(x, weights, activation=None):
    """Output of a dense network: hidden layers activation(A @ W + b), last layer linear A @ W + b."""
    x = np.asarray(x, dtype=float)
    pairs = list(zip(weights[0::2], weights[1::2]))
    layers = [keras.Input(shape=(x.shape[1],), dtype="float64")]
    for k, (W, _b) in enumerate(pairs):
        last = k == len(pairs) - 1
        layers.append(keras.layers.Dense(np.shape(W)[1], activation=None if last else _activation_name(activation),
                                         dtype="float64"))
    model = keras.Sequential(layers)
    model.set_weights([np.asarray(w, dtype=float) for w in weights])
    return np.asarray(model(x))
