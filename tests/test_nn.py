"""Tests for course.nn: XOR data, parameter counts, the ReLU interpolation network, figures' data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from course import data, nn  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def relu_net(x: np.ndarray, W1, b1, W2, b2) -> np.ndarray:
    return np.maximum(x @ W1 + b1, 0.0) @ W2 + b2


# --------------------------------------------------------------------------- XOR


def test_xor_data_is_the_truth_table():
    X, y = nn.xor_data()
    assert X.shape == (4, 2) and X.dtype == float
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0] > 0.5, X[:, 1] > 0.5).astype(int))


def test_xor_boxes_stay_in_their_boxes_and_carry_the_corner_label():
    X, y = nn.xor_boxes(50, half_width=0.2, seed=3)
    assert X.shape == (200, 2) and y.shape == (200,)
    corners = np.round(X)
    assert np.all(np.abs(X - corners) <= 0.2)
    np.testing.assert_array_equal(y, (corners[:, 0] != corners[:, 1]).astype(int))
    assert np.bincount(y).tolist() == [100, 100]
    X2, _ = nn.xor_boxes(50, half_width=0.2, seed=3)
    np.testing.assert_array_equal(X, X2)
    assert not np.allclose(X, nn.xor_boxes(50, half_width=0.2, seed=4)[0])
    with pytest.raises(ValueError):
        nn.xor_boxes(-1)


def test_step_is_one_at_zero():
    np.testing.assert_array_equal(nn.step(np.array([-2.0, -1e-9, 0.0, -0.0, 1e-9, 3.0])),
                                  [0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    assert float(nn.step(0.0)) == 1.0


def test_step_agrees_with_the_perceptron_of_lecture_01():
    # the same convention as lecture 01: a score of exactly 0 is the positive class (+1 there, 1 here)
    from course.fundamentals import PerceptronRun

    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [-1.0, 0.5], [0.5, 0.5]])
    w, b = np.array([1.0, -1.0]), 0.0                      # scores 0, 0, 2, -1.5, 0: three on the line
    empty = np.zeros(0)
    run = PerceptronRun(w=w, b=b, weights=empty, biases=empty, mistakes=empty)
    np.testing.assert_array_equal(run.predict(X), [1, 1, 1, -1, 1])
    np.testing.assert_array_equal(nn.step(X @ w + b), (run.predict(X) + 1) / 2)


def test_hand_made_xor_network_of_the_lecture():
    # OR and AND as hidden step units, "OR and not AND" as the output: XOR
    X, y = nn.xor_data()
    W1, b1 = np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5])
    H = nn.step(X @ W1 + b1)
    out = nn.step(H @ np.array([1.0, -1.0]) - 0.5)
    np.testing.assert_array_equal(out, y)


# -------------------------------------------------------------------- parameters


@pytest.mark.parametrize("sizes,expected", [
    ([2, 2, 1], 2 * 2 + 2 + 2 * 1 + 1),
    ([784, 128, 64, 10], 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10),
    ([5, 3], 18),
])
def test_parameter_count(sizes, expected):
    assert nn.parameter_count(sizes) == expected


def test_parameter_count_refuses_bad_sizes():
    with pytest.raises(ValueError):
        nn.parameter_count([3])
    with pytest.raises(ValueError):
        nn.parameter_count([3, 0, 1])


def test_parameter_table_rows_add_up():
    table = nn.parameter_table([4, 3, 2])
    assert list(table.index) == ["hidden 1", "output", "total"]
    assert table.loc["hidden 1", "parameters"] == 15 and table.loc["output", "parameters"] == 8
    assert table.loc["total", "parameters"] == 23 == nn.parameter_count([4, 3, 2])
    assert table.loc["total", "weights"] + table.loc["total", "biases"] == 23
    assert table.loc["output", "W shape"] == "3 x 2"


# ----------------------------------------------------------- universal approximation


def test_relu_interpolation_passes_through_the_knots_and_is_linear_between():
    knots = np.array([-1.0, 0.0, 0.5, 2.0])
    W1, b1, W2, b2 = nn.relu_interpolation(np.cos, knots)
    assert W1.shape == (1, 3) and b1.shape == (3,) and W2.shape == (3, 1) and b2.shape == (1,)
    np.testing.assert_allclose(relu_net(knots[:, None], W1, b1, W2, b2)[:, 0], np.cos(knots), atol=1e-12)
    x = np.linspace(-1.0, 2.0, 301)
    np.testing.assert_allclose(relu_net(x[:, None], W1, b1, W2, b2)[:, 0], np.interp(x, knots, np.cos(knots)),
                               atol=1e-12)
    # constant on the left, last segment continued on the right
    left = relu_net(np.array([[-5.0]]), W1, b1, W2, b2)[0, 0]
    assert left == pytest.approx(np.cos(-1.0))
    slope = (np.cos(2.0) - np.cos(0.5)) / 1.5
    right = relu_net(np.array([[3.0]]), W1, b1, W2, b2)[0, 0]
    assert right == pytest.approx(np.cos(2.0) + slope)


def test_relu_interpolation_error_shrinks_like_h_squared():
    x = np.linspace(0.0, np.pi, 2001)[:, None]
    errors = []
    for n in (8, 16, 32):
        W = nn.relu_interpolation(np.sin, np.linspace(0.0, np.pi, n + 1))
        errors.append(np.max(np.abs(relu_net(x, *W)[:, 0] - np.sin(x[:, 0]))))
    # halving the spacing divides the error by ~4 (bound h^2/8 max|f''|)
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.1)
    assert errors[1] / errors[2] == pytest.approx(4.0, rel=0.1)
    assert errors[0] <= (np.pi / 8) ** 2 / 8 + 1e-12


def test_relu_interpolation_refuses_unsorted_knots():
    with pytest.raises(ValueError):
        nn.relu_interpolation(np.sin, [0.0, 1.0, 0.5])
    with pytest.raises(ValueError):
        nn.relu_interpolation(np.sin, [0.0])


# ------------------------------------------------------------------- science case


def test_sky_features_are_colours_and_r():
    cat = data.sky_catalog(300, seed=2)
    X, y = nn.sky_features(cat)
    assert X.shape == (300, 5) and y.shape == (300,) and y.dtype == np.int64
    np.testing.assert_allclose(X[:, 0], cat.u - cat.g)
    np.testing.assert_allclose(X[:, 3], cat.i - cat.z)
    np.testing.assert_allclose(X[:, 4], cat.r)
    np.testing.assert_array_equal(np.array(data.SKY_CLASSES)[y], cat.cls.to_numpy())
    assert len(nn.SKY_FEATURES) == X.shape[1]


def test_sky_features_refuses_unknown_classes():
    cat = data.sky_catalog(5, seed=0).assign(cls=["STAR", "GALAXY", "QSO", "PLANET", "STAR"])
    with pytest.raises(ValueError):
        nn.sky_features(cat)


# ------------------------------------------------------------------------ figures


def test_draw_network_edges_and_nodes():
    ax = nn.draw_network([2, 3, 1], show_bias=False)
    assert len(ax.lines) == 2 * 3 + 3 * 1
    assert len(ax.collections[0].get_offsets()) == 6
    assert ax.get_title() == f"{nn.parameter_count([2, 3, 1])} parameters"
    ax2 = nn.draw_network([2, 3, 1], show_bias=True)
    assert len(ax2.lines) == (2 + 1) * 3 + (3 + 1) * 1


def test_draw_network_weights_colour_by_sign_and_skip_zeros():
    W1 = np.array([[1.0, 0.0], [-2.0, 1.0]])
    W2 = np.array([[1.0], [-1.0]])
    ax = nn.draw_network([2, 2, 1], weights=[W1, W2], show_bias=False)
    assert len(ax.lines) == 3 + 2  # the zero weight is not drawn
    colours = {line.get_color() for line in ax.lines}
    assert colours == {"#0072B2", "#D55E00"}
    widths = sorted(line.get_linewidth() for line in ax.lines)
    assert widths[-1] > widths[0]  # |w| = 2 is drawn thickest
    with pytest.raises(ValueError):
        nn.draw_network([2, 2, 1], weights=[W1.T[:1], W2])


def test_draw_network_abbreviates_large_layers():
    ax = nn.draw_network([784, 16, 10], max_nodes=6, show_bias=False)
    assert len(ax.collections[0].get_offsets()) == 5 + 5 + 5
    assert any(t.get_text() == "⋮" for t in ax.texts)


def test_plot_unit_output_shows_the_function_values():
    ax = nn.plot_unit_output(lambda P: (P[:, 0] > 0.5).astype(float), limits=(0.0, 1.0, 0.0, 1.0), resolution=11)
    image = ax.images[0].get_array()
    assert image.shape == (11, 11)
    np.testing.assert_array_equal(image[0], (np.linspace(0, 1, 11) > 0.5).astype(float))
    with pytest.raises(ValueError):
        nn.plot_unit_output(lambda P: P[:3, 0], resolution=5)


def test_plot_hidden_lines_one_line_per_active_unit():
    fig, ax = plt.subplots()
    ax.set_xlim(-1, 2)
    ax.set_ylim(-1, 2)
    lines = nn.plot_hidden_lines(np.array([[1.0, 0.0, 1.0], [1.0, 0.0, -1.0]]), np.array([-0.5, 1.0, 0.0]), ax)
    assert len(lines) == 2
    xs, ys = lines[0].get_data()
    np.testing.assert_allclose(np.asarray(xs) + np.asarray(ys), [0.5, 0.5])  # x1 + x2 - 0.5 = 0
    with pytest.raises(ValueError):
        nn.plot_hidden_lines(np.ones((3, 2)), np.zeros(2), ax)


def test_activation_gallery_draws_function_and_derivative():
    fig = nn.plot_activation_gallery(("sigmoid", "relu"), x_range=(-2.0, 2.0))
    sig, relu = fig.axes[0], fig.axes[1]
    x, f = sig.lines[-2].get_data()
    _, d = sig.lines[-1].get_data()
    s = 1 / (1 + np.exp(-np.asarray(x)))
    np.testing.assert_allclose(f, s)
    np.testing.assert_allclose(d, s * (1 - s))
    _, d_relu = relu.lines[-1].get_data()
    np.testing.assert_array_equal(d_relu, (np.asarray(x) > 0).astype(float))


# ------------------------------------------------------------------------- Keras


@pytest.fixture(scope="module")
def keras():
    from course import device

    device.setup(verbose=False)
    import keras

    return keras


def test_build_mlp_has_the_counted_parameters_and_named_layers(keras):
    model = nn.build_mlp(5, [8, 4], 3, output_activation="softmax", name="sky")
    assert model.count_params() == nn.parameter_count([5, 8, 4, 3])
    assert [layer.name for layer in model.layers] == ["hidden_1", "hidden_2", "output"]
    assert model.layers[-1].dtype_policy.name == "float32"
    out = model(np.zeros((2, 5), dtype="float32")).numpy()
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)


def test_layer_table_matches_the_model(keras):
    model = nn.build_mlp(2, [3], 1, output_activation="sigmoid")
    table = nn.layer_table(model)
    assert isinstance(table, pd.DataFrame)
    assert list(table.index) == ["hidden_1", "output"]
    assert table["parameters"].tolist() == [9, 4]
    assert table.loc["hidden_1", "weight shapes"] == "(2, 3), (3,)"
    assert table.loc["output", "activation"] == "sigmoid"


def test_relu_interpolation_weights_load_into_keras(keras):
    knots = np.linspace(0.0, 3.0, 7)
    weights = nn.relu_interpolation(np.exp, knots)
    model = nn.build_mlp(1, [6], 1)
    model.set_weights([w.astype("float32") for w in weights])
    x = np.linspace(0.0, 3.0, 13)[:, None]
    np.testing.assert_allclose(model(x).numpy()[:, 0], np.interp(x[:, 0], knots, np.exp(knots)), rtol=1e-5)


def test_planck_peaks_at_wien_and_is_normalised():
    lam = np.linspace(0.1, 3.0, 29001)
    spectrum = nn.planck(lam, 5800.0)
    assert spectrum.max() == pytest.approx(1.0, abs=1e-8)
    assert lam[np.argmax(spectrum)] == pytest.approx(2897.77 / 5800.0, abs=2e-4)
    # Rayleigh-Jeans tail: B ~ lambda^-4 far to the red
    far = nn.planck(np.array([200.0, 400.0]), 5800.0)
    assert far[0] / far[1] == pytest.approx(16.0, rel=1e-2)
    with pytest.raises(ValueError):
        nn.planck(1.0, -5.0)


def test_build_mlp_dtype_float32_pins_every_layer(keras):
    before = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        mixed = nn.build_mlp(2, [3], 1)
        pinned = nn.build_mlp(2, [3], 1, dtype="float32")
    finally:
        keras.mixed_precision.set_global_policy(before)
    assert [layer.dtype_policy.name for layer in mixed.layers] == ["mixed_bfloat16", "float32"]
    assert [layer.dtype_policy.name for layer in pinned.layers] == ["float32", "float32"]
