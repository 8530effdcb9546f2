"""Tests for course.generalization: the numbers behind lecture 04's figures are right."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course import generalization as gen

# ------------------------------------------------------------------ the problem


def test_light_curve_is_periodic_with_zero_mean():
    x = (np.arange(10_000) + 0.5) / 10_000
    assert gen.light_curve(np.array([0.0]))[0] == pytest.approx(gen.light_curve(np.array([1.0]))[0], abs=1e-12)
    assert np.mean(gen.light_curve(x)) == pytest.approx(0.0, abs=1e-9)


def test_sample_light_curve_is_reproducible_stratified_and_noisy():
    x, y = gen.sample_light_curve(50, seed=3)
    x2, y2 = gen.sample_light_curve(50, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(x, gen.sample_light_curve(50, seed=4)[0])
    # one phase in each of the 50 equal bins
    np.testing.assert_array_equal(np.sort(np.floor(x * 50).astype(int)), np.arange(50))
    xb, yb = gen.sample_light_curve(40_000, noise=0.3, seed=0)
    assert np.std(yb - gen.light_curve(xb)) == pytest.approx(0.3, rel=0.02)


def test_poly_design_is_legendre_in_2x_minus_1():
    x = np.array([0.0, 0.25, 0.7, 1.0])
    phi = gen.poly_design(x, 4)
    assert phi.shape == (4, 5)
    np.testing.assert_allclose(phi[:, 0], 1.0)
    for k in range(5):
        coef = np.zeros(5)
        coef[k] = 1.0
        np.testing.assert_allclose(phi[:, k], np.polynomial.legendre.legval(2 * x - 1, coef))
    with pytest.raises(ValueError):
        gen.poly_design(x, -1)


def test_fit_poly_is_least_squares():
    x, y = gen.sample_light_curve(30, seed=2)
    fit = gen.fit_poly(x, y, 4)
    ref = np.polynomial.Polynomial.fit(x, y, 4)
    np.testing.assert_allclose(fit(x), ref(x), atol=1e-10)
    # degree n - 1 interpolates
    xs, ys = x[:8], y[:8]
    np.testing.assert_allclose(gen.fit_poly(xs, ys, 7)(xs), ys, atol=1e-8)


def test_fit_poly_with_penalty_solves_the_penalised_normal_equations():
    x, y = gen.sample_light_curve(25, seed=5)
    lam = 0.03
    fit = gen.fit_poly(x, y, 6, lam)
    phi = gen.poly_design(x, 6)
    n = len(y)
    d = np.diag(np.r_[0.0, np.ones(6)])  # the constant (bias) is not penalised
    want = np.linalg.solve(phi.T @ phi / n + lam * d, phi.T @ y / n)
    np.testing.assert_allclose(fit.coef, want, atol=1e-10)
    assert fit.weight_norm == pytest.approx(np.linalg.norm(want[1:]))
    # a huge penalty leaves only the bias, which then is the mean of y
    flat = gen.fit_poly(x, y, 6, 1e9)
    assert flat.coef[0] == pytest.approx(np.mean(y), abs=1e-6)
    np.testing.assert_allclose(flat.coef[1:], 0.0, atol=1e-6)
    with pytest.raises(ValueError):
        gen.fit_poly(x, y, 3, -1.0)


def test_mse_and_true_risk():
    assert gen.mse([1.0, 2.0], [0.0, 4.0]) == pytest.approx(2.5)
    assert gen.true_risk(gen.light_curve, noise=0.2) == pytest.approx(0.04, abs=1e-12)
    # the zero function: the integral of m^2 is half the sum of the squared amplitudes
    amp2 = sum(a * a for a, _ in gen._HARMONICS) / 2
    assert gen.true_risk(lambda x: np.zeros_like(x), noise=0.1) == pytest.approx(amp2 + 0.01, rel=1e-6)


# ------------------------------------------------------------------ capacity


def test_capacity_sweep_training_error_never_rises_and_best_degree_is_argmin():
    x, y = gen.sample_light_curve(20, seed=1)
    xv, yv = gen.sample_light_curve(200, seed=101)
    sweep = gen.capacity_sweep(x, y, xv, yv, range(12))
    assert np.all(np.diff(sweep.train) <= 1e-12)      # nested models: more capacity never fits worse
    assert sweep.best_degree == int(np.argmin(sweep.val))
    assert np.all(sweep.risk >= gen.NOISE**2)
    assert sweep.val[0] > sweep.val[sweep.best_degree] < sweep.val[-1]   # U-shaped


def test_bias_variance_decomposition_adds_up():
    bv = gen.bias_variance(4, 20, repeats=40, seed=1)
    assert bv.predictions.shape == (40, len(bv.grid))
    assert bv.risk == pytest.approx(bv.bias2 + bv.variance + bv.noise2, rel=1e-10)
    low, high = gen.bias_variance(1, 20, repeats=60), gen.bias_variance(11, 20, repeats=60)
    assert low.bias2 > high.bias2 and low.variance < high.variance


def test_learning_curve_training_error_rises_and_risk_falls_for_a_flexible_model():
    train, risk = gen.learning_curve(8, [12, 50, 500], repeats=10, seed=0)
    assert train.shape == risk.shape == (3,)
    assert train[0] < train[-1] and risk[0] > risk[-1]
    assert np.all(risk >= gen.NOISE**2)


def test_kfold_with_k_equal_n_is_leave_one_out():
    x, y = gen.sample_light_curve(15, seed=8)
    got = gen.kfold_errors(x, y, [2, 3], k=15)
    for value, d in zip(got, [2, 3]):
        phi = gen.poly_design(x, d)
        hat = phi @ np.linalg.pinv(phi)                 # leave-one-out residual = r_i / (1 - h_ii)
        r = hat @ y - y
        assert value == pytest.approx(np.mean((r / (1 - np.diag(hat))) ** 2), rel=1e-8)


# ------------------------------------------------------------- regularisation


def test_ridge_path_shrinks_weights_and_raises_training_error():
    x, y = gen.sample_light_curve(20, seed=1)
    xv, yv = gen.sample_light_curve(100, seed=2)
    path = gen.ridge_path(x, y, xv, yv, 10, np.logspace(-6, 2, 9))
    assert np.all(np.diff(path["norm"]) < 0)
    assert np.all(np.diff(path["train"]) > 0)


@pytest.mark.parametrize("lam", [0.0, 0.01])
def test_gd_path_converges_to_the_exact_fit(lam):
    x, y = gen.sample_light_curve(30, seed=4)
    xv, yv = gen.sample_light_curve(50, seed=5)
    run = gen.gd_path(x, y, xv, yv, 2, epochs=20_000, lam=lam)
    exact = gen.fit_poly(x, y, 2, lam)
    np.testing.assert_allclose(run["coef"], exact.coef, atol=1e-6)
    assert run["train"][-1] == pytest.approx(gen.mse(exact(x), y), rel=1e-6)
    assert run["val"].shape == (20_000,)


# ------------------------------------------------------------------- splits


def test_selection_optimism_grows_with_the_number_of_models():
    acc = gen.selection_optimism(2000, 100, seed=1)
    assert acc.shape == (2000,)
    np.testing.assert_allclose(acc * 100, np.round(acc * 100))
    assert np.mean(acc) == pytest.approx(0.5, abs=0.01)
    assert acc[:1000].max() > 0.6 > acc[0] - 0.2


def test_random_split_fractions_vary_around_the_class_share():
    y = np.array([1] * 30 + [0] * 270)
    shares = gen.random_split_fractions(y, 1, 0.2, trials=500, seed=0)
    np.testing.assert_allclose(shares * 60, np.round(shares * 60))
    assert np.mean(shares) == pytest.approx(0.1, abs=0.01)
    assert shares.min() < 0.06 and shares.max() > 0.14


def test_split_table_counts_each_class_in_each_part():
    y = np.array([0, 0, 1, 1, 1, 2])
    text = gen.split_table(y, {"a": np.array([0, 2, 3]), "b": np.array([1, 4, 5])}, ["x", "y", "z"])
    lines = text.splitlines()
    assert lines[0].split() == ["class", "a", "b"]
    assert lines[2].split()[:2] == ["y", "2"] and "66.7%" in lines[2]
    assert lines[-1].split() == ["total", "3", "3"]


# ------------------------------------------------------------ initialisation


def test_init_std_formulas():
    assert gen.init_std("glorot", 100, 300) == pytest.approx(np.sqrt(2 / 400))
    assert gen.init_std("he", 50, 7) == pytest.approx(0.2)
    assert gen.init_std("lecun", 25, 1) == pytest.approx(0.2)
    assert gen.init_std("small", 3, 3) == 0.01
    with pytest.raises(ValueError):
        gen.init_std("xavier", 1, 1)
    assert set(gen.INIT_SCHEMES) == {"small", "large", "lecun", "glorot", "he"}


def test_signal_propagation_matches_the_variance_argument():
    act, grad = gen.signal_propagation("relu", "he", depth=20, width=256, batch=256)
    assert act.shape == grad.shape == (20,)
    assert 0.3 < act[-1] / act[0] < 3 and 0.3 < grad[0] / grad[-1] < 3
    act, grad = gen.signal_propagation("relu", "glorot", depth=20, width=256, batch=256)
    ratio = act[-1] / act[0]            # variance halves per layer: std falls by sqrt(2) per layer
    assert 2.0 ** (-19 / 2) / 4 < ratio < 2.0 ** (-19 / 2) * 4
    act, grad = gen.signal_propagation("linear", "lecun", depth=20, width=256, batch=256)
    assert 0.3 < act[-1] < 3 and 0.3 < grad[0] < 3
    act, grad = gen.signal_propagation("tanh", "small", depth=20)
    assert act[-1] < 1e-15 and grad[0] < 1e-15
    act, grad = gen.signal_propagation("sigmoid", "glorot", depth=20)
    assert grad[0] < 1e-9 < act[-1]
    with pytest.raises(ValueError):
        gen.signal_propagation("swish", "he")


# -------------------------------------------------------------- augmentation

IMG = np.arange(16.0).reshape(4, 4)


def test_dihedral_gives_the_eight_symmetries_of_the_square():
    images = {gen.dihedral(IMG, k, m).tobytes() for k, m in gen.DIHEDRAL}
    assert len(images) == 8
    np.testing.assert_array_equal(gen.dihedral(IMG, 0, False), IMG)
    np.testing.assert_array_equal(gen.dihedral(IMG, 1, False), np.rot90(IMG))
    np.testing.assert_array_equal(gen.dihedral(IMG, 0, True), IMG[:, ::-1])
    np.testing.assert_array_equal(gen.dihedral(gen.dihedral(IMG, 3, False), 1, False), IMG)


def test_shift_moves_without_wrapping():
    out = gen.shift(IMG, 1, -2, fill=-1.0)
    want = np.full((4, 4), -1.0)
    want[1:, :2] = IMG[:3, 2:]
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(gen.shift(IMG, 0, 0), IMG)
    np.testing.assert_array_equal(gen.shift(IMG, 4, 0), np.zeros((4, 4)))


def test_augment_applies_a_symmetry_and_a_shift_per_image():
    batch = np.stack([IMG, IMG + 100, IMG * 2])
    out = gen.augment(batch, seed=0, max_shift=0)
    assert out.shape == batch.shape and out.dtype == batch.dtype
    for src, img in zip(batch, out):
        assert any(np.array_equal(img, gen.dihedral(src, k, m)) for k, m in gen.DIHEDRAL)
    np.testing.assert_array_equal(gen.augment(batch, seed=0, symmetries=False, max_shift=0), batch)
    np.testing.assert_array_equal(gen.augment(batch, seed=5), gen.augment(batch, seed=5))
    many = gen.augment(np.repeat(IMG[None], 50, axis=0), seed=1, max_shift=1)
    assert len({img.tobytes() for img in many}) > 20
    with pytest.raises(ValueError):
        gen.augment(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError):
        gen.augment(np.zeros((3, 4)))


# ------------------------------------------------------------------ figures


def test_plot_capacity_draws_the_three_curves_and_marks_the_best_degree():
    x, y = gen.sample_light_curve(20, seed=1)
    xv, yv = gen.sample_light_curve(100, seed=9)
    sweep = gen.capacity_sweep(x, y, xv, yv, range(8))
    ax = gen.plot_capacity(sweep)
    lines = ax.get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), sweep.train)
    np.testing.assert_allclose(lines[1].get_ydata(), sweep.val)
    np.testing.assert_allclose(lines[2].get_ydata(), sweep.risk)
    assert lines[4].get_xdata()[0] == sweep.best_degree
    plt.close("all")


def test_plot_early_stopping_marks_best_and_stop_epochs_one_based():
    ax = gen.plot_early_stopping([3.0, 2.0, 2.5, 2.6], 1, 3, train=[3.0, 1.0, 0.5, 0.2])
    xs = [line.get_xdata()[0] for line in ax.get_lines()[2:4]]
    assert xs == [2, 4]
    assert ax.get_lines()[4].get_ydata()[0] == 2.0
    plt.close("all")


def test_plot_helpers_return_their_axes():
    x, y = gen.sample_light_curve(12, seed=0)
    assert len(gen.plot_fits(x, y, [gen.fit_poly(x, y, 1), gen.fit_poly(x, y, 3)])) == 2
    assert len(gen.plot_bias_variance([gen.bias_variance(2, 12, repeats=5)])) == 1
    sizes = [12, 24]
    ax = gen.plot_learning_curves(sizes, {"d1": gen.learning_curve(1, sizes, repeats=3)})
    assert len(ax.get_lines()) == 3
    path = gen.ridge_path(x, y, x, y, 3, [1e-3, 1e-1])
    assert len(gen.plot_ridge_path(path)) == 2
    runs = {"he": gen.signal_propagation("relu", "he", depth=5, width=16, batch=16)}
    axes = gen.plot_signal_propagation(runs)
    np.testing.assert_allclose(axes[0].get_lines()[0].get_ydata(), runs["he"][0])
    fig = gen.show_images(np.zeros((3, 4, 4)), ["a", "b", "c"], ncols=2)
    assert sum(1 for a in fig.axes if a.images) == 3
    plt.close("all")


# ---------------------------------------------------------------- Keras parts


def test_galaxy_mlp_layers_and_a_short_fit():
    keras = pytest.importorskip("keras")
    model = gen.galaxy_mlp((8, 8), 3, width=16, dropout=0.5, l2=1e-3, augment=True, decay_steps=10)
    names = [type(layer).__name__ for layer in model.layers]
    assert names == ["Reshape", "RandomFlip", "RandomTranslation", "Flatten", "Dense", "Dropout", "Dense",
                     "Dropout", "Dense"]
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert all(isinstance(d.kernel_regularizer, keras.regularizers.L2) for d in dense[:2])
    assert dense[-1].dtype_policy.compute_dtype == "float32" and dense[-1].units == 3
    plain = gen.galaxy_mlp((8, 8), 2, width=16)
    assert [type(layer).__name__ for layer in plain.layers] == ["Flatten", "Dense", "Dense", "Dense"]
    rng = np.random.default_rng(0)
    x = rng.random((40, 8, 8)).astype("float32")
    y = (x.mean(axis=(1, 2)) > 0.5).astype("int64")
    ds = gen.make_dataset(x, y, 16, shuffle=True, seed=0)
    assert [len(b[0]) for b in ds] == [16, 16, 8]
    history = plain.fit(ds, validation_data=gen.make_dataset(x, y, 40), epochs=2, shuffle=False, verbose=0).history
    assert set(history) >= {"loss", "accuracy", "xent", "val_xent"}
    assert history["loss"] == pytest.approx(history["xent"], rel=1e-5)   # no penalty: loss is the cross-entropy


def test_galaxy_cnn_layers_parameters_and_a_short_fit():
    keras = pytest.importorskip("keras")
    model = gen.galaxy_cnn((32, 32), 2, filters=(16, 32, 64), decay_steps=10)
    names = [type(layer).__name__ for layer in model.layers]
    assert names == ["Reshape"] + ["Conv2D", "MaxPooling2D"] * 3 + ["GlobalAveragePooling2D", "Dense"]
    # 3x3 kernels: (9 * c_in + 1) * c_out per convolution, then (64 + 1) * 2 for the softmax
    assert model.count_params() == (9 + 1) * 16 + (9 * 16 + 1) * 32 + (9 * 32 + 1) * 64 + (64 + 1) * 2 == 23426
    assert model.layers[-1].dtype_policy.compute_dtype == "float32"
    assert model.output_shape == (None, 2)
    assert isinstance(model.optimizer._learning_rate, keras.optimizers.schedules.CosineDecay)
    small = gen.galaxy_cnn((8, 8), 3, filters=(4,))
    assert small.count_params() == (9 + 1) * 4 + (4 + 1) * 3
    rng = np.random.default_rng(0)
    x = rng.random((24, 8, 8)).astype("float32")
    y = rng.integers(0, 3, size=24)
    history = small.fit(gen.make_dataset(x, y, 8), epochs=1, shuffle=False, verbose=0).history
    assert set(history) >= {"loss", "accuracy", "xent"}
    assert history["loss"] == pytest.approx(history["xent"], rel=1e-5)
    with pytest.raises(ValueError):
        gen.galaxy_cnn((8, 8), 2, filters=())
