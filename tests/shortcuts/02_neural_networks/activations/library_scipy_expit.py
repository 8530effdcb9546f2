# Shortcut: SciPy's expit is the sigmoid, overflow-safe, in one call
from scipy.special import expit


def sigmoid(x):
    """Logistic function 1 / (1 + e^-x), elementwise, without overflow for any float x."""
    return expit(np.asarray(x, dtype=float))


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
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def leaky_relu(x, alpha=0.2):
    """x where x > 0, alpha * x elsewhere."""
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * x)


def elu(x, alpha=1.0):
    """x where x > 0, alpha * (e^x - 1) elsewhere, without overflow."""
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_derivative(x, alpha=1.0):
    """1 where x > 0, alpha * e^x elsewhere (alpha at x = 0), without overflow."""
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))
