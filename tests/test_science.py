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


# ------------------------------------------------------------- published table and operating point


def test_sentinel2_validation_is_the_published_table():
    table = science.SENTINEL2_VALIDATION
    assert list(table) == ["Fmask", "Sen2Cor", "Sentinel Hub"]
    assert all(list(rates) == list(CLASSES) for rates in table.values())
    assert [table[m]["cirrus"] for m in table] == [0.883, 0.877, 0.838]
    assert [table[m]["shadow"] for m in table] == [0.039, 0.039, 0.058]
    text = science.format_rates(table, CLASSES, percent=True)
    assert text.splitlines()[4].split() == ["Sentinel", "Hub", "99.4", "83.8", "2.2", "0.1", "13.5", "5.8"]


def test_best_per_class_reads_the_published_table():
    best = science.best_per_class(science.SENTINEL2_VALIDATION, CLASSES)
    assert best == {"cloud": ["Sentinel Hub"], "cirrus": ["Fmask"], "land": ["Sentinel Hub"], "water": ["Sen2Cor"],
                    "snow": ["Sentinel Hub"], "shadow": ["Fmask", "Sen2Cor"]}


def test_best_per_class_skips_nan_and_respects_the_cloud_classes():
    results = {"a": {"x": 0.2, "y": float("nan")}, "b": {"x": 0.4, "y": float("nan")}}
    assert science.best_per_class(results, ["x", "y"], cloud_classes=()) == {"x": ["a"], "y": []}
    assert science.best_per_class(results, ["x", "y"], cloud_classes=("x",)) == {"x": ["b"], "y": []}


def test_format_rates_in_percent():
    text = science.format_rates({"m": {"a": 0.1234, "b": float("nan")}}, ["a", "b"], percent=True)
    assert text.splitlines()[2].split() == ["m", "12.3", "n/a"]


def test_rates_vs_threshold_matches_cloud_rates_row_by_row():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, (4, 6, 6))
    prob = rng.random(labels.shape)
    names = ["a", "b", "c", "absent"]
    thresholds = [0.0, 0.25, 0.5, 0.99]
    table = science.rates_vs_threshold(labels, prob, names, thresholds)
    assert table.shape == (4, 4)
    for row, t in zip(table, thresholds):
        want = science.cloud_rates(labels, prob > t, names)
        np.testing.assert_allclose(row[:3], [want[n] for n in names[:3]])
        assert np.isnan(row[3])
    assert np.all(np.diff(table[:, :3], axis=0) <= 0)  # a higher threshold never flags more
    with pytest.raises(ValueError):
        science.rates_vs_threshold(np.zeros(3, int), np.zeros(4), ["a"], [0.5])


# ------------------------------------------------------------- tilt series and missing wedge


def test_tilt_series_of_the_b24_beamline():
    angles = science.tilt_angles(65, 0.5)
    assert len(angles) == 261 and angles[0] == -65 and angles[-1] == 65
    np.testing.assert_allclose(np.diff(angles), 0.5)
    assert len(science.tilt_angles(60, 2)) == 61
    assert science.missing_wedge_fraction(65) == pytest.approx(50 / 180)
    assert science.missing_wedge_fraction(90) == 0.0 and science.missing_wedge_fraction(0) == 1.0
    with pytest.raises(ValueError):
        science.tilt_angles(65, 0)
    with pytest.raises(ValueError):
        science.missing_wedge_fraction(95)


def test_missing_wedge_mask_covers_the_measured_directions():
    mask = science.missing_wedge_mask((64, 64), 65)
    assert mask.shape == (64, 64) and mask.dtype == bool
    assert mask[0, 0] and mask[0, 5] and not mask[5, 0]  # k_x axis measured, k_z axis missing
    assert mask[5, 5]  # 45 degrees is inside +-65
    # the missing fraction of a large grid approaches the analytic wedge
    big = science.missing_wedge_mask((512, 512), 65)
    k = np.hypot(*np.meshgrid(np.fft.fftfreq(512), np.fft.fftfreq(512), indexing="ij"))
    inside = (k > 0) & (k < 0.5)
    assert 1 - big[inside].mean() == pytest.approx(science.missing_wedge_fraction(65), abs=0.01)
    assert science.missing_wedge_mask((16, 16), 90).all()


def test_apply_missing_wedge_keeps_the_mean_and_stretches_along_z():
    image = np.zeros((64, 64))
    image[28:36, 28:36] = 1.0
    np.testing.assert_allclose(science.apply_missing_wedge(image, 90), image, atol=1e-12)
    recon = science.apply_missing_wedge(image, 45)
    assert recon.mean() == pytest.approx(image.mean())
    # the square stretches along z (axis 0): bright spill above and below it, a dark halo beside it
    assert recon[24:28, 28:36].mean() > 0.1 and recon[36:40, 28:36].mean() > 0.1
    assert recon[28:36, 22:28].mean() < -0.05 and recon[28:36, 36:42].mean() < -0.05
    assert science.apply_missing_wedge(image.T, 45).T[24:28, 28:36].mean() < 0  # the wedge has a direction


# ------------------------------------------------------------- supervoxels and the Potts MRF


def test_supervoxels_are_compact_and_follow_edges():
    volume = np.zeros((12, 12, 12))
    volume[:, :, 6:] = 1.0
    regions = science.supervoxels(volume, step=4, intensity_scale=0.1, n_iter=3)
    assert regions.shape == volume.shape and regions.dtype == np.int64
    assert set(np.unique(regions)) == set(range(regions.max() + 1))
    assert regions.max() + 1 == 27
    for r in range(regions.max() + 1):
        assert np.ptp(volume[regions == r]) == 0  # no supervoxel straddles the step edge
    assert np.array_equal(science.majority_labels(regions, (volume > 0.5).astype(int)), (volume > 0.5).astype(int))
    flat = science.supervoxels(np.zeros((8, 8)), step=4)
    assert flat.max() + 1 == 4 and np.array_equal(flat[:4, :4], np.full((4, 4), flat[0, 0]))


def test_majority_labels_breaks_ties_to_the_smallest_label():
    regions = np.array([0, 0, 0, 1, 1, 2])
    labels = np.array([2, 2, 1, 0, 3, 4])
    np.testing.assert_array_equal(science.majority_labels(regions, labels), [2, 2, 2, 0, 0, 4])
    with pytest.raises(ValueError):
        science.majority_labels(regions, labels[:5])


def test_potts_icm_removes_isolated_errors_and_never_raises_the_energy():
    rng = np.random.default_rng(0)
    truth = np.zeros((10, 10, 10), dtype=int)
    truth[:, :, 5:] = 1
    noisy = np.where(rng.random(truth.shape) < 0.15, 1 - truth, truth)
    unary = np.stack([(noisy != 0) * 1.0, (noisy != 1) * 1.0], axis=-1)
    for beta in (0.0, 0.3, 1.0):
        refined = science.potts_icm(unary, beta)
        assert science.potts_energy(refined, unary, beta) <= science.potts_energy(noisy, unary, beta)
    assert np.array_equal(science.potts_icm(unary, 0.0), noisy)
    refined = science.potts_icm(unary, 1.0)
    assert (refined == truth).mean() > 0.99 > 0.9 > (noisy == truth).mean()


def test_potts_energy_counts_disagreeing_neighbours():
    labels = np.array([[0, 1], [1, 1]])
    unary = np.zeros((2, 2, 2))
    assert science.potts_energy(labels, unary, 1.0) == 2.0
    unary[0, 0, 0] = 5.0
    assert science.potts_energy(labels, unary, 0.5) == 6.0


# ------------------------------------------------------------- MS-D networks


def test_msd_dilations_and_parameter_count():
    assert science.msd_dilations(12) == [[d] for d in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2)]
    assert science.msd_dilations(2, width=3) == [[1, 2, 3], [4, 5, 6]]
    # layer i sees 1 + i maps: sum_i (9 (1 + i) + 1) plus a 1x1 output over 1 + depth maps
    assert science.msd_parameter_count(3, 1, 1, 2) == (10 + 19 + 28) + 4 * 2 + 2
    assert science.msd_parameter_count(100, 1, 1, 5) == 9 * 5050 + 100 + 101 * 5 + 5


def test_msd_network_matches_its_parameter_count_and_keeps_the_image_size(keras):
    model = science.build_msd_network(6, width=2, n_channels=1, n_classes=3)
    assert model.count_params() == science.msd_parameter_count(6, 2, 1, 3)
    out = model.predict(np.zeros((2, 20, 24, 1), dtype=np.float32), verbose=0)
    assert out.shape == (2, 20, 24, 3)
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-5)
    dilations = [layer.dilation_rate[0] for layer in model.layers if layer.name.startswith("layer")]
    assert dilations == [d for row in science.msd_dilations(6, 2) for d in row]


def test_receptive_footprints():
    plain = science.receptive_footprint([1, 1, 1])
    assert plain.shape == (7, 7) and plain.all()
    holes = science.receptive_footprint([4, 4])
    assert holes.shape == (17, 17) and holes.sum() == 25  # offsets -8, -4, 0, 4, 8 in each direction
    assert science.receptive_footprint([2, 4, 8]).sum() == 15 * 15  # even offsets only: a grid with holes
    dense = science.receptive_footprint([1, 10], dense=True)
    chain = science.receptive_footprint([1, 10])
    assert dense.shape == chain.shape == (23, 23)
    assert np.all(dense >= chain) and dense[11, 11] and dense[11, 12]


def test_receptive_footprint_matches_the_network(keras):
    """Every input pixel the footprint marks moves the centre output of a real MS-D network, and no other."""
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = science.build_msd_network(3, width=1, n_channels=1, n_classes=2, max_dilation=3)
    for layer in model.layers:
        if layer.get_weights():
            w, b = layer.get_weights()
            layer.set_weights([np.abs(w) + 0.1, np.full_like(b, 0.1)])  # every ReLU active, no cancellation
    x = tf.Variable(np.ones((1, 31, 31, 1), dtype=np.float32))
    with tf.GradientTape() as tape:
        out = model(x)[0, 15, 15, 0]
    reach = np.abs(tape.gradient(out, x).numpy()[0, :, :, 0]) > 0
    want = science.receptive_footprint([d for (d,) in science.msd_dilations(3, max_dilation=3)], dense=True)
    r = want.shape[0] // 2
    np.testing.assert_array_equal(reach[15 - r:16 + r, 15 - r:16 + r], want)
    assert reach.sum() == want.sum()


# ------------------------------------------------------------- molecules, text, batteries


def test_localisation_error_is_sigma_over_root_n():
    sigma = 400 / science.FWHM_PER_SIGMA
    assert science.FWHM_PER_SIGMA == pytest.approx(2.3548, abs=1e-4)
    for n in (1, 25, 400):
        errors = science.localisation_errors(n, 400, n_trials=4000, seed=1)
        assert errors.shape == (4000, 2)
        assert errors.std() == pytest.approx(sigma / np.sqrt(n), rel=0.05)
    with pytest.raises(ValueError):
        science.localisation_errors(0)


def test_flimp_separation_estimates_the_distance():
    est = science.flimp_separations(30.0, 20_000, n_trials=3000, seed=0)
    assert est.shape == (3000,)
    assert np.median(est) == pytest.approx(30.0, abs=1.5)
    worse = science.flimp_separations(30.0, 500, n_trials=3000, seed=0)
    assert np.std(worse) > 3 * np.std(est)


def test_extract_dye_records():
    records = science.extract_dye_records(science.DYE_TEXT)
    assert records == [{"dye": 1, "lambda_max_nm": 332.0, "epsilon_per_M_cm": 29000.0},
                       {"dye": 2, "lambda_max_nm": 534.0, "epsilon_per_M_cm": 33000.0},
                       {"dye": 3, "lambda_max_nm": 324.0, "epsilon_per_M_cm": 55000.0}]
    more = science.extract_dye_records("Dye 7 absorbs at 455.5 nm (ε = 12 300 M−1 cm−1). Dye 8 and dye 9 absorb at 400 nm, "
                                       "10,000 M-1 cm-1. No dye here.")
    assert more == [{"dye": 7, "lambda_max_nm": 455.5, "epsilon_per_M_cm": 12300.0}]


def test_capacity_fade_and_bayesian_fit():
    assert science.capacity_fade(np.array([0.0]))[0] == 1.0
    t = np.linspace(0, 200, 801)
    life = t[np.argmax(science.capacity_fade(t) <= 0.8)]
    assert 8 * 12 < life < 11 * 12
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    w = np.array([0.5, -1.5])
    y = X @ w + rng.normal(0, 0.1, 200)
    mean, cov = science.bayesian_linear_fit(X, y, 0.1, prior_std=10.0)
    np.testing.assert_allclose(mean, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-3)
    assert np.allclose(cov, cov.T) and np.all(np.linalg.eigvalsh(cov) > 0)
    tight, _ = science.bayesian_linear_fit(X, y, 0.1, prior_std=1e-4)
    assert np.all(np.abs(tight) < 1e-2)  # a tight prior pulls the weights to zero


def test_bases_of_the_ageing_models():
    t = np.array([0.0, 4.0, 9.0])
    np.testing.assert_array_equal(science.straight_line_basis(t), [[0.0], [4.0], [9.0]])
    np.testing.assert_array_equal(science.ageing_basis(t), [[0.0, 0.0], [2.0, 4.0], [3.0, 9.0]])
    # the ageing law is exactly linear in the ageing basis
    np.testing.assert_allclose(1 - science.capacity_fade(t), science.ageing_basis(t) @ [0.012, 0.0006])


def test_lifetime_samples_narrow_with_more_data():
    basis = science.ageing_basis
    rng = np.random.default_rng(0)
    months = np.arange(1, 37)
    measured = science.capacity_fade(months) + rng.normal(0, 0.002, months.size)
    short = science.lifetime_samples(basis, months[:6], measured[:6], 0.002, n_samples=500)
    long = science.lifetime_samples(basis, months, measured, 0.002, n_samples=500)
    assert short.shape == long.shape == (500,)
    t = np.linspace(0, 480, 1921)
    truth = t[np.argmax(science.capacity_fade(t) <= 0.8)]
    lo, hi = np.percentile(long, [5, 95])
    assert lo < truth < hi
    assert np.subtract(*np.percentile(long, [95, 5])) < np.subtract(*np.percentile(short, [95, 5], method="lower"))
    never = science.lifetime_samples(basis, months, np.ones(months.size), 0.002, n_samples=50, horizon_months=60)
    assert np.isinf(never).mean() > 0.5


# ------------------------------------------------------------- iterated FGSM and transplants


def test_iterated_fgsm_with_one_full_step_is_fgsm_and_stays_in_the_ball(keras):
    rng = np.random.default_rng(2)
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    x = rng.uniform(0, 1, (30, 12)).astype(np.float32)
    y = rng.integers(0, 3, 30)
    np.testing.assert_allclose(science.iterated_fgsm(model, x, y, 0.05, steps=1, step_size=0.05),
                               science.fgsm(model, x, y, 0.05), atol=1e-6)
    adv = science.iterated_fgsm(model, x, y, 0.05, steps=10)
    assert adv.dtype == np.float32 and adv.shape == x.shape
    assert np.abs(adv - x).max() <= 0.05 + 1e-6 and adv.min() >= 0 and adv.max() <= 1

    def loss(inputs):
        return float(keras.losses.sparse_categorical_crossentropy(y, model(inputs)).numpy().mean())

    assert loss(adv) >= loss(science.fgsm(model, x, y, 0.05)) - 1e-6 > loss(x)
    with pytest.raises(ValueError):
        science.iterated_fgsm(model, x, y, 0.05, steps=0)


def test_transplant_pastes_the_brighter_value_and_crops_at_edges():
    images = np.full((2, 5, 5, 1), 0.5, dtype=np.float32)
    patch = np.array([[1.0, 0.2], [0.0, 0.9]], dtype=np.float32)
    out = science.transplant(images, patch, 1, 2)
    assert images.max() == 0.5  # the input is untouched
    np.testing.assert_allclose(out[0, 1:3, 2:4, 0], [[1.0, 0.5], [0.5, 0.9]], rtol=1e-6)
    assert out[:, [0, 3, 4]].max() == 0.5
    corner = science.transplant(images[..., 0], patch, 4, 4)
    assert corner[0, 4, 4] == 1.0 and corner.sum() == pytest.approx(0.5 * 50 + 0.5 * 2)
    np.testing.assert_array_equal(science.transplant(images, patch, 9, 9), images)


def test_transplant_changes_counts_changed_answers(keras):
    # a "model" that answers 1 when the top-left pixel is bright: only patches over that pixel change answers
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Cropping2D(((0, 5), (0, 5))),
                              keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    model.layers[-1].set_weights([np.array([[-10.0, 10.0]]), np.array([5.0, -5.0])])
    images = np.zeros((3, 6, 6, 1), dtype=np.float32)
    changes = science.transplant_changes(model, images, np.ones((2, 2), dtype=np.float32), stride=2)
    assert changes.shape == (3, 3)
    assert changes[0, 0] == 1.0 and changes.sum() == 1.0


def test_new_figures(cell):
    volume, vlabels = cell
    thresholds = [0.1, 0.5, 0.9]
    table = np.array([[1.0, 0.99, 0.05, 0.04, 0.03, 0.02], [0.99, 0.97, 0.02, 0.01, 0.01, 0.02],
                      [0.97, 0.9, 0.01, 0.0, 0.0, 0.01]])
    fig = science.plot_rates_vs_threshold(thresholds, table, CLASSES,
                                          references={"rule": dict(zip(CLASSES, table[0]))})
    assert len(fig.axes) == 2 and len(fig.axes[0].get_lines()) == len(CLASSES)
    fig = science.plot_missing_wedge(volume[:, 20, :], 65)
    assert len(fig.axes) == 3
    regions = science.supervoxels(volume[:16, :16, :16], step=4, n_iter=1)
    fig = science.plot_supervoxel_slice(volume[:16, :16, :16], regions, vlabels[:16, :16, :16])
    assert len(fig.axes) == 3
    fig = science.plot_footprints({"a": science.receptive_footprint([1]), "b": science.receptive_footprint([2, 3])})
    # dilations 2 then 3 reach offsets -5, -3, -2, -1, 0, 1, 2, 3, 5: 9 of 11 in each direction
    assert [a.get_title().splitlines()[1] for a in fig.axes] == ["3x3 pixels, 100% reached", "11x11 pixels, 67% reached"]
    fig = science.plot_transplant(np.zeros((16, 16)), np.zeros((3, 3)), (4, 4), 4)
    assert len(fig.axes) == 3
    s = {"x": np.array([100.0, 120.0, np.inf]), "y": np.array([50.0, 60.0, 70.0])}
    fig = science.plot_lifetimes(np.arange(1, 7), science.capacity_fade(np.arange(1, 7)), s, 117.0)
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["x", "y"]
