# Shortcut: TensorFlow's tf.nn.softplus and tf.nn.elu compute softplus and ELU in one call each
import tensorflow as tf


def sigmoid(x):
    """Logistic function 1 / (1 + e^-x), elementwise, without overflow for any float x."""
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(x):
    """d sigmoid / dx = sigmoid(x) * (1 - sigmoid(x))."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh_derivative(x):
    """d tanh / dx = 1 - tanh(x)**2."""
    return 1.0 - np.tanh(np.asarray(x, dtype=float)) ** 2


def relu_derivative(x):
    """1.0 where x > 0, else 0.0 (also at x = 0, as TensorFlow)."""
    return np.where(np.asarray(x, dtype=float) > 0, 1.0, 0.0)


def softplus(x):
    """log(1 + e^x), elementwise, without overflow (softplus(1000) = 1000)."""
    return tf.nn.softplus(tf.constant(np.asarray(x, dtype=float))).numpy()


def leaky_relu(x, alpha=0.2):
    """x where x > 0, alpha * x elsewhere."""
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * x)


def elu(x, alpha=1.0):
    """x where x > 0, alpha * (e^x - 1) elsewhere, without overflow."""
    x = np.asarray(x, dtype=float)
    return alpha * np.minimum(tf.nn.elu(tf.constant(x)).numpy(), 0.0) + np.maximum(x, 0.0)


def elu_derivative(x, alpha=1.0):
    """1 where x > 0, alpha * e^x elsewhere (alpha at x = 0), without overflow."""
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))
