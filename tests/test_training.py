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


def test_optimize_nesterov_by_hand():
    # v1 = -lr g0, w1 = w0 + mu v1 - lr g0 = w0 - lr (1 + mu) g0
    g0 = 4.5 * 0.8 - 1.5
    path = T.optimize(T.worked_grad, 0.8, 0.1, 2, "nesterov", momentum=0.5)
    assert path[1] == pytest.approx(0.8 - 0.1 * 1.5 * g0, rel=1e-12)
    v1 = -0.1 * g0
    g1 = 4.5 * path[1] - 1.5
    v2 = 0.5 * v1 - 0.1 * g1
    assert path[2] == pytest.approx(path[1] + 0.5 * v2 - 0.1 * g1, rel=1e-12)
    # with momentum 0 it is gradient descent
    np.testing.assert_allclose(T.optimize(T.worked_grad, 0.8, 0.1, 5, "nesterov", momentum=0.0),
                               T.optimize(T.worked_grad, 0.8, 0.1, 5))
    with pytest.raises(ValueError, match="momentum"):
        T.optimize(T.worked_grad, 0.8, 0.1, 2, "nesterov", momentum=1.0)


@pytest.mark.parametrize("method", ["momentum", "nesterov", "rmsprop", "adam"])
def test_optimize_matches_keras(method):
    keras = pytest.importorskip("keras")
    s = T.ravine(20, 30)
    make = {
        "momentum": lambda: keras.optimizers.SGD(0.02, momentum=0.8),
        "nesterov": lambda: keras.optimizers.SGD(0.02, momentum=0.8, nesterov=True),
        "rmsprop": lambda: keras.optimizers.RMSprop(0.05, rho=0.9, epsilon=1e-7),
        "adam": lambda: keras.optimizers.Adam(0.2, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    }
    lr = {"momentum": 0.02, "nesterov": 0.02, "rmsprop": 0.05, "adam": 0.2}[method]
    ours = T.optimize(s.grad, s.start, lr, 15, method, momentum=0.8)
    theirs = T.keras_path(make[method](), s.grad, s.start, 15)
    # Keras keeps some hyper-parameters in float32 (0.999 is not exact there): agreement to ~1e-5
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)


def test_adam_steps_and_its_bias_corrections():
    g = np.ones(4)
    # both corrections: a constant gradient gives steps of exactly lr (eps = 0)
    np.testing.assert_allclose(T.adam_steps(g, 0.01), -0.01 * np.ones(4), rtol=1e-12)
    # the first step by hand for each variant: m1 = 0.1 g, s1 = 0.001 g^2
    first = {(c1, c2): T.adam_steps([2.0], 1.0, correct_first=c1, correct_second=c2)[0]
             for c1 in (True, False) for c2 in (True, False)}
    assert first[(False, False)] == pytest.approx(-0.1 / np.sqrt(0.001), rel=1e-12)   # about -3.16
    assert first[(False, True)] == pytest.approx(-0.1, rel=1e-12)
    assert first[(True, False)] == pytest.approx(-1 / np.sqrt(0.001), rel=1e-12)
    # uncorrected steps at step t are lr (1 - b1^t) / sqrt(1 - b2^t)
    t = np.arange(1, 301)
    np.testing.assert_allclose(T.adam_steps(np.ones(300), 1.0, correct_first=False, correct_second=False),
                               -(1 - 0.9**t) / np.sqrt(1 - 0.999**t), rtol=1e-10)
    # with eps, the paper's update: -lr m_hat / (sqrt(s_hat) + eps)
    assert T.adam_steps([1e-6], 1.0, eps=1e-6)[0] == pytest.approx(-0.5, rel=1e-9)


def test_softmax_jacobian_against_tensorflow():
    tf = pytest.importorskip("tensorflow")
    z = tf.constant([2.0, -1.0, 0.5, 0.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(z)
        out = tf.nn.softmax(z)
    p = out.numpy()
    J = T.softmax_jacobian(p)
    np.testing.assert_allclose(J, tape.jacobian(out, z).numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(np.diag(J), p * (1 - p), rtol=1e-12)
    np.testing.assert_allclose(J, J.T, atol=1e-15)
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-15)
    # a confident prediction: every entry of the Jacobian is small
    assert np.abs(T.softmax_jacobian([0.999, 0.0005, 0.0005])).max() < 1e-3


def test_backprop_factors_follow_the_variance_argument():
    # the measured per-layer factor agrees with n Var(w) E[phi'^2]
    for act, std in [("sigmoid", 1.0), ("tanh", 0.05), ("relu", np.sqrt(2 / 64))]:
        measured, predicted = T.backprop_factors(act, std, width=64, depth=6, batch=256)
        assert measured.shape == predicted.shape == (6,)
        np.testing.assert_allclose(measured, predicted, rtol=0.15)
    # sigmoid: below 1/16 with n Var(w) = 1, above 1 with large weights
    assert T.backprop_factors("sigmoid", np.sqrt(1 / 128))[0].max() < 1 / 16
    assert T.backprop_factors("sigmoid", 2.0)[0].min() > 1.0
    # ReLU with He's variance keeps it near 1; a linear bound for tanh: n Var(w) E[tanh'^2] <= n Var(w)
    m, _ = T.backprop_factors("relu", np.sqrt(2 / 128))
    assert 0.85 < np.exp(np.mean(np.log(m))) < 1.15
    m, _ = T.backprop_factors("tanh", 0.05)
    assert np.all(m <= 128 * 0.05**2 * 1.05)
    with pytest.raises(ValueError, match="unknown activation"):
        T.backprop_factors("swish", 1.0)


def test_basins_of_the_wells():
    b = T.basins(T.wells, n=21)
    assert len(b.minima) == 3
    np.testing.assert_allclose(b.losses, [-1.091, -0.710, -0.463], atol=2e-3)  # lowest first: the global minimum
    np.testing.assert_allclose(b.minima[0], [1.416, 1.132], atol=2e-3)
    assert b.shares().sum() == pytest.approx(1.0) and np.all(b.shares() > 0.1)
    # every end point is a stationary point: the gradient vanishes there
    np.testing.assert_allclose(T.wells.grad(b.minima), 0.0, atol=1e-6)
    # a start inside a well ends in that well
    i = int(np.argmin(np.abs(b.x - 1.0)))
    j = int(np.argmin(np.abs(b.y + 1.8)))
    assert b.label[j, i] == 2
    with pytest.raises(ValueError, match="2-D"):
        T.basins(T.Surface("1-D", T.worked_loss, T.worked_grad, 1, (0.8, 0.0), (1 / 3,)))


def test_xor_network_loss_gradient_and_restarts():
    theta = np.random.default_rng(0).normal(size=9)
    # the loss is the mean binary cross-entropy of sigmoid(tanh(x W1 + b1) . w2 + b2)
    W1, b1, w2, b2 = theta[:4].reshape(2, 2), theta[4:6], theta[6:8], theta[8]
    p = 1 / (1 + np.exp(-(np.tanh(T.XOR_X @ W1 + b1) @ w2 + b2)))
    want = -np.mean(T.XOR_Y * np.log(p) + (1 - T.XOR_Y) * np.log(1 - p))
    assert float(T.xor_net_loss(theta)) == pytest.approx(want, rel=1e-12)
    # one step of xor_restarts is one gradient-descent step with the backpropagated gradient
    r0 = T.xor_restarts(3, 2, steps=0, seed=5)
    r1 = T.xor_restarts(3, 2, steps=1, lr=0.1, seed=5)
    for start, after in zip(r0.params, r1.params):
        numeric = T.numerical_gradient(lambda q: float(T.xor_net_loss(q["t"])), {"t": start})["t"]
        np.testing.assert_allclose(after, start - 0.1 * numeric, rtol=1e-6, atol=1e-9)
    # many restarts: most solve XOR, some get stuck near a loss of ln(2)/2; wider networks get stuck less
    two, eight = T.xor_restarts(100, 2, seed=0), T.xor_restarts(100, 8, seed=0)
    assert 0.3 < np.mean(two.losses < 0.1) < 0.9
    stuck = two.losses[two.losses > 0.1]
    assert np.median(stuck) == pytest.approx(0.5 * np.log(2), abs=0.01)
    assert np.mean(eight.losses < 0.1) > np.mean(two.losses < 0.1)
    # renumbering the hidden units gives the same function, the midpoint of the two does not
    best = two.params[np.argmin(two.losses)]
    swapped = T.swap_hidden_units(best, [1, 0])
    assert float(T.xor_net_loss(swapped)) == pytest.approx(float(T.xor_net_loss(best)), rel=1e-12)
    assert float(T.xor_net_loss((best + swapped) / 2)) > 0.5
    with pytest.raises(ValueError):
        T.swap_hidden_units(best, [0, 0])
    with pytest.raises(ValueError):
        T.xor_net_loss(np.zeros(8))


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
    ax = T.plot_basins(T.basins(T.wells, n=11))
    assert len(ax.collections) >= 3
    z = np.array([0.1, 1.0, 2.0])
    ax = T.plot_photoz(z, z + 0.1, np.array([0, 1, 2]), ("STAR", "GALAXY", "QSO"))
    assert len(ax.collections) == 3
