"""course.widgets.playground: the NumPy MLP against Keras, learning XOR and the circle, the widget."""

from __future__ import annotations

import base64
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from course.widgets import playground as P  # noqa: E402

# ----------------------------------------------------------------------- architecture


@pytest.mark.parametrize("text,sizes", [("8,8", (8, 8)), (" 4 , 2 ", (4, 2)), ("3; 5", (3, 5)), ("", ()),
                                        ("  ", ()), ("32", (32,)), ("1,1,1,1,1,1", (1,) * 6)])
def test_parse_architecture(text, sizes) -> None:
    assert P.parse_architecture(text) == sizes


@pytest.mark.parametrize("text,match", [
    ("8,,8", "not a whole number"), ("eight", "'eight' is not a whole number"), ("8.5", "not a whole number"),
    ("-1", "not a whole number"), ("0", "1 to 32 neurons"), ("33", "1 to 32 neurons"),
    ("1,1,1,1,1,1,1", "at most 6 hidden layers"),
])
def test_bad_architecture_is_a_message(text, match) -> None:
    with pytest.raises(ValueError, match=match):
        P.parse_architecture(text)


# ------------------------------------------------------------------------------ data


@pytest.mark.parametrize("name", P.DATASETS)
def test_datasets(name) -> None:
    X, y = P.make_dataset(name, 300, noise=0.0, seed=1)
    assert X.shape == (300, 2) and y.shape == (300,) and set(np.unique(y)) == {0.0, 1.0}
    assert 0.3 < y.mean() < 0.7 and np.abs(X).max() < 2.0
    X2, y2 = P.make_dataset(name, 300, noise=0.0, seed=1)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    Xn, _ = P.make_dataset(name, 300, noise=0.3, seed=1)
    assert not np.allclose(X, Xn)


def test_dataset_geometry() -> None:
    X, y = P.make_dataset("circle", 400, noise=0.0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 1].max() <= 0.5 and r[y == 0].min() >= 0.7
    X, y = P.make_dataset("xor", 400, noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(float))


@pytest.mark.parametrize("kwargs,match", [(dict(name="moons"), "unknown dataset 'moons'"),
                                          (dict(noise=-0.1), "noise must be >= 0"), (dict(n=1), "at least 2")])
def test_bad_dataset_arguments(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        P.make_dataset(**({"name": "xor"} | kwargs))


# ------------------------------------------------------------------ against Keras


def keras_model(params, activation: str, l2: float) -> keras.Model:
    layers = [keras.Input((2,), dtype="float64")]
    for i, (W, _) in enumerate(params):
        last = i == len(params) - 1
        layers.append(keras.layers.Dense(W.shape[1], activation="sigmoid" if last else activation, dtype="float64",
                                         kernel_regularizer=keras.regularizers.L2(l2) if l2 else None))
    model = keras.Sequential(layers)
    model.set_weights([a for pair in params for a in pair])
    return model


def keras_loss_and_grads(model: keras.Model, X, y):
    with tf.GradientTape() as tape:
        p = model(X)
        loss = keras.losses.binary_crossentropy(y[:, None], p)
        loss = tf.reduce_mean(loss) + tf.add_n(model.losses) if model.losses else tf.reduce_mean(loss)
    return p.numpy()[:, 0], float(loss), [g.numpy() for g in tape.gradient(loss, model.trainable_weights)]


@pytest.mark.parametrize("activation", P.HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("sizes,l2", [((8, 8), 0.01), ((5,), 0.0), ((), 0.003), ((4, 3, 6), 0.1)])
def test_forward_loss_and_gradients_match_keras(activation, sizes, l2) -> None:
    X, y = P.make_dataset("circle", 64, noise=0.1, seed=3)
    params = P.init_params((2, *sizes, 1), seed=5)
    # non-zero biases, so that they are exercised too
    rng = np.random.default_rng(7)
    params = [(W, rng.normal(0, 0.3, b.shape)) for W, b in params]
    p_ref, loss_ref, grads_ref = keras_loss_and_grads(keras_model(params, activation, l2), X, y)
    # rtol 1e-7, not 1e-12: tf.nn.leaky_relu keeps its slope as a float32 attribute
    np.testing.assert_allclose(P.predict_proba(params, X, activation), p_ref, rtol=1e-7, atol=1e-12)
    loss, grads = P.loss_and_grads(params, X, y, activation, l2)
    assert loss == pytest.approx(loss_ref, rel=1e-6)  # Keras clips p to [1e-7, 1 - 1e-7] in the cross-entropy
    ours = [a for pair in grads for a in pair]
    assert len(ours) == len(grads_ref)
    for g, ref in zip(ours, grads_ref):
        np.testing.assert_allclose(g, ref, rtol=1e-6, atol=1e-9)


def test_init_is_glorot_uniform_with_zero_bias() -> None:
    params = P.init_params((2, 30, 40, 1), seed=0)
    W, b = params[1]
    limit = np.sqrt(6 / (30 + 40))
    assert W.shape == (30, 40) and np.abs(W).max() <= limit and np.abs(W).max() > 0.9 * limit
    assert not b.any()
    np.testing.assert_array_equal(W, P.init_params((2, 30, 40, 1), seed=0)[1][0])


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_updates_match_keras_optimizers(optimizer) -> None:
    X, y = P.make_dataset("xor", 40, noise=0.05, seed=2)
    params = P.init_params((2, 6, 4, 1), seed=1)
    model = keras_model(params, "tanh", 0.001)
    lr = 0.125  # a float32 holds it exactly (Keras keeps the learning rate as float32)
    keras_opt = keras.optimizers.SGD(lr) if optimizer == "sgd" else \
        keras.optimizers.Adam(lr, beta_1=0.75, beta_2=0.9921875, epsilon=1e-7)  # float32-exact betas too
    state: dict = {}
    for step in range(5):
        batch = slice(8 * step, 8 * step + 8)
        _, grads = P.loss_and_grads(params, X[batch], y[batch], "tanh", 0.001)
        params = P.sgd_update(params, grads, lr) if optimizer == "sgd" else \
            P.adam_update(params, grads, state, lr, beta1=0.75, beta2=0.9921875, eps=1e-7)
        _, _, keras_grads = keras_loss_and_grads(model, X[batch], y[batch])
        keras_opt.apply_gradients(zip([tf.constant(g) for g in keras_grads], model.trainable_weights))
    for ours, ref in zip([a for pair in params for a in pair], model.get_weights()):
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------- it learns


def train(dataset: str, seed: int, epochs: int, hidden=(8, 8), optimizer="adam", lr=0.03, l2=0.0):
    X, y = P.make_dataset(dataset, 400, noise=0.1, seed=seed)
    Xtr, ytr, Xte, yte = X[:200], y[:200], X[200:], y[200:]
    params = P.init_params((2, *hidden, 1), seed=seed)
    state: dict = {}
    for epoch in range(epochs):
        params = P.train_epoch(params, Xtr, ytr, lr=lr, l2=l2, optimizer=optimizer, state=state, seed=epoch)
    return P.accuracy(params, Xte, yte), P.accuracy(params, Xtr, ytr)


@pytest.mark.parametrize("dataset", ["xor", "circle"])
@pytest.mark.parametrize("seed", [0, 1])
def test_learns_xor_and_circle(dataset, seed) -> None:
    test_acc, train_acc = train(dataset, seed, epochs=100)
    assert test_acc > 0.9 and train_acc > 0.9


def test_plain_sgd_learns_the_circle_too() -> None:
    assert train("circle", 0, epochs=150, optimizer="sgd", lr=0.3)[0] > 0.9


def test_a_linear_model_cannot_learn_xor() -> None:
    assert train("xor", 0, epochs=50, hidden=())[0] < 0.75


def test_train_epoch_bad_arguments() -> None:
    params = P.init_params((2, 3, 1))
    X, y = P.make_dataset("xor", 20)
    for kwargs, match in [(dict(lr=0.0), "learning rate"), (dict(lr=0.1, l2=-1.0), "L2"),
                          (dict(lr=0.1, optimizer="rmsprop"), "unknown optimizer")]:
        with pytest.raises(ValueError, match=match):
            P.train_epoch(params, X, y, **kwargs)


# ----------------------------------------------------------------------------- widget


@pytest.fixture()
def widget():
    return P.make_playground()


def manual_run(epochs: int, dataset="circle", noise=0.1, hidden=(8, 8), activation="tanh", optimizer="adam",
               lr=0.03, l2=0.0, seed=0):
    """What the widget should hold after ``epochs`` epochs with these settings."""
    X, y = P.make_dataset(dataset, 400, noise, seed=seed)
    params = P.init_params((2, *hidden, 1), seed=seed)
    state: dict = {}
    for epoch in range(epochs):
        params = P.train_epoch(params, X[:200], y[:200], lr=lr, l2=l2, activation=activation, optimizer=optimizer,
                               state=state, seed=seed * 100003 + epoch)
    return params, X, y


def assert_same_params(a, b) -> None:
    for (W1, b1), (W2, b2) in zip(a, b, strict=True):
        np.testing.assert_allclose(W1, W2, rtol=1e-12)
        np.testing.assert_allclose(b1, b2, rtol=1e-12, atol=1e-15)


def test_initial_state(widget) -> None:
    assert widget.error == "" and widget.data["epoch"] == 0 and widget.data["sizes"] == (8, 8)
    assert widget.data["grid_proba"].shape == (widget.grid_size, widget.grid_size)
    assert widget.data["history"].shape == (1, 2)
    assert "epoch 0" in widget.message.value and "2 → 8 → 8 → 1" in widget.message.value


def test_play_step_and_reset(widget) -> None:
    before = widget.image.value
    widget.play.value = 3
    assert widget.data["epoch"] == 3 and widget.data["history"].shape == (4, 2) and widget.image.value != before
    params, X, _ = manual_run(3)
    assert_same_params(widget.params, params)
    np.testing.assert_array_equal(widget.data["X_train"], X[:200])
    before = widget.image.value
    widget.step_button.click()
    assert widget.play.value == 4 and widget.data["epoch"] == 4 and widget.image.value != before
    assert_same_params(widget.params, manual_run(4)[0])
    widget.reset_button.click()
    assert widget.play.value == 0 and widget.data["epoch"] == 0
    assert_same_params(widget.params, manual_run(0)[0])
    widget.reset_button.click()  # already at epoch 0: still redraws, nothing breaks
    assert widget.error == "" and widget.data["epoch"] == 0


def test_going_back_retrains_from_scratch(widget) -> None:
    widget.play.value = 6
    widget.play.value = 2
    assert widget.data["epoch"] == 2
    assert_same_params(widget.params, manual_run(2)[0])


def test_every_setting_redraws(widget) -> None:
    c = widget.controls
    widget.play.value = 2
    restarting = [("dataset", "xor"), ("noise", 0.3), ("hidden", "4, 3"), ("activation", "relu"),
                  ("optimizer", "sgd")]
    for name, value in restarting:
        before = widget.image.value
        c[name].value = value
        assert widget.error == "", (name, widget.error)
        assert widget.image.value != before, name
        assert widget.play.value == 0 and widget.data["epoch"] == 0, name  # new data or network: back to epoch 0
        widget.play.value = 2
    settings = dict(dataset="xor", noise=0.3, hidden=(4, 3), activation="relu", optimizer="sgd")
    assert_same_params(widget.params, manual_run(2, **settings)[0])
    # learning rate and L2 act from the next epoch on, without a restart
    c["lr"].value = 0.1
    c["l2"].value = 0.01
    assert widget.data["epoch"] == 2
    before = widget.image.value
    widget.step_button.click()
    params, X, y = manual_run(2, **settings)
    params = P.train_epoch(params, X[:200], y[:200], lr=0.1, l2=0.01, activation="relu", optimizer="sgd", seed=2)
    assert_same_params(widget.params, params)
    assert widget.image.value != before
    bottom_row = np.column_stack([np.linspace(-P.EXTENT, P.EXTENT, widget.grid_size), np.full(widget.grid_size,
                                                                                                -P.EXTENT)])
    np.testing.assert_allclose(widget.data["grid_proba"][0], P.predict_proba(params, bottom_row, "relu"))
    np.testing.assert_array_equal(widget.image_map.get_array(), widget.data["grid_proba"])
    np.testing.assert_allclose(widget.test_line.get_data()[1], widget.data["history"][:, 1])


def test_bad_architecture_is_a_message_and_the_widget_recovers(widget) -> None:
    widget.play.value = 2
    good = widget.image.value
    widget.controls["hidden"].value = "8, x"
    assert "not a whole number" in widget.error and "⚠" in widget.message.value
    assert widget.image.value == good
    widget.step_button.click()  # Play/Step while the text is bad: still a message, no traceback
    assert widget.error
    widget.controls["hidden"].value = "5"
    assert widget.error == "" and widget.data["sizes"] == (5,) and widget.image.value != good


def test_training_in_the_widget_learns_xor(widget) -> None:
    widget.controls["dataset"].value = "xor"
    widget.play.value = 100
    assert widget.data["test_accuracy"] > 0.9
    assert widget.data["history"][-1, 0] < widget.data["history"][0, 0]


def test_static_fallback_is_a_png(widget) -> None:
    bundle = widget._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert bundle["text/plain"].startswith("Network playground")
