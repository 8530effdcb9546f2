"""Unit tests for course.training (lecture 03_training): the numerics behind its figures and tables."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from course import data  # noqa: E402
from course import training as T  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ----------------------------------------------------------------- worked example


def test_worked_example_is_squared_error_of_one_point():
    w = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(T.worked_loss(w), (1.5 * w - 0.5) ** 2)
    np.testing.assert_allclose(T.worked_grad(w), 4.5 * w - 1.5)
    assert T.worked_loss(T.WORKED_MINIMUM) == pytest.approx(0.0, abs=1e-15)


def test_iterate_table_shows_the_lecture_numbers():
    path = T.optimize(T.worked_grad, 0.8, 0.1, 3)
    table = T.iterate_table(path).splitlines()
    assert len(table) == 2 + 4  # header, rule, k = 0..3
    assert table[2].split()[:2] == ["0", "0.800000"]
    assert [line.split()[1] for line in table[3:]] == ["0.590000", "0.474500", "0.410975"]
    # w_k - w* column is 0.55^k (0.8 - 1/3)
    assert float(table[5].split()[4]) == pytest.approx(0.55**3 * (0.8 - 1 / 3), abs=1e-6)
    assert len(T.iterate_table(path, minimum=None).splitlines()[0].split()) == 4


# ------------------------------------------------------------------------ descent


def test_optimize_gd_and_rmsprop_by_hand():
    np.testing.assert_allclose(T.optimize(T.worked_grad, 0.8, 0.1, 2), [0.8, 0.59, 0.4745])
    # RMSProp, first step: s = 0.1 g^2, w1 = w0 - lr g / sqrt(0.1 g^2 + eps)
    g = 4.5 * 0.8 - 1.5
    w1 = 0.8 - 0.01 * g / np.sqrt(0.1 * g * g + 1e-7)
    assert T.optimize(T.worked_grad, 0.8, 0.01, 1, "rmsprop")[1] == pytest.approx(w1, rel=1e-12)
    with pytest.raises(ValueError, match="unknown method"):
        T.optimize(T.worked_grad, 0.8, 0.1, 2, "newton")


@pytest.mark.parametrize("method", ["momentum", "rmsprop", "adam"])
def test_optimize_matches_keras(method):
    keras = pytest.importorskip("keras")
    s = T.ravine(20, 30)
    make = {
        "momentum": lambda: keras.optimizers.SGD(0.02, momentum=0.8),
        "rmsprop": lambda: keras.optimizers.RMSprop(0.05, rho=0.9, epsilon=1e-7),
        "adam": lambda: keras.optimizers.Adam(0.2, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    }
    lr = {"momentum": 0.02, "rmsprop": 0.05, "adam": 0.2}[method]
    ours = T.optimize(s.grad, s.start, lr, 15, method, momentum=0.8)
    theirs = T.keras_path(make[method](), s.grad, s.start, 15)
    # Keras keeps some hyper-parameters in float32 (0.999 is not exact there): agreement to ~1e-5
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)


def test_ravine_spectrum_and_rotation():
    flat, turned = T.ravine(50, 0), T.ravine(50, 45)
    # same loss at the start, same minimum, and the Hessian has eigenvalues 1 and 50 at any angle
    assert flat.loss(np.array(flat.start)) == pytest.approx(turned.loss(np.array(turned.start)))
    for s in (flat, turned):
        H = np.column_stack([s.grad(np.array(e)) for e in ([1.0, 0.0], [0.0, 1.0])])
        np.testing.assert_allclose(np.linalg.eigvalsh((H + H.T) / 2), [1.0, 50.0], atol=1e-12)
        assert s.loss(np.zeros(2)) == 0.0
    # gradient descent is rotation invariant: same losses along the way
    l0 = flat.loss(T.optimize(flat.grad, flat.start, 0.03, 30))
    l45 = turned.loss(T.optimize(turned.grad, turned.start, 0.03, 30))
    np.testing.assert_allclose(l0, l45, rtol=1e-9)
    # Adam is not
    a0 = flat.loss(T.optimize(flat.grad, flat.start, 0.2, 30, "adam"))
    a45 = turned.loss(T.optimize(turned.grad, turned.start, 0.2, 30, "adam"))
    assert abs(a0[-1] - a45[-1]) > 1e-3
    with pytest.raises(ValueError):
        T.ravine(0.5)


def test_steps_to_reach():
    assert T.steps_to_reach([5.0, 2.0, 0.5, 0.1], 1.0) == 2
    assert T.steps_to_reach([5.0, 2.0], 1.0) is None


# --------------------------------------------------------------------------- SGD


def test_line_grad_is_the_gradient_of_line_loss():
    x, y = T.line_data(50, seed=1)
    w = np.array([0.3, -0.7])
    num = T.numerical_gradient(lambda p: float(T.line_loss(p["w"], x, y)), {"w": w})["w"]
    np.testing.assert_allclose(T.line_grad(w, x, y), num, rtol=1e-7)
    direct = np.mean((w[0] + w[1] * x - y) ** 2)
    assert T.line_loss(w, x, y) == pytest.approx(direct)
    grid = np.zeros((3, 4, 2))
    assert T.line_loss(grid, x, y).shape == (3, 4)


def test_sgd_full_batch_is_gradient_descent_and_counts_steps():
    x, y = T.line_data(40, seed=2)
    path = T.sgd(x, y, [0.0, 0.0], 0.1, batch_size=40, epochs=3)
    gd = T.optimize(lambda w: T.line_grad(w, x, y), [0.0, 0.0], 0.1, 3)
    np.testing.assert_allclose(path, gd)
    assert T.sgd(x, y, [0.0, 0.0], 0.1, batch_size=15, epochs=2).shape == (2 * 3 + 1, 2)  # 15 + 15 + 10 per epoch
    assert T.sgd(x, y, [0.0, 0.0], 0.01, batch_size=1, epochs=1).shape == (41, 2)
    with pytest.raises(ValueError):
        T.sgd(x, y, [0.0, 0.0], 0.1, batch_size=0, epochs=1)


def test_sgd_converges_near_least_squares():
    x, y = T.line_data(500, seed=0)
    best = np.polyfit(x, y, 1)[::-1]
    end = T.sgd(x, y, [0.0, 0.0], 0.05, batch_size=25, epochs=20)[-1]
    np.testing.assert_allclose(end, best, atol=0.05)


def test_minibatch_gradient_noise_shrinks_like_one_over_sqrt_b():
    x, y = T.line_data(400, seed=3)
    w = np.array([0.0, 0.0])
    full = T.line_grad(w, x, y)
    r = w[0] + w[1] * x - y
    sigma = np.stack([2 * r, 2 * r * x], axis=1).std(axis=0)
    for b in (1, 16, 100):
        g = T.minibatch_gradients(x, y, w, b, draws=4000, seed=b)
        assert g.shape == (4000, 2)
        np.testing.assert_allclose(g.mean(axis=0), full, atol=4 * sigma.max() / np.sqrt(b * 4000) + 1e-12)
        predicted = sigma / np.sqrt(b) * np.sqrt((400 - b) / 399)
        np.testing.assert_allclose(g.std(axis=0), predicted, rtol=0.08)
    whole = T.minibatch_gradients(x, y, w, 400, draws=5)
    np.testing.assert_allclose(whole, np.tile(full, (5, 1)), atol=1e-12)
    with pytest.raises(ValueError):
        T.minibatch_gradients(x, y, w, 401)


# ----------------------------------------------------------------- backpropagation


def test_scalar_net_gradients_match_numerical_ones():
    net = T.scalar_net(2.0, 1.0, 0.5, -0.5, 1.5, 0.2)
    assert net.values["h"] == pytest.approx(1 / (1 + np.exp(-0.5)))
    params = {k: np.array(net.values[k]) for k in ("w1", "b1", "w2", "b2")}
    num = T.numerical_gradient(lambda p: T.scalar_net(2.0, 1.0, *(float(p[k]) for k in ("w1", "b1", "w2", "b2"))).values["L"], params)
    for k in params:
        assert net.grads[k] == pytest.approx(float(num[k]), rel=1e-7)
    num_x = T.numerical_gradient(lambda p: T.scalar_net(float(p["x"]), 1.0, 0.5, -0.5, 1.5, 0.2).values["L"], {"x": np.array(2.0)})
    assert net.grads["x"] == pytest.approx(float(num_x["x"]), rel=1e-7)


def test_two_layer_loss_and_numerical_gradient_against_tensorflow():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    p = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 2)), "b2": rng.normal(size=2)}
    v = {k: tf.Variable(a) for k, a in p.items()}
    with tf.GradientTape() as tape:
        y_hat = tf.tanh(x @ v["W1"] + v["b1"]) @ v["W2"] + v["b2"]
        loss = tf.reduce_sum((y_hat - y) ** 2) / 6
    ref = tape.gradient(loss, v)
    assert T.two_layer_loss(p, x, y) == pytest.approx(float(loss), rel=1e-12)
    num = T.numerical_gradient(lambda q: T.two_layer_loss(q, x, y), p)
    for k in p:
        assert num[k].shape == p[k].shape
        assert T.relative_error(num[k], ref[k].numpy()) < 1e-7
    # the parameters handed in are left untouched
    assert set(num) == set(p)


def test_relative_error():
    assert T.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert T.relative_error(0.0, 0.0) == 0.0
    assert T.relative_error([1.0], [3.0]) == pytest.approx(0.5)


def test_sigmoid_is_stable():
    with np.errstate(all="raise"):
        s = T.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0])


# ------------------------------------------------------------------- science case


def test_sky_table_and_standardize():
    df = data.sky_catalog(300, seed=5)
    tab = T.sky_table(df)
    assert tab.X.shape == (300, 5) and tab.X.dtype == np.float32
    np.testing.assert_allclose(tab.X[:, 1], (df["g"] - df["r"]).to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(tab.X[:, 4], df["r"].to_numpy(), rtol=1e-6)
    assert [tab.class_names[k] for k in tab.labels[:20]] == df["cls"].tolist()[:20]
    train, test = T.standardize(tab.X[:200], tab.X[200:])
    np.testing.assert_allclose(train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(train.std(axis=0), 1.0, atol=1e-5)
    mu, sd = tab.X[:200].mean(axis=0), tab.X[:200].std(axis=0)
    np.testing.assert_allclose(test, (tab.X[200:] - mu) / sd, rtol=1e-4, atol=1e-5)
    const = T.standardize(np.ones((4, 2), dtype=np.float32))[0]
    np.testing.assert_array_equal(const, 0.0)


def test_sky_table_rejects_unknown_classes():
    df = pd.DataFrame({b: [1.0] for b in "ugriz"} | {"redshift": [0.1], "cls": ["COMET"]})
    with pytest.raises(KeyError):
        T.sky_table(df)


# ------------------------------------------------------------------------- figures


def test_figures_draw():
    x, y = T.line_data(60)
    path = T.optimize(T.worked_grad, 0.8, 0.1, 5)
    assert len(T.plot_loss_shapes().axes) == 2
    ax = T.plot_descent_1d(path)
    assert len(ax.lines[1].get_xdata()) == 6
    ax = T.plot_distance({"a": path, "b": path})
    assert len(ax.get_lines()) == 2
    fig = T.learning_rate_panels([0.02, 0.1, 0.35, 0.5])
    titles = [a.get_title() for a in fig.axes]
    assert [t.splitlines()[1] for t in titles] == ["too small", "stable", "oscillating", "diverging"]
    runs = {"B=1": (T.sgd(x, y, [0, 0], 0.02, 1, 1), 1), "GD": (T.sgd(x, y, [0, 0], 0.1, 60, 3), 60)}
    T.plot_sgd_paths({k: v[0] for k, v in runs.items()}, x, y)
    T.plot_loss_vs_examples(runs, x, y)
    fig = T.draw_chain(T.scalar_net(2.0, 1.0, 0.5, -0.5, 1.5, 0.2))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "+0.0943" in texts and "0.6225" in texts
    s = T.ravine(10, 30)
    fig = T.plot_optimizer_race([(s, {"GD": T.optimize(s.grad, s.start, 0.1, 20)})])
    assert len(fig.axes) == 2
    z = np.array([0.1, 1.0, 2.0])
    ax = T.plot_photoz(z, z + 0.1, np.array([0, 1, 2]), ("STAR", "GALAXY", "QSO"))
    assert len(ax.collections) == 3
