"""Tests for course.cnn: counts against Keras and brute force, the lecture CNN, its data and figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import signal  # noqa: E402

from course import cnn, data, device  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def keras():
    """Keras, imported quietly and seeded by device.setup (CPU sizes, float32)."""
    device.setup(profile="cpu", verbose=False)
    import keras as k

    return k


def keras_numpy(variable):
    return np.asarray(variable.numpy())


@pytest.fixture(scope="module")
def trained(keras):
    """The lecture's digits CNN trained once on the CPU profile."""
    profile = device.setup(profile="cpu", verbose=False)
    return cnn.train_digits_cnn(profile)


# ------------------------------------------------------------------ counting


def test_dense_params_seed_example():
    assert cnn.dense_params(1000 * 1000 * 3, 1000) == 3_000_001_000
    assert cnn.dense_params(64, 10) == 650


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "64"])
def test_dense_params_rejects_bad_sizes(bad):
    with pytest.raises(ValueError):
        cnn.dense_params(bad, 10)
    with pytest.raises(ValueError):
        cnn.dense_params(10, bad)


@pytest.mark.parametrize("kernel,cin,filters", [(5, 1, 6), (3, 3, 64), ((3, 2), 4, 7), (1, 16, 8)])
def test_conv2d_params_match_keras(keras, kernel, cin, filters):
    layer = keras.layers.Conv2D(filters, kernel)
    layer.build((None, 12, 12, cin))
    assert cnn.conv2d_params(kernel, cin, filters) == layer.count_params()


def test_conv2d_params_lenet_and_errors():
    assert cnn.conv2d_params(5, 1, 6) == 156
    with pytest.raises(ValueError):
        cnn.conv2d_params(0, 1, 6)
    with pytest.raises(ValueError):
        cnn.conv2d_params(3, 1, 0)


def _receptive_field_by_intervals(layers):
    """Independent reference: map output pixel 0 back through the layers as an interval."""
    lo, hi = 0, 0
    for k, s in reversed(layers):
        lo, hi = lo * s, hi * s + k - 1
    return hi - lo + 1


def test_receptive_field_known_values():
    assert cnn.receptive_field([]) == 1
    assert cnn.receptive_field([(3, 1)]) == 3
    assert cnn.receptive_field([(3, 1), (3, 1)]) == 5
    assert cnn.receptive_field([(3, 1), (2, 2), (3, 1), (2, 2)]) == 10


@pytest.mark.parametrize("seed", range(6))
def test_receptive_field_matches_interval_propagation(seed):
    rng = np.random.default_rng(seed)
    layers = [(int(rng.integers(1, 6)), int(rng.integers(1, 4))) for _ in range(int(rng.integers(1, 7)))]
    assert cnn.receptive_field(layers) == _receptive_field_by_intervals(layers)


def test_receptive_field_rejects_bad_layers():
    with pytest.raises(ValueError):
        cnn.receptive_field([(3, 0)])


# --------------------------------------------------------------------- model


def test_lecture_cnn_layers_shapes_and_parameters(keras):
    model = cnn.build_lecture_cnn((8, 8, 1), 10)
    assert [l.name for l in model.layers] == ["conv1", "pool1", "conv2", "pool2", "flatten", "probabilities"]
    expected = cnn.conv2d_params(3, 1, 16) + cnn.conv2d_params(3, 16, 32) + cnn.dense_params(2 * 2 * 32, 10)
    assert model.count_params() == expected == 6090
    p = np.asarray(model.predict(np.random.default_rng(0).random((5, 8, 8, 1)).astype("float32"), verbose=0))
    assert p.shape == (5, 10)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    assert (p >= 0).all()


def test_lecture_cnn_output_stays_float32_under_mixed_precision(keras):
    try:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
        model = cnn.build_lecture_cnn((16, 16, 1), 3, filters=(4,))
        assert model.get_layer("conv1").compute_dtype == "bfloat16"
        assert model.get_layer("probabilities").compute_dtype == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_layer_table_lists_every_layer_and_the_total(keras):
    model = cnn.build_lecture_cnn((8, 8, 1), 10)
    table = cnn.layer_table(model)
    lines = table.splitlines()
    for layer in model.layers:
        assert any(line.startswith(layer.name) and line.rstrip().endswith(f"{layer.count_params():,}")
                   for line in lines), layer.name
    assert lines[-1] == "total parameters: 6,090"
    assert "(batch, 2, 2, 32)" in table


# ---------------------------------------------------------------------- data


def test_digits_split_shapes_range_and_stratification():
    x_train, y_train, x_test, y_test = cnn.digits_split()
    assert x_train.shape == (1347, 8, 8, 1) and x_test.shape == (450, 8, 8, 1)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() == 1.0
    images, labels = data.digit_images()
    assert np.array_equal(np.bincount(y_train) + np.bincount(y_test), np.bincount(labels))
    share = np.bincount(y_test) / np.bincount(labels)
    assert np.all(np.abs(share - 0.25) < 0.02)
    # every test image is one of the digits, scaled by 1/16
    flat = {row.tobytes() for row in (images / 16.0).astype(np.float32).reshape(len(images), -1)}
    assert all(x.reshape(-1).tobytes() in flat for x in x_test[:20])


def test_digits_split_depends_on_seed():
    a, b = cnn.digits_split(0)[1], cnn.digits_split(1)[1]
    assert not np.array_equal(a, b)
    assert np.array_equal(a, cnn.digits_split(0)[1])


def test_digits_schedule_follows_the_profile():
    assert cnn.digits_schedule(device.CPU_PROFILE) == (10, 64)
    assert cnn.digits_schedule(device.GPU_PROFILE) == (40, 256)


def test_galaxy_split_is_disjoint_and_shaped():
    x_train, y_train, x_test, y_test = cnn.galaxy_split(20, 10, size=16, seed=3)
    assert x_train.shape == (20, 16, 16, 1) and x_test.shape == (10, 16, 16, 1)
    assert set(np.unique(y_train)) == {0, 1} and y_test.shape == (10,)
    expected_train, _ = data.galaxy_images(20, 16, seed=3)
    np.testing.assert_array_equal(x_train[..., 0], expected_train)
    assert not np.array_equal(x_train[:10], x_test)


# ------------------------------------------------------------------ training


def test_fit_classifier_learns_bright_versus_dark(keras):
    rng = np.random.default_rng(0)
    y = np.arange(200) % 2
    x = (rng.random((200, 8, 8, 1)) * 0.2 + 0.8 * y[:, None, None, None]).astype("float32")
    keras.utils.set_random_seed(0)
    model = cnn.build_lecture_cnn((8, 8, 1), 2, filters=(4,))
    history, accuracy, seconds = cnn.fit_classifier(model, x[:150], y[:150], x[150:], y[150:], epochs=5, batch_size=16)
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history["loss"]) == 5 and history["loss"][-1] < history["loss"][0]
    predicted = np.asarray(model.predict(x[150:], verbose=0)).argmax(axis=1)
    assert accuracy == pytest.approx(np.mean(predicted == y[150:]), abs=1e-6)
    assert accuracy > 0.9 and seconds > 0
    history, _, _ = cnn.fit_classifier(model, x[:150], y[:150], x[150:], y[150:], epochs=1, batch_size=32, curves=False)
    assert set(history) == {"loss", "accuracy"}


def test_train_digits_cnn_reaches_the_lecture_accuracy(trained):
    model, history, accuracy, seconds = trained
    _, _, x_test, y_test = cnn.digits_split()
    predicted = np.asarray(model.predict(x_test, verbose=0)).argmax(axis=1)
    assert accuracy == pytest.approx(np.mean(predicted == y_test), abs=1e-6)
    assert accuracy >= 0.97
    assert len(history["accuracy"]) == 10 and seconds > 0


# ------------------------------------------------------------ looking inside


def test_feature_maps_shapes_and_first_layer_values(trained):
    model = trained[0]
    image = cnn.digits_split()[2][0]
    maps = cnn.feature_maps(model, image)
    assert [(n, m.shape) for n, m in maps] == [("conv1", (8, 8, 16)), ("pool1", (4, 4, 16)),
                                                ("conv2", (4, 4, 32)), ("pool2", (2, 2, 32))]
    kernel = keras_numpy(model.get_layer("conv1").kernel)
    bias = keras_numpy(model.get_layer("conv1").bias)
    for f in (0, 7, 15):
        want = np.maximum(signal.correlate2d(image[..., 0], kernel[:, :, 0, f], mode="same") + bias[f], 0)
        np.testing.assert_allclose(maps[0][1][:, :, f], want, atol=1e-5)
    pooled = maps[0][1].reshape(4, 2, 4, 2, 16).max(axis=(1, 3))
    np.testing.assert_allclose(maps[1][1], pooled, atol=1e-6)


def test_feature_maps_needs_a_convolution(keras):
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
    with pytest.raises(ValueError):
        cnn.feature_maps(model, np.zeros((4, 4)))


# ------------------------------------------------------------------- figures


def test_show_images_titles_and_pixels():
    images, labels = data.digit_images()
    fig = cnn.show_images(images, labels, n=5, ncols=3)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 5
    assert [ax.get_title() for ax in shown] == [str(v) for v in labels[:5]]
    np.testing.assert_array_equal(shown[2].images[0].get_array(), images[2])
    fig = cnn.show_images(images, np.array([0, 1]), ["disc", "bulge"], n=2)
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["disc", "bulge"]


def test_plot_filter_bank_panels_are_the_filtered_images():
    from course.widgets.convolution import KERNELS

    image = data.galaxy_image(16, seed=1)
    kernels = {name: KERNELS[name] for name in ("sharpen", "edge", "Gaussian blur")}
    fig = cnn.plot_filter_bank(image, kernels)
    assert len(fig.axes) == 4
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), image)
    for ax, (name, k) in zip(fig.axes[1:], kernels.items()):
        np.testing.assert_allclose(ax.images[0].get_array(), signal.correlate2d(image, k, mode="same"), atol=1e-6)
        assert ax.get_title().startswith(name)
    assert "sum to 0" in fig.axes[2].get_title() and "sum to 1" in fig.axes[1].get_title()


def test_plot_shift_equivariance_moves_the_feature_map():
    image = np.pad(data.digit_images()[0][0] / 16.0, 4)
    kernel = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    fig = cnn.plot_shift_equivariance(image, kernel, shift=(2, 2))
    axes = np.array(fig.axes).reshape(2, 3)
    before, after = (axes[r, 1].images[0].get_array() for r in range(2))
    np.testing.assert_allclose(after, np.roll(before, (2, 2), axis=(0, 1)), atol=1e-9)
    pooled_before, pooled_after = (axes[r, 2].images[0].get_array() for r in range(2))
    np.testing.assert_allclose(pooled_after, np.roll(pooled_before, (1, 1), axis=(0, 1)), atol=1e-9)
    assert axes[0, 1].images[0].get_clim() == axes[1, 1].images[0].get_clim()


def test_plot_learned_filters_shows_the_kernels(trained):
    model = trained[0]
    fig = cnn.plot_learned_filters(model)
    shown = [ax for ax in fig.axes if ax.images]
    kernel = keras_numpy(model.get_layer("conv1").kernel)
    assert len(shown) == 16
    np.testing.assert_allclose(shown[5].images[0].get_array(), kernel[:, :, 0, 5], atol=1e-6)
    fig = cnn.plot_learned_filters(model, layer="conv2")
    assert len([ax for ax in fig.axes if ax.images]) == 32


def test_plot_feature_maps_one_row_per_layer(trained):
    model = trained[0]
    image = cnn.digits_split()[2][3]
    fig = cnn.plot_feature_maps(model, image, n_maps=4)
    axes = np.array(fig.axes).reshape(4, 5)
    np.testing.assert_allclose(axes[0, 0].images[0].get_array(), image[..., 0])
    maps = cnn.feature_maps(model, image)
    for row, (name, fmap) in enumerate(maps):
        assert name in axes[row, 1].get_ylabel()
        np.testing.assert_allclose(axes[row, 3].images[0].get_array(), fmap[:, :, 2], atol=1e-6)
