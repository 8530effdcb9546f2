"""course.widgets.memory: BPTT by hand against TensorFlow and closed forms, and the widget headless."""

from __future__ import annotations

import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from course import sequences  # noqa: E402
from course.widgets.memory import (  # noqa: E402
    ACTIVATIONS,
    HIDDEN_SIZES,
    activation_slope,
    lstm_forget_product,
    make_memory_explorer,
    memory_verdict,
    per_step_factor,
    recurrent_matrix,
    rho_power_reference,
    rnn_forward,
    rnn_gradient_by_lag,
)


def f32(a: np.ndarray) -> np.ndarray:
    """Rounded to float32 and back: the numbers TensorFlow sees, so both sides start from the same weights."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def rnn_case(hidden: int = 8, features: int = 3, T: int = 25, radius: float = 0.9, seed: int = 1):
    rng = np.random.default_rng(seed)
    W = f32(recurrent_matrix(hidden, radius, seed=seed))
    U = f32(rng.normal(0.0, 0.5, (hidden, features)))
    x = f32(rng.normal(size=(T, features)))
    return W, U, x


# --------------------------------------------------------------------------- against TensorFlow


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_rnn_gradient_by_lag_equals_tensorflow_through_keras_simple_rnn(activation: str) -> None:
    W, U, x = rnn_case()
    layer = keras.layers.SimpleRNN(8, activation=activation, use_bias=False, return_sequences=False, dtype="float32")
    layer.build((None, None, 3))
    assert tuple(layer.cell.kernel.shape) == (3, 8) and tuple(layer.cell.recurrent_kernel.shape) == (8, 8)
    layer.set_weights([U.T, W.T])  # Keras: h_t = phi(x_t @ kernel + h_{t-1} @ recurrent_kernel)
    a, h = rnn_forward(W, U, x, activation)
    # the same forward pass (checks the weight layout before the gradients)
    np.testing.assert_allclose(h[-1], layer(x[None].astype(np.float32)).numpy()[0], rtol=1e-5, atol=1e-6)
    if activation == "relu":
        assert np.min(np.abs(a)) > 1e-4  # no pre-activation so close to 0 that float32 could flip its slope
    ours = rnn_gradient_by_lag(W, U, x, activation)
    theirs = sequences.gradient_norms_by_lag(layer, x)
    assert ours.shape == theirs.shape == (25,)
    assert np.all(ours[:3] > 0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-7 * ours.max())


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_state_gradients_equal_a_tape_over_a_hand_written_loop(activation: str) -> None:
    W, U, x = rnn_case(hidden=6, T=15, radius=1.2, seed=4)
    phi = {"tanh": tf.tanh, "relu": tf.nn.relu}[activation]
    Wt, Ut = tf.constant(W), tf.constant(U)
    with tf.GradientTape() as tape:
        h = tf.zeros((6, 1), dtype=tf.float64)
        states = []
        for t in range(x.shape[0]):
            h = phi(Wt @ h + Ut @ tf.constant(x[t][:, None]))
            tape.watch(h)  # record what is computed from this state on
            states.append(h)
        target = tf.reduce_sum(states[-1])
    grads = tape.gradient(target, states)
    want = np.array([np.linalg.norm(g.numpy()) for g in grads[::-1]])  # lag 0 = the last state
    np.testing.assert_allclose(rnn_gradient_by_lag(W, U, x, activation, wrt="state"), want, rtol=1e-10)
    assert want[0] == pytest.approx(math.sqrt(6))


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("radius", [0.6, 1.0, 1.35])
def test_linear_rnn_with_scaled_orthogonal_weights_follows_rho_to_the_k(radius: float) -> None:
    hidden, T = 16, 40
    rng = np.random.default_rng(7)
    W = recurrent_matrix(hidden, radius, seed=3)
    x = rng.normal(size=(T, hidden))
    exact = radius ** np.arange(T) * math.sqrt(hidden)   # ||(W^T)^k 1|| = rho^k ||1|| for W = rho Q
    # with U = I the input gradient is the state gradient
    np.testing.assert_allclose(rnn_gradient_by_lag(W, np.eye(hidden), x, "linear"), exact, rtol=1e-10)
    # any U: the state gradient is still exact, whatever the inputs
    U = rng.normal(size=(hidden, 3))
    np.testing.assert_allclose(rnn_gradient_by_lag(W, U, x[:, :3], "linear", wrt="state"), exact, rtol=1e-10)
    np.testing.assert_allclose(rho_power_reference(radius, T), exact / exact[0], rtol=1e-12)
    assert per_step_factor(exact / exact[0]) == pytest.approx(radius, rel=1e-12)


@pytest.mark.parametrize("activation,gamma", [("tanh", 1.0), ("relu", 1.0), ("sigmoid", 0.25)])
def test_saturating_activations_stay_below_the_bound_gamma_rho_to_the_k(activation: str, gamma: float) -> None:
    # ||W^T diag(s) g|| = rho ||diag(s) g|| <= rho max(s) ||g||, with max(s) <= gamma: the lecture's bound
    hidden, T, radius = 24, 50, 1.2
    rng = np.random.default_rng(2)
    W = recurrent_matrix(hidden, radius, seed=5)
    U, x = rng.normal(0, 0.6, (hidden, 3)), rng.normal(size=(T, 3))
    states = rnn_gradient_by_lag(W, U, x, activation, wrt="state")
    bound = (gamma * radius) ** np.arange(T) * math.sqrt(hidden)
    assert np.all(states <= bound * (1 + 1e-12))
    assert states[-1] < 0.5 * bound[-1]  # and strictly below it once units leave the linear regime


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("radius", [0.8, 1.0, 1.25])
def test_per_step_factor_is_about_rho_times_the_rms_slope(activation: str, radius: float) -> None:
    # W mixes the units every step, so the squared gradient is multiplied by about mean(phi'^2) per step.
    # (Not ReLU: which units are on persists from step to step, so the slopes and the gradient correlate.)
    hidden, T = 64, 120
    rng = np.random.default_rng(11)
    W = recurrent_matrix(hidden, radius, seed=2)
    U, x = rng.uniform(-0.3, 0.3, (hidden, 3)), rng.normal(size=(T, 3))
    a, _ = rnn_forward(W, U, x, activation)
    rms = math.sqrt(np.mean(activation_slope(a, activation) ** 2))
    states = rnn_gradient_by_lag(W, U, x, activation, wrt="state")
    assert per_step_factor(states / states[0]) == pytest.approx(radius * rms, rel=0.06)


def test_activation_slopes_are_the_derivatives() -> None:
    a = np.array([-2.0, -0.3, 0.4, 1.5])
    eps = 1e-6
    for act in ("tanh", "sigmoid", "linear"):
        phi = lambda v: rnn_forward(np.zeros((1, 1)), np.eye(1), np.array([[v]]), act)[1][0, 0]  # noqa: E731
        numeric = [(phi(v + eps) - phi(v - eps)) / (2 * eps) for v in a]
        np.testing.assert_allclose(activation_slope(a, act), numeric, rtol=1e-6, err_msg=act)
    np.testing.assert_array_equal(activation_slope(a, "relu"), [0, 0, 1, 1])


def test_recurrent_matrix_has_the_requested_spectral_radius() -> None:
    for hidden in (1, 2, 7, 32, 128):
        for radius in (0.3, 1.0, 1.5, 4.0):
            W = recurrent_matrix(hidden, radius, seed=hidden)
            assert W.shape == (hidden, hidden)
            assert np.max(np.abs(np.linalg.eigvals(W))) == pytest.approx(radius, rel=1e-10)
            np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), radius, rtol=1e-10)  # all of them
    a, b = recurrent_matrix(16, 0.5, seed=3), recurrent_matrix(16, 1.25, seed=3)
    np.testing.assert_allclose(a / 0.5, b / 1.25, rtol=1e-14)  # the radius only rescales
    assert not np.allclose(recurrent_matrix(16, 1.0, seed=3), recurrent_matrix(16, 1.0, seed=4))
    np.testing.assert_array_equal(recurrent_matrix(16, 1.0, seed=3), recurrent_matrix(16, 1.0, seed=3))


def test_lstm_forget_product_without_noise_is_sigma_b_to_the_k() -> None:
    for bias in (-1.0, 0.0, 1.0, 3.0):
        sigma = 1.0 / (1.0 + math.exp(-bias))
        np.testing.assert_allclose(lstm_forget_product(bias, 50, hidden=8, noise=0.0), sigma ** np.arange(50),
                                   rtol=1e-12)
    assert lstm_forget_product(0.0, 200, noise=0.0)[-1] == pytest.approx(0.5**199)  # ~1e-60: no underflow
    assert lstm_forget_product(-2.0, 200)[-1] > 0


def test_lstm_forget_product_with_noise() -> None:
    carry = lstm_forget_product(1.0, 80, hidden=64, seed=2)
    assert carry[0] == 1.0 and np.all(np.diff(carry) < 0)  # every gate is below 1
    # a higher bias raises every gate (same draws), so the carry at every lag
    assert np.all(lstm_forget_product(2.0, 80, hidden=64, seed=2)[1:] > carry[1:])
    # a longer sequence adds older gates and keeps the recent ones
    np.testing.assert_array_equal(lstm_forget_product(1.0, 120, hidden=64, seed=2)[:80], carry)
    # the rms of the per-unit products lies between the two Jensen limits of one step:
    # exp(E log f) (every unit typical) and sqrt(E f^2) (the expectation of the squared product)
    z, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    for bias in (-1.0, 1.0, 3.0):
        f = 1.0 / (1.0 + np.exp(-(bias + 0.5 * z)))
        low, high = math.exp(np.sum(w * np.log(f))), math.sqrt(np.sum(w * f**2))
        factor = per_step_factor(lstm_forget_product(bias, 200, hidden=128, noise=0.5))
        assert low * 0.995 < factor < high * 1.005


def test_per_step_factor_and_verdict_by_hand() -> None:
    assert per_step_factor([1.0, 0.5, 0.25, 0.125]) == pytest.approx(0.5)
    assert per_step_factor([1.0, 3.0, 9.0]) == pytest.approx(3.0)
    assert per_step_factor([1.0, 0.0]) == 0.0
    assert math.isnan(per_step_factor([1.0]))
    assert memory_verdict(1e-3) == "vanishing"
    assert memory_verdict(0.3) == memory_verdict(50.0) == "carried"
    assert memory_verdict(1e3) == memory_verdict(float("inf")) == memory_verdict(float("nan")) == "exploding"


@pytest.mark.parametrize("call,match", [
    (lambda: recurrent_matrix(0, 1.0), "hidden units"),
    (lambda: recurrent_matrix(2.5, 1.0), "hidden units"),
    (lambda: recurrent_matrix(True, 1.0), "hidden units"),
    (lambda: recurrent_matrix(4, 0.0), "spectral radius"),
    (lambda: recurrent_matrix(4, -1.0), "spectral radius"),
    (lambda: recurrent_matrix(4, float("inf")), "spectral radius"),
    (lambda: recurrent_matrix(4, "big"), "spectral radius"),
    (lambda: recurrent_matrix(4, 1.0, seed=-1), "seed"),
    (lambda: rnn_forward(np.eye(3), np.ones((3, 2)), np.ones((5, 2)), "softmax"), "unknown activation"),
    (lambda: rnn_forward(np.ones((3, 2)), np.ones((3, 2)), np.ones((5, 2))), "square"),
    (lambda: rnn_forward(np.eye(3), np.ones((4, 2)), np.ones((5, 2))), "one row per hidden unit"),
    (lambda: rnn_forward(np.eye(3), np.ones((3, 2)), np.ones((5, 3))), "features"),
    (lambda: rnn_forward(np.eye(3), np.ones((3, 2)), np.ones(5)), "2-D"),
    (lambda: rnn_forward(np.eye(3), np.ones((3, 2)), np.ones((0, 2))), "empty"),
    (lambda: rnn_forward(np.eye(3), np.ones((3, 2)), [[1.0, float("nan")]]), "NaN"),
    (lambda: rnn_gradient_by_lag(np.eye(3), np.ones((3, 2)), np.ones((5, 2)), wrt="weights"), "wrt"),
    (lambda: lstm_forget_product(float("nan"), 10), "forget-gate bias"),
    (lambda: lstm_forget_product(1.0, 0), "sequence length"),
    (lambda: lstm_forget_product(1.0, 10, noise=-0.1), "noise"),
    (lambda: rho_power_reference(0.0, 10), "spectral radius"),
    (lambda: per_step_factor([]), "at least one"),
    (lambda: make_memory_explorer(sequence_length=5), "sequence length"),
    (lambda: make_memory_explorer(hidden=12), "hidden"),
    (lambda: make_memory_explorer(radius=2.0), "0.5 to 1.5"),
    (lambda: make_memory_explorer(activation="elu"), "unknown activation"),
    (lambda: make_memory_explorer(forget_bias=9.0), "forget-gate bias"),
])
def test_bad_inputs_raise_value_errors_that_explain(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- widget


@pytest.fixture(scope="module")
def explorer():
    return make_memory_explorer()


def test_defaults_are_keras_starting_point(explorer) -> None:
    d = explorer.data
    assert explorer.error == ""
    assert (d["radius"], d["activation"], d["hidden"], d["T"], d["forget_bias"]) == (1.0, "tanh", 32, 60, 1.0)
    assert d["relative"][0] == 1.0 and d["lstm"][0] == 1.0 and d["guide"][0] == 1.0
    assert d["relative"].shape == d["lstm"].shape == d["guide"].shape == (60,)
    assert d["verdict"] == "vanishing"  # tanh' < 1 even at rho = 1: the lecture's measurement
    assert d["lstm_factor"] == pytest.approx(1 / (1 + math.exp(-1.0)), abs=0.03)  # sigma(1) per step
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "after 59 steps back" in explorer.message.value and "LSTM" in explorer.message.value


def test_every_control_drives_the_numbers_and_the_picture(explorer) -> None:
    c = explorer.controls
    steps = [("radius", 0.5), ("radius", 1.5), ("forget_bias", 3.0), ("forget_bias", -2.0),
             *[("activation", a) for a in ("relu", "linear", "sigmoid", "tanh")],
             ("sequence_length", 200), ("sequence_length", 10), ("sequence_length", 85),
             *[("hidden", h) for h in HIDDEN_SIZES if h != 32], ("hidden", 32), ("radius", 0.95)]
    last = explorer.image.value
    for name, value in steps:
        c[name].value = value
        d = explorer.data
        assert explorer.error == "", explorer.error
        assert (d["radius"], d["forget_bias"], d["activation"], d["T"], d["hidden"]) == (
            c["radius"].value, c["forget_bias"].value, c["activation"].value, c["sequence_length"].value,
            c["hidden"].value)
        assert d["relative"].shape == (d["T"],) and d["eigenvalues"].shape == (d["hidden"],)
        np.testing.assert_allclose(np.abs(d["eigenvalues"]), d["radius"], rtol=1e-9)  # the slider is rho
        np.testing.assert_allclose(d["guide"], d["radius"] ** np.arange(d["T"]), rtol=1e-12)
        assert explorer.image.value != last, (name, value)
        last = explorer.image.value


def test_each_slider_changes_only_what_it_controls(explorer) -> None:
    c = explorer.controls
    c["activation"].value, c["sequence_length"].value, c["hidden"].value = "tanh", 60, 32
    c["radius"].value, c["forget_bias"].value = 1.0, 1.0
    before = explorer.data
    c["forget_bias"].value = 2.5
    np.testing.assert_array_equal(explorer.data["relative"], before["relative"])
    assert np.all(explorer.data["lstm"][1:] > before["lstm"][1:])
    c["radius"].value = 1.2
    np.testing.assert_array_equal(explorer.data["lstm"], lstm_forget_product(2.5, 60, 32))
    assert explorer.data["relative"][-1] > before["relative"][-1]
    c["sequence_length"].value = 100  # older inputs and gates are added; the recent LSTM lags stay
    np.testing.assert_array_equal(explorer.data["lstm"][:60], lstm_forget_product(2.5, 60, 32))


def test_linear_rnn_follows_the_guide_and_verdicts_change(explorer) -> None:
    c = explorer.controls
    c["hidden"].value, c["sequence_length"].value, c["forget_bias"].value = 32, 60, 1.0
    c["activation"].value = "linear"
    for radius in (0.6, 1.0, 1.4):
        c["radius"].value = radius
        # the input gradient wiggles around rho^k (3 features see a rotating gradient), its trend is rho
        assert explorer.data["rnn_factor"] == pytest.approx(radius, rel=0.05)
    c["sequence_length"].value = 200
    assert explorer.data["verdict"] == "exploding" and "exploding" in explorer.message.value
    c["activation"].value, c["radius"].value = "tanh", 0.5
    assert explorer.data["verdict"] == "vanishing" and explorer.data["kept"] < 1e-12
    c["forget_bias"].value = 4.0   # sigma(4) = 0.98 per step: the LSTM carries over 199 steps
    assert explorer.data["lstm_verdict"] == "carried" and explorer.data["lstm_kept"] > 0.01
    c["sequence_length"].value, c["radius"].value, c["forget_bias"].value = 60, 1.0, 1.0


def test_bad_value_shows_an_error_and_the_widget_recovers(explorer) -> None:
    c = explorer.controls
    c["radius"].value = 0.8
    good_image, good_radius = explorer.image.value, explorer.data["radius"]
    c["radius"].value = float("nan")
    assert "spectral radius" in explorer.error
    assert "spectral radius" in explorer.message.value
    assert explorer.image.value == good_image and explorer.data["radius"] == good_radius
    c["radius"].value = 1.1
    assert explorer.error == "" and explorer.data["radius"] == 1.1
    assert explorer.image.value != good_image
    c["forget_bias"].value = float("nan")
    assert "forget-gate bias" in explorer.error
    c["forget_bias"].value = 1.0
    assert explorer.error == ""


def test_static_picture_for_nbconvert(explorer) -> None:
    bundle = explorer._repr_mimebundle_()
    assert "image/png" in bundle and len(bundle["image/png"]) > 1000
    assert bundle["text/plain"].startswith("Gradient memory explorer")


def test_a_relu_rnn_can_lose_the_gradient_exactly() -> None:
    # 4 ReLU units and rho = 0.5: at some step all the units the gradient reaches are off, so it is exactly 0
    w = make_memory_explorer(hidden=4, activation="relu", radius=0.5)
    d = w.data
    assert w.error == "" and d["relative"][0] == 1.0
    assert d["kept"] == 0.0 and d["rnn_factor"] == 0.0 and d["verdict"] == "vanishing"
    first_zero = int(np.argmax(d["relative"] == 0))
    assert first_zero > 0 and np.all(d["relative"][first_zero:] == 0)  # once zero, zero for every older lag
    assert "exactly 0" in w.message.value
