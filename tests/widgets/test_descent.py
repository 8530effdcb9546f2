"""course.widgets.descent: the worked example, Keras's optimizers step for step, the verdict rules, the widget."""

from __future__ import annotations

import base64
import os
from fractions import Fraction

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from course.widgets import descent as D  # noqa: E402

# ------------------------------------------------------------------ the worked example


def test_worked_example_table_exactly() -> None:
    path = D.descend(D.quadratic_grad, 0.8, 0.1, 12)
    w, exact = Fraction(4, 5), [Fraction(4, 5)]
    for _ in range(12):  # w <- w - 0.1 (4.5 w - 1.5), in exact arithmetic
        w = w - Fraction(1, 10) * (Fraction(9, 2) * w - Fraction(3, 2))
        exact.append(w)
    np.testing.assert_allclose(path, [float(v) for v in exact], rtol=0, atol=1e-15)
    np.testing.assert_allclose(path[1:4], [0.59, 0.4745, 0.410975], rtol=0, atol=1e-15)  # the lecture's numbers
    assert abs(D.descend(D.quadratic_grad, 0.8, 0.1, 80)[-1] - 1 / 3) < 1e-15


def test_quadratic_loss_is_the_lectures() -> None:
    w = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(D.quadratic_loss(w), 2.25 * (w - 1 / 3) ** 2, atol=1e-14)
    np.testing.assert_allclose(D.quadratic_grad(w), 4.5 * w - 1.5)


# ------------------------------------------------------------- surfaces in TensorFlow


def tf_loss(name: str, v: tf.Variable) -> tf.Tensor:
    """The same losses written with TensorFlow ops, for GradientTape and Keras's optimizers."""
    if name == "quadratic":
        return 2.25 * v**2 - 1.5 * v + 0.25
    x, y = v[0], v[1]
    if name == "bowl":
        return x**2 + y**2
    if name == "valley":
        return ((x + y) ** 2 + D.VALLEY_STEEPNESS * (x - y) ** 2) / 4
    out = D.WELLS_BOWL * (x**2 + y**2)
    for depth, (cx, cy), width in D.WELLS:
        out += depth * tf.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * width**2))
    return out


@pytest.mark.parametrize("name", ["bowl", "valley", "wells"])
def test_surface_gradients_match_gradient_tape(name) -> None:
    s = D.SURFACES[name]
    points = np.random.default_rng(0).uniform(-3, 3, (20, 2))
    for p in points:
        v = tf.Variable(p, dtype=tf.float64)
        with tf.GradientTape() as tape:
            loss = tf_loss(name, v)
        np.testing.assert_allclose(s.loss(p), loss.numpy(), rtol=1e-12)
        np.testing.assert_allclose(s.grad(p), tape.gradient(loss, v).numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(s.grad(points), np.array([s.grad(p) for p in points]))  # vectorised


def keras_path(name: str, start, optimizer: keras.optimizers.Optimizer, steps: int) -> np.ndarray:
    v = tf.Variable(np.array(start, dtype=np.float64))
    path = [v.numpy().copy()]
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf_loss(name, v)
        optimizer.apply_gradients([(tape.gradient(loss, v), v)])
        path.append(v.numpy().copy())
    return np.array(path)


# Keras keeps the learning rate as a float32 variable and casts momentum and the betas through float32
# (ops.cast(0.999, "float64") == 0.9990000128746033), so an exact comparison uses values a float32 holds
# exactly; Keras's defaults (0.9, 0.999) agree to ~1e-6.
EXACT_CASES = [
    ("gd", dict(), lambda lr: keras.optimizers.SGD(learning_rate=lr)),
    ("momentum", dict(momentum=0.75), lambda lr: keras.optimizers.SGD(learning_rate=lr, momentum=0.75)),
    ("momentum", dict(momentum=0.5), lambda lr: keras.optimizers.SGD(learning_rate=lr, momentum=0.5)),
    ("adam", dict(beta1=0.75, beta2=0.9921875, eps=1e-4),
     lambda lr: keras.optimizers.Adam(learning_rate=lr, beta_1=0.75, beta_2=0.9921875, epsilon=1e-4)),
    ("adam", dict(beta1=0.5, beta2=0.96875, eps=1e-7),
     lambda lr: keras.optimizers.Adam(learning_rate=lr, beta_1=0.5, beta_2=0.96875, epsilon=1e-7)),
]
DEFAULT_CASES = [
    ("momentum", dict(momentum=0.9), lambda lr: keras.optimizers.SGD(learning_rate=lr, momentum=0.9)),
    ("adam", dict(), lambda lr: keras.optimizers.Adam(learning_rate=lr)),
]
RUNS = [("quadratic", 0.8, 0.125), ("valley", (-2.5, -1.0), 0.0625), ("wells", (-2.4, 2.6), 0.25),
        ("bowl", (1.0, -2.0), 0.375)]


@pytest.mark.parametrize("optimizer,kwargs,make", EXACT_CASES)
@pytest.mark.parametrize("name,start,lr", RUNS)
def test_updates_match_keras_step_for_step(optimizer, kwargs, make, name, start, lr) -> None:
    s = D.SURFACES[name]
    ours = D.descend(s.grad, start, lr, 25, optimizer, **kwargs)
    np.testing.assert_allclose(ours, keras_path(name, start, make(lr), 25), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("optimizer,kwargs,make", DEFAULT_CASES)
@pytest.mark.parametrize("name,start,lr", RUNS + [("quadratic", 0.8, 0.1)])
def test_updates_match_keras_defaults_to_float32_precision(optimizer, kwargs, make, name, start, lr) -> None:
    s = D.SURFACES[name]
    ours = D.descend(s.grad, start, lr, 25, optimizer, **kwargs)
    np.testing.assert_allclose(ours, keras_path(name, start, make(lr), 25), rtol=0, atol=1e-4)


def test_descend_shapes_and_overflow() -> None:
    assert D.descend(D.quadratic_grad, 0.8, 0.1, 5).shape == (6,)
    assert D.descend(D.bowl_grad, np.array([1.0, 2.0]), 0.1, 5).shape == (6, 2)
    start = np.array([1.0, 2.0])
    D.descend(D.bowl_grad, start, 0.1, 5)
    assert start.tolist() == [1.0, 2.0]  # the start point is not modified
    blown = D.descend(D.quadratic_grad, 0.8, 10.0, 400)
    assert np.isfinite(blown[0]) and np.isnan(blown[-1])  # after the overflow: NaN, no warning, no exception


@pytest.mark.parametrize("kwargs,match", [
    (dict(lr=0.0), "learning rate must be a positive"),
    (dict(lr=float("nan")), "learning rate"),
    (dict(steps=-1), "steps must be a whole number"),
    (dict(steps=2.5), "steps must be a whole number"),
    (dict(optimizer="rmsprop"), "unknown optimizer 'rmsprop'"),
    (dict(momentum=1.0), r"momentum must be in \[0, 1\)"),
    (dict(beta2=-0.1), "beta2"),
    (dict(eps=0.0), "eps"),
    (dict(w0=float("inf")), "start point must be finite"),
])
def test_descend_bad_arguments_are_messages(kwargs, match) -> None:
    args = dict(grad_fn=D.quadratic_grad, w0=0.8, lr=0.1, steps=10) | kwargs
    with pytest.raises(ValueError, match=match):
        D.descend(**args)


def test_gradient_of_the_wrong_shape_is_a_message() -> None:
    with pytest.raises(ValueError, match="gradient has shape"):
        D.descend(lambda w: np.zeros(3), np.zeros(2), 0.1, 3)


# ------------------------------------------------------------------------ the verdict


def run_1d(factor: float, steps: int, optimizer: str = "gd", **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """GD on the lecture's quadratic with lr * 4.5 = factor."""
    path = D.descend(D.quadratic_grad, 0.8, factor / 4.5, steps, optimizer, **kwargs)
    return D.quadratic_loss(path), path


@pytest.mark.parametrize("factor", [0.3, 0.6, 0.9, 0.99])
def test_1d_below_one_is_monotone_and_stable(factor) -> None:
    losses, path = run_1d(factor, 60)
    assert np.all(np.diff(path) <= 0) and np.all(path >= 1 / 3 - 1e-12)  # never crosses 1/3
    assert D.verdict(losses, path) == "stable"


@pytest.mark.parametrize("factor,steps", [(0.02, 20), (0.05, 20), (0.1, 20), (0.2, 5), (0.05, 100), (0.1, 30),
                                          (0.2, 20), (0.5, 3), (0.5, 5)])
def test_1d_too_small_is_less_than_90_percent_of_the_way(factor, steps) -> None:
    losses, path = run_1d(factor, steps)
    left = (1 - factor) ** steps  # fraction of the distance to 1/3 still to go
    expected = "too small" if left > 0.1 else "stable"
    assert abs(left - 0.1) > 0.01  # the cases stay clear of the boundary
    assert D.verdict(losses, path) == expected


@pytest.mark.parametrize("factor", [1.05, 1.3, 1.5, 1.9, 1.99])
def test_1d_between_one_and_two_oscillates_and_converges(factor) -> None:
    losses, path = run_1d(factor, 40)
    signs = np.sign(np.diff(path)[:10])
    assert np.all(signs[1:] == -signs[:-1])  # the step alternates in sign
    assert losses[-1] < losses[0]
    assert D.verdict(losses, path) == "oscillating"


@pytest.mark.parametrize("factor", [2.01, 2.5, 3.0, 10.0, 100.0])
def test_1d_above_two_diverges(factor) -> None:
    losses, path = run_1d(factor, 40)
    assert D.verdict(losses, path) == "diverging"


def test_short_runs() -> None:
    assert D.verdict(*run_1d(1.5, 2)) == "oscillating"
    assert D.verdict(*run_1d(0.9, 2)) == "stable"  # 0.1^2 of the way left
    assert D.verdict(*run_1d(0.3, 2)) == "too small"


def test_undamped_bounce_is_diverging() -> None:
    path = D.descend(D.bowl_grad, np.array([1.0, 2.0]), 1.0, 10)  # lr * curvature = 2: back and forth forever
    assert D.verdict(D.bowl(path), path) == "diverging"


def test_start_at_the_minimum_is_stable() -> None:
    path = D.descend(D.bowl_grad, np.zeros(2), 0.1, 10)
    assert D.verdict(D.bowl(path), path) == "stable"


def test_2d_cases() -> None:
    def judge(name, lr, steps, optimizer="gd", **kw):
        s = D.SURFACES[name]
        path = D.descend(s.grad, np.array(s.start), lr, steps, optimizer, **kw)
        return D.verdict(s.loss(path), path)

    assert judge("valley", 0.1, 30) == "oscillating"    # zig-zag across the valley
    assert judge("valley", 0.01, 20) == "too small"     # crawls along the floor
    assert judge("valley", 0.2, 30) == "diverging"      # lr * 15 > 2 across the valley
    assert judge("bowl", 0.1, 60) == "stable"
    assert judge("bowl", 0.3, 40, "momentum", momentum=0.9) == "oscillating"
    assert judge("bowl", 0.001, 20, "adam") == "too small"
    assert judge("wells", 0.3, 20) == "too small"
    assert judge("wells", 0.3, 60) == "stable"


def test_wells_start_shows_momentum_escaping_a_local_minimum() -> None:
    s = D.SURFACES["wells"]
    gd = D.descend(s.grad, np.array(s.start), 0.1, 200)[-1]
    heavy = D.descend(s.grad, np.array(s.start), 0.1, 200, "momentum", momentum=0.9)[-1]
    np.testing.assert_allclose(gd, [-1.500, -0.844], atol=2e-3)       # GD settles in a local minimum
    np.testing.assert_allclose(heavy, s.minimum, atol=2e-3)           # momentum rolls on to the global one
    assert D.wells(heavy) < D.wells(gd)


def test_non_finite_is_diverging() -> None:
    losses, path = run_1d(0.5, 10)
    path[-1] = np.nan
    assert D.verdict(losses, path) == "diverging"


def test_verdict_bad_input_is_a_message() -> None:
    with pytest.raises(ValueError, match="at least 2 steps"):
        D.verdict(*run_1d(0.5, 1))
    with pytest.raises(ValueError, match="one entry per iterate"):
        D.verdict(np.zeros(5), np.zeros(6))


def test_every_verdict_has_words() -> None:
    assert set(D.VERDICT_TEXT) == set(D.VERDICTS) == set(D.VERDICT_COLORS)


# ----------------------------------------------------------------------------- widget


@pytest.fixture()
def widget():
    return D.make_descent_demo()


def test_initial_state_is_the_worked_example(widget) -> None:
    assert widget.error == ""
    np.testing.assert_allclose(widget.data["path"][:4], [0.8, 0.59, 0.4745, 0.410975], atol=1e-15)
    assert widget.data["verdict"] == "stable" and "stable" in widget.message.value
    assert widget.controls["start_y"].disabled and widget.controls["momentum"].disabled
    assert widget.verdict_text.get_text() == "learning rate 0.1: stable"


def test_every_control_redraws(widget) -> None:
    c = widget.controls

    def change(name, value):
        before = widget.image.value
        c[name].value = value
        assert widget.error == "", (name, widget.error)
        assert widget.image.value != before, name

    change("lr", 0.3)  # 4.5 * 0.3 = 1.35
    assert widget.data["verdict"] == "oscillating"
    change("lr", 0.5)
    assert widget.data["verdict"] == "diverging"
    change("lr", 0.001)
    assert widget.data["verdict"] == "too small"
    change("steps", 50)
    assert widget.data["path"].shape == (51,)
    np.testing.assert_allclose(widget.data["path"], D.descend(D.quadratic_grad, 0.8, 0.001, 50))
    change("optimizer", "momentum")
    assert not c["momentum"].disabled
    change("momentum", 0.5)
    np.testing.assert_allclose(widget.data["path"], D.descend(D.quadratic_grad, 0.8, 0.001, 50, "momentum", 0.5))
    change("optimizer", "adam")
    np.testing.assert_allclose(widget.data["path"], D.descend(D.quadratic_grad, 0.8, 0.001, 50, "adam", beta1=0.5))
    change("start_x", -1.0)
    assert widget.data["path"][0] == -1.0
    line_x, line_y = widget.path_line.get_data()
    np.testing.assert_allclose(line_x, widget.data["path"])
    np.testing.assert_allclose(line_y, D.quadratic_loss(widget.data["path"]))
    change("surface", "valley")
    assert not c["start_y"].disabled and (c["start_x"].value, c["start_y"].value) == D.SURFACES["valley"].start
    assert widget.data["path"].shape == (51, 2)
    change("start_y", 1.0)
    np.testing.assert_allclose(widget.data["path"][0], [-2.5, 1.0])
    np.testing.assert_allclose(widget.path_line.get_data()[1], widget.data["path"][:, 1])
    assert widget.contours["valley"][0].get_visible() and not widget.contours["bowl"][0].get_visible()
    assert not widget.curve.get_visible()


def test_loss_curve_is_the_gap_to_the_minimum(widget) -> None:
    widget.controls["surface"].value = "wells"
    widget.controls["steps"].value = 100
    gaps = widget.loss_line.get_data()[1]
    np.testing.assert_allclose(gaps, np.maximum(widget.data["losses"] - D.wells(np.array([1.416, 1.132])), 1e-12),
                               atol=1e-5)
    assert gaps.min() >= D.GAP_FLOOR


def test_diverging_run_draws_without_warnings(widget) -> None:
    with np.errstate(all="raise"):
        widget.controls["lr"].value = 3.0
    assert widget.error == "" and widget.data["verdict"] == "diverging"


def test_out_of_range_values_are_clamped_and_the_widget_keeps_working(widget) -> None:
    # Every control is bounded (lr >= 0.001, steps >= 2, momentum <= 0.99): the plain functions' messages
    # (tested above) cannot be reached from the widget; out-of-range values are clamped by the sliders.
    widget.controls["steps"].value = 0
    assert widget.error == "" and widget.data["steps"] == 2
    widget.controls["momentum"].value = 1.5
    assert widget.error == "" and widget.data["momentum"] == 0.99


def test_static_fallback_is_a_png(widget) -> None:
    bundle = widget._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert bundle["text/plain"].startswith("Learning-rate descent demo")
