"""Tests for course.science: the physics of the generators, the features, FGSM and the figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import ndimage  # noqa: E402

from course import device, science  # noqa: E402

CLASSES = science.SURFACE_CLASSES
BAND = {name.split()[0]: i for i, name in enumerate(science.BAND_NAMES)}


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


@pytest.fixture(scope="module")
def patches():
    return science.satellite_patches(30, 32, seed=5)


def class_means(images, labels):
    X, y = science.pixel_dataset(images, labels)
    return {c: X[y == k].mean(axis=0) for k, c in enumerate(CLASSES) if np.any(y == k)}


# ------------------------------------------------------------ satellite patches


def test_satellite_patches_shapes_types_and_range(patches):
    images, labels = patches
    assert images.shape == (30, 32, 32, 7) and images.dtype == np.float32
    assert labels.shape == (30, 32, 32) and labels.dtype == np.int64
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert set(np.unique(labels)) == set(range(len(CLASSES)))
    assert len(science.BAND_NAMES) == len(science.WAVELENGTHS_UM) == 7
    assert list(science.WAVELENGTHS_UM) == sorted(science.WAVELENGTHS_UM)


def test_satellite_patches_are_reproducible_and_independent_of_n():
    a, la = science.satellite_patches(4, 16, seed=3)
    b, lb = science.satellite_patches(6, 16, seed=3)
    np.testing.assert_array_equal(a, b[:4])
    np.testing.assert_array_equal(la, lb[:4])
    c, _ = science.satellite_patches(4, 16, seed=4)
    assert not np.array_equal(a, c)


def test_snow_free_patches_have_no_snow():
    _, labels = science.satellite_patches(25, 24, seed=0, snow=False)
    assert not np.any(labels == CLASSES.index("snow"))
    assert np.any(labels == CLASSES.index("cloud"))


@pytest.mark.parametrize("n,size", [(0, 32), (2, 4)])
def test_satellite_patches_reject_bad_sizes(n, size):
    with pytest.raises(ValueError):
        science.satellite_patches(n, size)


def test_snow_is_bright_in_the_visible_and_dark_in_the_swir(patches):
    m = class_means(*patches)
    assert m["snow"][:3].mean() > 0.6 and m["cloud"][:3].mean() > 0.5       # both bright and white
    assert m["snow"][BAND["B11"]] < 0.15 < 0.35 < m["cloud"][BAND["B11"]]   # parted in the SWIR
    ndsi = {c: (v[BAND["B3"]] - v[BAND["B11"]]) / (v[BAND["B3"]] + v[BAND["B11"]]) for c, v in m.items()}
    assert ndsi["snow"] > 0.4 > ndsi["cloud"]


def test_only_high_clouds_are_bright_in_the_cirrus_band(patches):
    m = class_means(*patches)
    b10 = BAND["B10"]
    for surface in ("land", "water", "snow", "shadow"):
        assert m[surface][b10] < 0.02, surface
    assert m["cirrus"][b10] > 0.05 and m["cloud"][b10] > 0.05
    # thin cirrus hardly brightens the visible: far below thick cloud
    assert m["cirrus"][:3].mean() < 0.6 * m["cloud"][:3].mean()


def test_shadows_are_darker_than_land_in_every_band(patches):
    m = class_means(*patches)
    bands = [i for i in range(7) if i != BAND["B10"]]
    assert np.all(m["shadow"][bands] < m["land"][bands])
    assert m["land"][BAND["B8"]] > m["land"][BAND["B4"]]  # vegetation's red edge
    assert m["water"][BAND["B8"]] < 0.06                  # water absorbs the near-infrared


def test_rgb_composite_orders_red_green_blue():
    x = np.zeros((2, 3, 7), dtype=np.float32)
    x[..., 0], x[..., 1], x[..., 2] = 0.1, 0.2, 0.3  # blue, green, red bands
    rgb = science.rgb_composite(x, gain=2.0)
    assert rgb.shape == (2, 3, 3)
    np.testing.assert_allclose(rgb[0, 0], [0.6, 0.4, 0.2], rtol=1e-6)
    assert science.rgb_composite(np.ones((1, 1, 7)))[0, 0].tolist() == [1.0, 1.0, 1.0]  # clipped


def test_pixel_dataset_keeps_pixels_with_their_labels(patches):
    images, labels = patches
    X, y = science.pixel_dataset(images, labels)
    assert X.shape == (30 * 32 * 32, 7) and y.shape == (30 * 32 * 32,)
    k, i, j = 7, 5, 11
    row = (k * 32 + i) * 32 + j
    np.testing.assert_array_equal(X[row], images[k, i, j])
    assert y[row] == labels[k, i, j]


# ------------------------------------------------------------- cloud masks


def test_brightness_rule_thresholds_the_visible_mean():
    x = np.zeros((1, 3, 7))
    x[0, 0, :3] = [0.3, 0.3, 0.33]  # mean 0.31
    x[0, 1, :3] = [0.3, 0.3, 0.27]  # mean 0.29
    x[0, 2, 3:] = 0.9               # bright outside the visible only
    assert science.brightness_rule(x).tolist() == [[True, False, False]]
    assert science.brightness_rule(x, threshold=0.2).tolist() == [[True, True, False]]


def test_brightness_rule_flags_snow_and_misses_cirrus(patches):
    images, labels = patches
    rates = science.cloud_rates(labels, science.brightness_rule(images), CLASSES)
    assert rates["cloud"] > 0.95 and rates["snow"] > 0.9
    assert rates["cirrus"] < 0.5
    assert rates["land"] < 0.1 and rates["water"] < 0.1


def test_spectral_rule_on_reference_spectra():
    spectra = np.stack([science.SPECTRA[c] for c in CLASSES])
    flags = dict(zip(CLASSES, science.spectral_rule(spectra).tolist()))
    assert flags == {"cloud": True, "cirrus": True, "land": False, "water": False, "snow": False, "shadow": False}
    assert science.brightness_rule(spectra).tolist() == [True, False, False, False, True, False]


def test_spectral_rule_fixes_snow_and_cirrus(patches):
    images, labels = patches
    rates = science.cloud_rates(labels, science.spectral_rule(images), CLASSES)
    assert rates["cloud"] > 0.95 and rates["cirrus"] > 0.9
    assert rates["snow"] < 0.2


def test_cloud_rates_worked_example_and_absent_class():
    rates = science.cloud_rates(np.array([[0, 0, 1], [2, 2, 2]]),
                                np.array([[True, False, True], [False, False, True]]),
                                ("cloud", "cirrus", "land", "snow"))
    assert list(rates) == ["cloud", "cirrus", "land", "snow"]
    assert rates["cloud"] == 0.5 and rates["cirrus"] == 1.0 and rates["land"] == pytest.approx(1 / 3)
    assert np.isnan(rates["snow"])
    assert all(type(v) is float for v in rates.values())


def test_cloud_rates_agree_with_bincount():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 4, (5, 9, 9))
    mask = rng.random(labels.shape) < 0.4
    rates = science.cloud_rates(labels, mask, "abcd")
    want = np.bincount(labels[mask], minlength=4) / np.bincount(labels.ravel(), minlength=4)
    np.testing.assert_allclose([rates[c] for c in "abcd"], want)


def test_cloud_rates_rejects_mismatched_sizes():
    with pytest.raises(ValueError):
        science.cloud_rates(np.zeros(4, dtype=int), np.zeros(5, dtype=bool), ["a"])


def test_format_rates_table():
    text = science.format_rates({"rule": {"a": 0.5, "bb": float("nan")}, "a longer name": {"a": 1.0, "bb": 0.125}},
                                ["a", "bb"])
    lines = text.splitlines()
    assert lines[0].split() == ["method", "a", "bb"]
    assert set(lines[1]) == {"-"}
    assert lines[2].split() == ["rule", "0.50", "n/a"]
    assert lines[3].split()[-2:] == ["1.00", "0.12"]
    assert len({len(line) for line in lines}) == 1  # aligned columns


def test_pixel_classifier_shape_precision_and_learning(keras, patches):
    images, labels = patches
    X, y = science.pixel_dataset(images, labels)
    keras.utils.set_random_seed(0)
    model = science.build_pixel_classifier(7, 6, hidden=(16,), dropout=0.1)
    assert [layer.name for layer in model.layers] == ["normalise", "hidden1", "dropout1", "probabilities"]
    assert model.get_layer("probabilities").dtype_policy.compute_dtype == "float32"
    model.get_layer("normalise").adapt(X)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=3, batch_size=256, verbose=0)
    p = model.predict(X[:2000], verbose=0)
    assert p.shape == (2000, 6)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    assert (p.argmax(axis=1) == y[:2000]).mean() > 0.9


# ------------------------------------------------------------- cell volume


@pytest.fixture(scope="module")
def cell():
    return science.cell_volume(40, seed=2)


def test_cell_volume_shapes_and_classes(cell):
    volume, labels = cell
    assert volume.shape == labels.shape == (40, 40, 40)
    assert volume.dtype == np.float32 and labels.dtype == np.int64
    assert set(np.unique(labels)) == set(range(len(science.VOXEL_CLASSES)))
    b, l2 = science.cell_volume(40, seed=2)
    np.testing.assert_array_equal(volume, b)
    np.testing.assert_array_equal(labels, l2)
    with pytest.raises(ValueError):
        science.cell_volume(8)


def test_cell_absorption_follows_the_classes(cell):
    volume, labels = cell
    means = {c: volume[labels == k].mean() for k, c in enumerate(science.VOXEL_CLASSES)}
    assert means["background"] < 0.15
    assert means["nucleus"] < means["cytoplasm"] < means["mitochondrion"]
    assert means["cytoplasm"] < means["membrane"]
    # noise: single voxels overlap between neighbouring classes
    assert volume[labels == 1].std() > 0.03


def test_membranes_enclose_the_cell_and_the_nucleus(cell):
    _, labels = cell
    idx = {c: k for k, c in enumerate(science.VOXEL_CLASSES)}
    ice_grown = ndimage.binary_dilation(labels == idx["background"])
    assert not np.any(ice_grown & np.isin(labels, [idx["cytoplasm"], idx["nucleus"], idx["mitochondrion"]]))
    nucleus_grown = ndimage.binary_dilation(labels == idx["nucleus"])
    assert not np.any(nucleus_grown & np.isin(labels, [idx["cytoplasm"], idx["mitochondrion"]]))
    # membranes are thin: nearly every membrane voxel touches a non-membrane voxel
    membrane = labels == idx["membrane"]
    assert (membrane & ~ndimage.binary_erosion(membrane)).sum() > 0.8 * membrane.sum()


# ------------------------------------------------------------- voxel features


def test_voxel_features_quadratic_has_known_hessian():
    """For f = a x^2 + b y^2 + c z^2 + d xy the Hessian is constant; sigma^2 H has known eigenvalues."""
    a, b, c, d = 0.3, -0.2, 0.05, 0.1
    x, y, z = np.meshgrid(*[np.arange(31.0) - 15] * 3, indexing="ij")
    f = a * x**2 + b * y**2 + c * z**2 + d * x * y
    sigma = 1.5
    feats = science.voxel_features(f, [sigma]).reshape(31, 31, 31, 4)
    centre = feats[15, 15, 15]
    want = np.sort(np.linalg.eigvals(sigma**2 * np.array([[2 * a, d, 0], [d, 2 * b, 0], [0, 0, 2 * c]])).real)
    np.testing.assert_allclose(centre[1:], want, rtol=2e-2, atol=1e-3)
    # smoothing a quadratic adds sigma^2 * (a + b + c) at the centre (where f = 0)
    assert centre[0] == pytest.approx(sigma**2 * (a + b + c), rel=2e-2)


@pytest.mark.parametrize("shape,negative", [("sheet", 1), ("tube", 2), ("blob", 3)])
def test_hessian_eigenvalues_read_shapes(shape, negative):
    v = np.zeros((25, 25, 25))
    if shape == "sheet":
        v[12, :, :] = 1
    elif shape == "tube":
        v[12, 12, :] = 1
    else:
        v[12, 12, 12] = 1
    eig = science.voxel_features(v, [2.0]).reshape(25, 25, 25, 4)[12, 12, 12, 1:]
    assert np.all(np.diff(eig) >= 0)
    strong = np.abs(eig) > 0.2 * np.abs(eig).max()
    assert strong.sum() == negative and np.all(eig[strong] < 0)


def test_voxel_features_layout_and_rotation_invariance():
    rng = np.random.default_rng(0)
    v = ndimage.gaussian_filter(rng.normal(size=(8, 10, 12)), 1.0)
    feats = science.voxel_features(v, (1.0, 2.0))
    assert feats.shape == (8 * 10 * 12, 8) and feats.dtype == np.float64
    np.testing.assert_allclose(feats[:, 1], ndimage.gaussian_filter(v, 2.0).ravel())
    assert np.all(np.diff(feats[:, 2:5], axis=1) >= -1e-12) and np.all(np.diff(feats[:, 5:8], axis=1) >= -1e-12)
    # permuting the axes permutes the voxels but leaves every feature unchanged
    moved = science.voxel_features(v.transpose(2, 0, 1), (1.0, 2.0)).reshape(12, 8, 10, 8)
    np.testing.assert_allclose(moved.transpose(1, 2, 0, 3).reshape(-1, 8), feats, atol=1e-10)
    names = science.voxel_feature_names((1.0, 2.0))
    assert len(names) == 8 and names[0] == "gauss σ=1"
    assert names[2] == "hessian λ1 σ=1" and names[7] == "hessian λ3 σ=2"


def test_voxel_features_in_two_dimensions():
    img = np.zeros((15, 15))
    img[7, 7] = 1.0
    feats = science.voxel_features(img, [1.0])
    assert feats.shape == (225, 3)
    assert np.all(feats[7 * 15 + 7, 1:] < 0)


def test_sample_voxels_balances_classes():
    labels = np.array([0] * 50 + [1] * 5 + [2] * 20).reshape(3, 5, 5)
    picks = science.sample_voxels(labels, 10, seed=1)
    assert np.all(np.diff(picks) > 0)
    assert np.bincount(labels.ravel()[picks]).tolist() == [10, 5, 10]
    np.testing.assert_array_equal(picks, science.sample_voxels(labels, 10, seed=1))


# ------------------------------------------------------------- FGSM and spread


def test_fgsm_matches_the_analytic_gradient_of_softmax_regression(keras):
    """For p = softmax(Wx + b), d(cross-entropy)/dx = W^T (p - onehot(y))."""
    rng = np.random.default_rng(0)
    W = rng.normal(size=(6, 3)).astype(np.float32)
    b = rng.normal(size=3).astype(np.float32)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="softmax")])
    model.layers[0].set_weights([W, b])
    x = rng.uniform(0, 1, (20, 6)).astype(np.float32)
    x[0, :] = 0.0
    x[1, :] = 1.0  # saturated pixels must be clipped back
    y = rng.integers(0, 3, 20)
    logits = x @ W + b
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    grad = (p - np.eye(3)[y]) @ W.T
    adv = science.fgsm(model, x, y, 0.05)
    assert adv.dtype == np.float32 and adv.shape == x.shape
    np.testing.assert_allclose(adv, np.clip(x + 0.05 * np.sign(grad), 0, 1), atol=1e-6)
    np.testing.assert_allclose(science.fgsm(model, x, y, 0.0), x, atol=1e-7)


def test_fgsm_increases_the_loss(keras):
    rng = np.random.default_rng(1)
    model = keras.Sequential([keras.Input((10,)),
                              keras.layers.Dense(4, activation="softmax",
                                                 kernel_initializer=keras.initializers.GlorotUniform(seed=0))])
    x = rng.uniform(0.2, 0.8, (50, 10)).astype(np.float32)
    y = rng.integers(0, 4, 50)
    def loss(inputs):
        return float(keras.losses.sparse_categorical_crossentropy(y, model(inputs)).numpy().mean())

    assert loss(science.fgsm(model, x, y, 0.05)) > loss(x) > loss(science.fgsm(model, x, y, -0.05))


def test_tree_spread_mean_is_the_forest_probability():
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1).astype(int) * 2  # classes 0..3 (3 rare)
    forest = RandomForestClassifier(n_estimators=15, random_state=0).fit(X, y)
    Xt = rng.normal(size=(40, 3))
    mean, spread = science.tree_spread(forest, Xt, [1, 3])
    proba = forest.predict_proba(Xt)
    np.testing.assert_allclose(mean, proba[:, np.isin(forest.classes_, [1, 3])].sum(axis=1))
    assert spread.shape == (40,) and np.all(spread >= 0)
    votes = np.stack([t.predict_proba(Xt)[:, 1] for t in forest.estimators_])
    np.testing.assert_allclose(science.tree_spread(forest, Xt, 1)[1], votes.std(axis=0))
    # a class the forest never saw has probability 0 and no spread
    m9, s9 = science.tree_spread(forest, Xt, [9])
    assert np.all(m9 == 0) and np.all(s9 == 0)


# ------------------------------------------------------------------ figures


def test_figures(patches, cell):
    images, labels = patches
    assert len(science.plot_satellite_patches(images, labels, n=3).axes) == 12
    ax = science.plot_spectra(images, labels)
    assert len(ax.get_lines()) == len(CLASSES)
    fig = science.plot_cloud_masks(images[0], labels[0], {"a": science.brightness_rule(images[0]),
                                                          "b": science.spectral_rule(images[0])})
    assert len(fig.axes) == 4 and fig.axes[2].get_title() == "a"
    volume, vlabels = cell
    fig = science.plot_volume_slices(volume, vlabels, {"p": vlabels.ravel()}, index=20)
    assert [a.get_title() for a in fig.axes] == ["tomogram, slice 20", "truth", "p"]
    img = np.full((8, 8, 1), 0.5, dtype=np.float32)
    fig = science.plot_adversarial(img, img + 0.01, np.array([0.9, 0.1]), np.array([0.2, 0.8]), ["disc", "bulge"], 0.01)
    assert fig.axes[0].get_title() == "clean: disc (90 %)" and fig.axes[2].get_title() == "adversarial: bulge (80 %)"
    ax = science.plot_accuracy_vs_epsilon([0, 0.1], {"FGSM": [0.9, 0.2], "noise": [0.9, 0.88]}, chance=0.5)
    assert len(ax.get_lines()) == 3
    fig = science.plot_uncertainty(images[0], labels[0], np.zeros(32 * 32), np.zeros(32 * 32))
    assert len(fig.axes) == 6  # four panels and two colour bars
