"""course.widgets.activations: values and gradients against TensorFlow, saturation regions, the widget."""

from __future__ import annotations

import base64
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from course.widgets import activations as A  # noqa: E402

X = np.concatenate([np.linspace(-8.0, 8.0, 161), [0.0, -1e-3, 1e-3, -30.0, 30.0]])
ALPHAS = (0.0, 0.1, 0.2, 0.5, 1.0, 1.7)


def tf_function(name: str, alpha: float | None):
    """The TensorFlow / Keras reference for each activation (alpha where it takes one)."""
    refs = {
        "sigmoid": [tf.nn.sigmoid, keras.activations.sigmoid],
        "tanh": [tf.nn.tanh, keras.activations.tanh],
        "relu": [tf.nn.relu, keras.activations.relu],
        "softplus": [tf.nn.softplus, keras.activations.softplus],
        "linear": [tf.identity, keras.activations.linear],
    }
    if name == "leaky_relu":
        a = 0.2 if alpha is None else alpha
        return [lambda t: tf.nn.leaky_relu(t, alpha=a), lambda t: keras.activations.leaky_relu(t, negative_slope=a)]
    if name == "elu":
        a = 1.0 if alpha is None else alpha
        out = [lambda t: keras.activations.elu(t, alpha=a)]
        return out + [tf.nn.elu] if a == 1.0 else out
    return refs[name]


CASES = [(n, None) for n in A.ACTIVATIONS] + [(n, a) for n in ("leaky_relu", "elu") for a in ALPHAS]


@pytest.mark.parametrize("name,alpha", CASES)
def test_values_match_tensorflow_and_keras(name, alpha) -> None:
    ours = A.activation(name, X, alpha)
    for ref in tf_function(name, alpha):
        # rtol 1e-7: tf.nn.leaky_relu keeps its alpha as a float32 attribute (0.2 -> 0.2000000030)
        np.testing.assert_allclose(ours, ref(tf.constant(X, tf.float64)).numpy(), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("name,alpha", CASES)
def test_derivatives_match_gradient_tape(name, alpha) -> None:
    t = tf.constant(X, tf.float64)
    for ref in tf_function(name, alpha):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = ref(t)
        grad = tape.gradient(y, t).numpy()
        # includes x = 0, where TensorFlow takes the left-hand derivative (ReLU 0, leaky ReLU/ELU alpha)
        np.testing.assert_allclose(A.derivative(name, X, alpha), grad, rtol=1e-7, atol=1e-12)


def test_defaults_are_the_tensorflow_defaults() -> None:
    np.testing.assert_allclose(A.activation("leaky_relu", -1.0), tf.nn.leaky_relu(tf.constant(-1.0, tf.float64)),
                               rtol=1e-7)
    np.testing.assert_allclose(A.activation("elu", -1.0), tf.nn.elu(tf.constant(-1.0, tf.float64)))


def test_extreme_inputs_stay_finite() -> None:
    x = np.array([-1000.0, 1000.0])
    for name in A.ACTIVATIONS:
        assert np.all(np.isfinite(A.activation(name, x))) and np.all(np.isfinite(A.derivative(name, x)))


@pytest.mark.parametrize("name", ["leaky_relu", "elu"])
@pytest.mark.parametrize("func", [A.activation, A.derivative])
def test_negative_alpha_is_refused(name, func) -> None:
    with pytest.raises(ValueError, match=r"alpha = -0.1 is not allowed.*must be >= 0"):
        func(name, X, -0.1)
    with pytest.raises(ValueError, match="alpha"):
        A.saturation_regions(name, (-5, 5), -0.1)
    with pytest.raises(ValueError, match="alpha"):
        func(name, X, float("nan"))


def test_alpha_zero_gives_relu() -> None:
    for name in ("leaky_relu", "elu"):
        np.testing.assert_array_equal(A.activation(name, X, 0.0), A.activation("relu", X))


def test_functions_without_alpha_ignore_it() -> None:
    np.testing.assert_array_equal(A.activation("tanh", X, -3.0), np.tanh(X))


def test_unknown_name_is_a_message() -> None:
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        A.activation("swish", X)


@pytest.mark.parametrize("bad", [(1.0, 1.0), (2.0, -2.0)])
def test_empty_range_is_a_message(bad) -> None:
    with pytest.raises(ValueError, match="is empty"):
        A.saturation_regions("sigmoid", bad)


def test_bad_threshold_is_a_message() -> None:
    with pytest.raises(ValueError, match="threshold"):
        A.saturation_regions("tanh", (-5, 5), threshold=0.0)


@pytest.mark.parametrize("name,alpha", CASES)
@pytest.mark.parametrize("threshold", [0.01, 0.05, 0.15, 0.26, 0.6, 1.2])
def test_saturation_regions_are_where_the_derivative_is_small(name, alpha, threshold) -> None:
    lo, hi = -7.0, 6.0
    regions = A.saturation_regions(name, (lo, hi), alpha, threshold)
    x = np.linspace(lo, hi, 5201)
    small = np.abs(A.derivative(name, x, alpha)) < threshold
    inside = np.zeros_like(small)
    for a, b in regions:
        assert lo <= a < b <= hi
        inside |= (x >= a) & (x <= b)
    edges = np.array([e for r in regions for e in r])
    far_from_edges = np.min(np.abs(x[:, None] - edges[None, :]), axis=1) > 1e-3 if len(edges) else np.ones_like(small)
    np.testing.assert_array_equal(inside[far_from_edges], small[far_from_edges])
    # sorted, disjoint
    assert all(r1[1] < r2[0] for r1, r2 in zip(regions, regions[1:]))


def test_saturation_edges_for_sigmoid_and_tanh() -> None:
    [(a1, b1), (a2, b2)] = A.saturation_regions("sigmoid", (-10, 10), threshold=0.05)
    assert (a1, b2) == (-10, 10) and b1 == pytest.approx(-a2)
    assert A.derivative("sigmoid", a2) == pytest.approx(0.05, rel=1e-12)
    [(_, b), (a, _)] = A.saturation_regions("tanh", (-10, 10), threshold=0.05)
    assert A.derivative("tanh", a) == pytest.approx(0.05, rel=1e-12) and b == pytest.approx(-a)
    assert A.saturation_regions("relu", (-3, 3)) == [(-3.0, 0.0)]
    assert A.saturation_regions("leaky_relu", (-3, 3), alpha=0.2) == []
    assert A.saturation_regions("linear", (-3, 3)) == []


# ----------------------------------------------------------------------------- widget


@pytest.fixture()
def widget():
    return A.make_activation_explorer()


def test_initial_picture_and_data(widget) -> None:
    assert widget.error == "" and bytes(widget.image.value).startswith(b"\x89PNG")
    assert widget.data["functions"] == ("sigmoid", "tanh", "relu")
    np.testing.assert_allclose(widget.data["values"]["tanh"], np.tanh(widget.data["x"]))
    assert widget.data["x"][0] == -6.0 and widget.data["x"][-1] == 6.0
    assert "sigmoid" in widget.message.value and "0.05" in widget.message.value


def test_every_control_redraws(widget) -> None:
    c = widget.controls
    changes = [
        ("functions", ("leaky_relu", "elu", "softplus")),
        ("leaky_alpha", 0.05),
        ("elu_alpha", 2.0),
        ("x_range", (-3.0, 8.0)),
        ("threshold", 0.2),
    ]
    for name, value in changes:
        before = widget.image.value
        c[name].value = value
        assert widget.error == "", (name, widget.error)
        assert widget.image.value != before, name
    d, x = widget.data, widget.data["x"]
    assert d["functions"] == ("leaky_relu", "elu", "softplus")
    assert x[0] == -3.0 and x[-1] == 8.0
    np.testing.assert_allclose(d["values"]["leaky_relu"], A.activation("leaky_relu", x, 0.05))
    np.testing.assert_allclose(d["derivatives"]["elu"], A.derivative("elu", x, 2.0))
    assert d["threshold"] == 0.2
    # leaky slope 0.05 < 0.2: the whole negative side is saturated; ELU with alpha 2 from log(0.1) down
    assert d["saturation"]["leaky_relu"] == [(-3.0, 0.0)]
    assert d["saturation"]["elu"] == [(-3.0, pytest.approx(np.log(0.2 / 2.0)))]
    shade = widget.lines["leaky_relu"]["shade_d"].get_paths()[0].vertices
    assert shade[:, 0].min() == -3.0 and shade[:, 0].max() == 0.0
    assert widget.lines["sigmoid"]["f"].get_visible() is False and widget.lines["elu"]["f"].get_visible() is True


def test_alpha_sliders_are_enabled_only_for_their_functions(widget) -> None:
    c = widget.controls
    assert c["leaky_alpha"].disabled and c["elu_alpha"].disabled  # sigmoid, tanh, ReLU
    c["functions"].value = ("relu", "leaky_relu")
    assert not c["leaky_alpha"].disabled and c["elu_alpha"].disabled
    c["functions"].value = ("elu",)
    assert c["leaky_alpha"].disabled and not c["elu_alpha"].disabled


def test_empty_range_is_a_message_and_the_widget_recovers(widget) -> None:
    good = widget.image.value
    widget.controls["x_range"].value = (2.0, 2.0)
    assert "empty" in widget.error and "empty" in widget.message.value
    assert widget.image.value == good
    widget.controls["x_range"].value = (-2.0, 2.0)
    assert widget.error == "" and widget.data["x"][0] == -2.0 and widget.image.value != good


def test_no_function_selected_is_a_message(widget) -> None:
    widget.controls["functions"].value = ()
    assert "at least one function" in widget.error
    widget.controls["functions"].value = ("elu",)
    assert widget.error == "" and widget.data["functions"] == ("elu",)


def test_static_fallback_is_a_png(widget) -> None:
    bundle = widget._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert bundle["text/plain"].startswith("Activation function explorer")
