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


# ------------------------------------------------------- locally connected layers


def _locally_connected_by_loops(x, kernels, bias, stride):
    oh, ow, kh, kw, cin, cout = kernels.shape
    out = np.zeros((oh, ow, cout))
    for i in range(oh):
        for j in range(ow):
            window = x[i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            for f in range(cout):
                out[i, j, f] = bias[i, j, f] + np.sum(window * kernels[i, j, :, :, :, f])
    return out


@pytest.mark.parametrize("shape,kernel,cout,stride", [((6, 7, 2), (3, 3), 3, 1), ((9, 8, 3), (2, 3), 2, 2),
                                                      ((5, 5, 1), (5, 5), 4, 1)])
def test_locally_connected2d_matches_loops(shape, kernel, cout, stride):
    rng = np.random.default_rng(sum(shape))
    x = rng.normal(size=shape)
    oh, ow = (shape[0] - kernel[0]) // stride + 1, (shape[1] - kernel[1]) // stride + 1
    kernels = rng.normal(size=(oh, ow, *kernel, shape[2], cout))
    bias = rng.normal(size=(oh, ow, cout))
    np.testing.assert_allclose(cnn.locally_connected2d(x, kernels, bias, stride),
                               _locally_connected_by_loops(x, kernels, bias, stride), atol=1e-12)
    assert kernels.size + bias.size == cnn.locally_connected_params(shape[0], shape[1], kernel, shape[2], cout, stride)


def test_locally_connected2d_with_shared_weights_is_a_convolution_layer(keras):
    import tensorflow as tf

    rng = np.random.default_rng(3)
    x, k, b = rng.normal(size=(7, 6, 3)), rng.normal(size=(3, 2, 3, 4)), rng.normal(size=4)
    for stride in (1, 2):
        oh, ow = (7 - 3) // stride + 1, (6 - 2) // stride + 1
        tied = np.broadcast_to(k, (oh, ow, *k.shape))
        conv = tf.nn.conv2d(x[None], k, strides=stride, padding="VALID")[0].numpy() + b
        np.testing.assert_allclose(cnn.locally_connected2d(x, tied, np.broadcast_to(b, (oh, ow, 4)), stride), conv,
                                   atol=1e-10)
    untied = np.broadcast_to(k, (5, 5, *k.shape)).copy()
    untied[0, 0] += 1.0  # one position with its own kernel: no longer a convolution
    conv = tf.nn.conv2d(x[None], k, strides=1, padding="VALID")[0].numpy() + b
    got = cnn.locally_connected2d(x, untied, np.broadcast_to(b, (5, 5, 4)))
    assert not np.allclose(got[0, 0], conv[0, 0]) and np.allclose(got[1:], conv[1:])


def test_locally_connected_params_grow_with_the_image():
    assert cnn.locally_connected_params(28, 28, 3, 1, 32) == 26 * 26 * cnn.conv2d_params(3, 1, 32) == 216_320
    assert cnn.locally_connected_params(64, 64, 3, 5, 32, stride=2) == 31 * 31 * 1_472
    assert cnn.locally_connected_params(3, 3, 3, 2, 2) == cnn.conv2d_params(3, 2, 2)  # one position: no sharing to lose
    for bad in [dict(height=0), dict(stride=0), dict(kernel_size=30)]:
        args = dict(height=28, width=28, kernel_size=3, in_channels=1, filters=8) | bad
        with pytest.raises(ValueError):
            cnn.locally_connected_params(**args)


def test_locally_connected2d_refuses_mismatched_shapes():
    x = np.zeros((6, 6, 2))
    with pytest.raises(ValueError, match="input channels"):
        cnn.locally_connected2d(x, np.zeros((4, 4, 3, 3, 3, 1)), np.zeros((4, 4, 1)))
    with pytest.raises(ValueError, match="output positions"):
        cnn.locally_connected2d(x, np.zeros((3, 3, 3, 3, 2, 1)), np.zeros((3, 3, 1)))
    with pytest.raises(ValueError, match="bias"):
        cnn.locally_connected2d(x, np.zeros((4, 4, 3, 3, 2, 1)), np.zeros(1))


# --------------------------------------------------------------- image tasks


@pytest.mark.parametrize("task,inputs,output", [
    ("classification", [(32, 40, 13)], (10,)),
    ("detection", [(32, 40, 13)], (4, 5, 2 * 5 + 10)),
    ("rotated detection", [(32, 40, 13)], (4, 5, 2 * 6 + 10)),
    ("segmentation", [(32, 40, 13)], (32, 40, 10)),
    ("denoising", [(32, 40, 13)], (32, 40, 13)),
    ("pansharpening", [(32, 40, 13), (128, 160, 1)], (128, 160, 13)),
    ("forecasting", [(32, 40, 13, 6)], (32, 40, 13)),
])
def test_task_models_have_the_shapes_of_their_task(keras, task, inputs, output):
    model = cnn.build_task_model(task, 32, 40, 13)
    assert [tuple(t.shape[1:]) for t in model.inputs] == inputs
    assert tuple(model.outputs[0].shape[1:]) == output
    batch = [np.random.default_rng(0).random((2, *shape)).astype("float32") for shape in inputs]
    y = np.asarray(model(batch if len(batch) > 1 else batch[0]))
    assert y.shape == (2, *output)
    if task in ("classification", "segmentation"):
        np.testing.assert_allclose(y.sum(axis=-1), 1.0, atol=1e-5)  # probabilities


def test_task_models_follow_their_options(keras):
    m = cnn.build_task_model("detection", 64, 64, 3, classes=20, boxes=3)
    assert tuple(m.outputs[0].shape[1:]) == (8, 8, 3 * 5 + 20)
    m = cnn.build_task_model("pansharpening", 16, 16, 4, ratio=2)
    assert tuple(m.outputs[0].shape[1:]) == (32, 32, 4)
    m = cnn.build_task_model("forecasting", 16, 16, 4, steps=3)
    assert tuple(m.inputs[0].shape[1:]) == (16, 16, 4, 3)
    with pytest.raises(ValueError, match="unknown task"):
        cnn.build_task_model("captioning", 16, 16, 3)
    assert cnn.IMAGE_TASKS[0] == "classification" and len(cnn.IMAGE_TASKS) == 7
