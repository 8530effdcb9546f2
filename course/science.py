"""The ML-for-science lecture's data and helpers: clouds, cells, molecules, text, batteries, attacks.

Two synthetic but physically faithful generators stand in for data the lecture
cannot download:

- :func:`satellite_patches`: multispectral patches with seven Sentinel-2-like bands
  (blue, green, red, near-infrared, the 1.38 µm cirrus band and two short-wave
  infrared bands) and a per-pixel label from :data:`SURFACE_CLASSES` (cloud, cirrus,
  land, water, snow, shadow). The reflectances follow the physics cloud detection
  relies on: snow is as bright as cloud in the visible but dark in the SWIR (ice
  absorbs there, water droplets scatter); the 1.38 µm band sits in a water-vapour
  absorption band, so the surface is invisible in it and only high clouds (cirrus)
  shine; cloud shadows are dark in every band.
- :func:`cell_volume`: a cryo soft X-ray tomography (cryo-SXT)-like 3-D volume of a
  cell, in linear absorption coefficients (µm⁻¹), with voxel labels from
  :data:`VOXEL_CLASSES` (background ice, cytoplasm, nucleus, mitochondria, membranes),
  blurred by the microscope's point-spread function and with noise.

:data:`SENTINEL2_VALIDATION` holds a published per-class table of three real cloud
masks. The rest are the lecture's tools: the brightness-threshold and physics-based
cloud rules, per-class cloud rates and their dependence on a threshold, the per-pixel
Keras classifier; tilt series and the missing wedge of tomography, Gaussian and
Hessian-eigenvalue voxel features, supervoxels and a Potts Markov random field;
mixed-scale dense networks and their receptive fields; single-molecule localisation
(FLImP), a toy text-mining extractor, a battery-ageing law with Bayesian lifetime
prediction; the fast gradient sign method and its iterated form, object transplants,
per-tree uncertainty of a forest, and the figures.

Importing this module does not import TensorFlow; the functions that need it
import it when called.

Defined in 10_ml_for_science.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter
from scipy import ndimage

if TYPE_CHECKING:  # pragma: no cover - for type hints only
    import keras

__all__ = [
    "BAND_NAMES",
    "WAVELENGTHS_UM",
    "SURFACE_CLASSES",
    "CLOUD_CLASSES",
    "SPECTRA",
    "SENTINEL2_VALIDATION",
    "VOXEL_CLASSES",
    "ABSORPTION",
    "FWHM_PER_SIGMA",
    "DYE_TEXT",
    "satellite_patches",
    "rgb_composite",
    "pixel_dataset",
    "brightness_rule",
    "spectral_rule",
    "cloud_rates",
    "format_rates",
    "best_per_class",
    "rates_vs_threshold",
    "build_pixel_classifier",
    "cell_volume",
    "voxel_features",
    "voxel_feature_names",
    "sample_voxels",
    "tilt_angles",
    "missing_wedge_fraction",
    "missing_wedge_mask",
    "apply_missing_wedge",
    "supervoxels",
    "majority_labels",
    "potts_energy",
    "potts_icm",
    "msd_dilations",
    "msd_parameter_count",
    "receptive_footprint",
    "build_msd_network",
    "localisation_errors",
    "flimp_separations",
    "extract_dye_records",
    "capacity_fade",
    "bayesian_linear_fit",
    "straight_line_basis",
    "ageing_basis",
    "lifetime_samples",
    "fgsm",
    "iterated_fgsm",
    "transplant",
    "transplant_changes",
    "tree_spread",
    "plot_satellite_patches",
    "plot_spectra",
    "plot_cloud_masks",
    "plot_rates_vs_threshold",
    "plot_volume_slices",
    "plot_missing_wedge",
    "plot_supervoxel_slice",
    "plot_footprints",
    "plot_adversarial",
    "plot_accuracy_vs_epsilon",
    "plot_transplant",
    "plot_lifetimes",
    "plot_uncertainty",
]

# ---------------------------------------------------------------------------
# Multispectral satellite patches
# ---------------------------------------------------------------------------

#: The seven bands, named after Sentinel-2's MSI bands they imitate.
BAND_NAMES = ("B2 blue", "B3 green", "B4 red", "B8 NIR", "B10 cirrus", "B11 SWIR", "B12 SWIR")
#: Central wavelengths of :data:`BAND_NAMES` in micrometres.
WAVELENGTHS_UM = (0.490, 0.560, 0.665, 0.842, 1.375, 1.610, 2.190)

#: Per-pixel label values of :func:`satellite_patches`: ``labels == k`` is ``SURFACE_CLASSES[k]``.
SURFACE_CLASSES = ("cloud", "cirrus", "land", "water", "snow", "shadow")
#: The classes a cloud mask should flag: both contaminate a surface measurement.
CLOUD_CLASSES = ("cloud", "cirrus")

# Top-of-atmosphere reflectance in the seven bands (typical values from the
# Sentinel-2 / Landsat cloud-masking literature, rounded). Land mixes three
# spectra; clouds' 1.38 µm value depends on their height and is drawn per cloud.
_VEGETATION = np.array([0.04, 0.07, 0.05, 0.40, 0.004, 0.22, 0.11])
_SOIL = np.array([0.12, 0.16, 0.21, 0.30, 0.006, 0.38, 0.30])
_ROCK = np.array([0.16, 0.18, 0.20, 0.24, 0.006, 0.28, 0.24])
_WATER = np.array([0.07, 0.06, 0.04, 0.02, 0.002, 0.010, 0.005])
_SNOW = np.array([0.88, 0.86, 0.83, 0.74, 0.012, 0.08, 0.05])
_CLOUD = np.array([0.72, 0.71, 0.70, 0.68, 0.000, 0.52, 0.36])  # B10 added per cloud
# What a thin ice cloud adds per unit of its visible reflectance: flat in the visible,
# about as bright at 1.38 µm (it sits above the water vapour), dimmer in the SWIR
# where ice absorbs.
_CIRRUS = np.array([1.0, 1.0, 1.0, 0.95, 0.85, 0.55, 0.35])

#: Representative spectrum per class (land: vegetation; cirrus: a cirrus of
#: visible reflectance 0.15 over vegetation; shadow: vegetation in a cloud's shadow).
SPECTRA: dict[str, np.ndarray] = {
    "cloud": _CLOUD + np.array([0, 0, 0, 0, 0.15, 0, 0]),
    "cirrus": 0.85 * _VEGETATION + 0.15 * _CIRRUS,
    "land": _VEGETATION,
    "water": _WATER,
    "snow": _SNOW,
    "shadow": 0.25 * _VEGETATION,
}


def _smooth(rng: np.random.Generator, shape: tuple[int, ...], sigma: float | Sequence[float]) -> np.ndarray:
    """Zero-mean, unit-std smooth random field (features about ``sigma`` pixels wide)."""
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="wrap")
    return (field - field.mean()) / (field.std() + 1e-12)


def _cover(field: np.ndarray, fraction: float, softness: float = 0.25) -> np.ndarray:
    """Opacity in [0, 1] that is above 0.5 on about ``fraction`` of the pixels, soft at the edges."""
    if fraction <= 0:
        return np.zeros_like(field)
    level = np.quantile(field, 1 - fraction)
    return np.clip(0.5 + (field - level) / (2 * softness), 0.0, 1.0)


def _satellite_patch(rng: np.random.Generator, size: int, snow: bool) -> tuple[np.ndarray, np.ndarray]:
    shape = (size, size)
    # Ground: an elevation field decides where lakes (low) and snow (high) are.
    elevation = _smooth(rng, shape, size / 6)
    mix = np.stack([_smooth(rng, shape, size / 10) for _ in range(3)], axis=-1)
    weights = np.exp(1.5 * mix + np.log(rng.dirichlet([1.0, 1.0, 1.0])))
    weights /= weights.sum(axis=-1, keepdims=True)
    ground = weights @ np.stack([_VEGETATION, _SOIL, _ROCK])
    labels = np.full(shape, SURFACE_CLASSES.index("land"), dtype=np.int64)

    water = elevation < np.quantile(elevation, rng.uniform(0.0, 0.3))
    ground[water] = _WATER * rng.uniform(0.8, 1.4)
    labels[water] = SURFACE_CLASSES.index("water")

    if snow and rng.random() < 0.6:
        snowy = elevation > np.quantile(elevation, 1 - rng.uniform(0.1, 0.5))
        ground[snowy] = _SNOW * rng.uniform(0.85, 1.05)
        labels[snowy] = SURFACE_CLASSES.index("snow")

    # Thick clouds: soft-edged blobs; their shadow is the cloud shifted away from the sun.
    alpha = _cover(_smooth(rng, shape, size / 8), rng.uniform(0.0, 0.35), softness=0.15)
    sun = rng.uniform(0, 2 * np.pi)
    shift = rng.uniform(0.1, 0.25) * size * np.array([np.cos(sun), np.sin(sun)])
    shade = ndimage.shift(alpha, shift, order=1, mode="constant", cval=0.0)
    shadowed = (shade > 0.5) & (alpha < 0.2)
    ground = ground * (1 - 0.75 * shade[..., None])  # only diffuse skylight reaches a shadow
    labels[shadowed] = SURFACE_CLASSES.index("shadow")

    # Cirrus: thin, streaky ice clouds (elongated along one random axis).
    streaks = _smooth(rng, shape, (size / 5, size / 20) if rng.random() < 0.5 else (size / 20, size / 5))
    thin = _cover(streaks, rng.uniform(0.0, 0.4), softness=0.4) * rng.uniform(0.06, 0.22)
    scene = ground * (1 - thin[..., None]) + thin[..., None] * _CIRRUS
    labels[(thin > 0.04) & (alpha < 0.5)] = SURFACE_CLASSES.index("cirrus")

    cloud = _CLOUD * rng.uniform(0.85, 1.15) + np.array([0, 0, 0, 0, rng.uniform(0.02, 0.3), 0, 0])
    scene = (1 - alpha[..., None]) * scene + alpha[..., None] * cloud
    labels[alpha >= 0.5] = SURFACE_CLASSES.index("cloud")

    scene = scene * (1 + 0.03 * _smooth(rng, shape, 1.0)[..., None])  # texture
    scene = scene + rng.normal(0.0, 0.004, scene.shape)  # sensor noise
    return np.clip(scene, 0.0, 1.0).astype(np.float32), labels


def satellite_patches(n: int, size: int = 32, *, seed: int = 0, snow: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic multispectral satellite patches with a per-pixel surface class.

    Imitates cloud-masking training data from a Sentinel-2-like imager: top-of-atmosphere
    reflectance in the seven bands :data:`BAND_NAMES` (wavelengths :data:`WAVELENGTHS_UM`)
    over land (a mixture of vegetation, soil and rock), lakes, snow on high ground, soft
    thick clouds with their shadows and thin streaky cirrus. Per-patch cover fractions are
    random, so some patches are clear and some mostly cloudy.

    Physics the classes follow: cloud and snow are both bright and white in the visible,
    but snow is dark in the SWIR bands (B11, B12) and cloud is not; the cirrus band B10
    (1.38 µm) is absorbed by water vapour, so the surface (snow included) is dark there
    and only high clouds are bright; cirrus adds only 0.06-0.22 to the visible reflectance;
    shadows dim the ground in every band.

    Returns ``(images, labels)``: ``(n, size, size, 7)`` float32 reflectance in [0, 1] and
    ``(n, size, size)`` int64 labels indexing :data:`SURFACE_CLASSES`. A label is the class
    on top: cloud where a cloud is more than half opaque, else cirrus where one is thicker
    than 0.04, else shadow, else the ground. ``snow=False`` draws snow-free scenes (used
    to show distribution shift). Patches are drawn independently, so patch ``k`` is the
    same for any ``n > k``.

    Defined in 10_ml_for_science.
    """
    n, size = int(n), int(size)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if size < 8:
        raise ValueError(f"size must be >= 8, got {size}")
    images = np.empty((n, size, size, len(BAND_NAMES)), dtype=np.float32)
    labels = np.empty((n, size, size), dtype=np.int64)
    for k in range(n):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x10C, int(snow), k)))
        images[k], labels[k] = _satellite_patch(rng, size, snow)
    return images, labels


def rgb_composite(images: np.ndarray, gain: float = 2.5) -> np.ndarray:
    """True-colour picture (red, green, blue bands) of patches ``(..., 7)``, brightened by ``gain``.

    Defined in 10_ml_for_science.
    """
    return np.clip(np.asarray(images)[..., [2, 1, 0]] * gain, 0.0, 1.0)


def pixel_dataset(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel table: ``(X, y)`` with ``X`` of shape ``(n_pixels, n_bands)`` and ``y`` ``(n_pixels,)``.

    A per-pixel classifier sees one spectrum at a time, so patches are just a bag of
    pixels (row-major order, patch by patch).

    Defined in 10_ml_for_science.
    """
    images = np.asarray(images)
    return images.reshape(-1, images.shape[-1]), np.asarray(labels).reshape(-1)


def brightness_rule(images: np.ndarray, threshold: float = 0.3) -> np.ndarray:
    """The naive cloud mask: a pixel is cloud when its mean visible reflectance exceeds ``threshold``.

    "Clouds are bright and white": right for thick clouds, wrong for snow (as bright)
    and blind to thin cirrus (barely brighter than the ground). Returns a boolean
    array of the images' spatial shape.

    Defined in 10_ml_for_science.
    """
    return np.asarray(images)[..., :3].mean(axis=-1) > threshold


def spectral_rule(images: np.ndarray, threshold: float = 0.3, ndsi_snow: float = 0.4,
                  cirrus: float = 0.03) -> np.ndarray:
    """A physics-based cloud mask in the spirit of Fmask: brightness, snow index and cirrus band.

    Cloud where the visible is bright *and* the normalised difference snow index
    ``NDSI = (green - SWIR1) / (green + SWIR1)`` is below ``ndsi_snow`` (snow is dark at
    1.6 µm, clouds are not), or where the 1.38 µm band exceeds ``cirrus`` (the surface is
    invisible there, high clouds are not).

    Defined in 10_ml_for_science.
    """
    x = np.asarray(images, dtype=np.float64)
    green, swir = x[..., 1], x[..., 5]
    ndsi = (green - swir) / (green + swir + 1e-9)
    return (brightness_rule(x, threshold) & (ndsi < ndsi_snow)) | (x[..., 4] > cirrus)


def cloud_rates(labels: np.ndarray, predicted_cloud: np.ndarray, class_names: Sequence[str]) -> dict[str, float]:
    """For each class, the fraction of its pixels that a mask flags as cloud.

    ``labels`` holds class indices into ``class_names``; ``predicted_cloud`` is a
    boolean mask of the same shape. Returns ``{name: fraction}`` for every name, in
    order; a class with no pixels gets ``nan``. For the cloud classes this is the
    detection rate (recall), for the others the false-alarm rate.

    Defined in 10_ml_for_science (exercise 1 asks for the same function).
    """
    labels = np.asarray(labels).ravel()
    flagged = np.asarray(predicted_cloud, dtype=bool).ravel()
    if labels.shape != flagged.shape:
        raise ValueError(f"labels and predicted_cloud differ in size: {labels.size} vs {flagged.size}")
    rates = {}
    for k, name in enumerate(class_names):
        members = labels == k
        rates[name] = float(flagged[members].mean()) if members.any() else float("nan")
    return rates


def format_rates(results: Mapping[str, Mapping[str, float]], class_names: Sequence[str],
                 percent: bool = False) -> str:
    """A text table: one row per method, one column per class, each cell a fraction flagged cloud.

    ``results`` maps a method's name to what :func:`cloud_rates` returned for it.
    Fractions are printed with two decimals, or as percentages with one decimal when
    ``percent`` is true (``n/a`` for nan).

    Defined in 10_ml_for_science.
    """
    width = max([len("method")] + [len(m) for m in results])
    cols = [max(6, len(c)) for c in class_names]
    head = f"{'method':<{width}}" + "".join(f"  {c:>{w}}" for c, w in zip(class_names, cols))
    lines = [head, "-" * len(head)]
    for method, rates in results.items():
        cells = []
        for c, w in zip(class_names, cols):
            v = float(rates[c])
            text = "n/a" if np.isnan(v) else (f"{100 * v:.1f}" if percent else f"{v:.2f}")
            cells.append(f"  {text:>{w}}")
        lines.append(f"{method:<{width}}" + "".join(cells))
    return "\n".join(lines)


#: A published per-class table: the fraction of each hand-labelled class that three
#: Sentinel-2 cloud masks flag as cloud, on 108 Sentinel-2 scenes labelled by hand by
#: Hollstein et al. (Remote Sensing 8, 666, 2016). Fmask and Sen2Cor are rule-based;
#: "Sentinel Hub" is Sentinel Hub's machine-learned per-pixel detector (s2cloudless),
#: as reported in the Sentinel Hub blog post "Improving cloud detection with machine
#: learning" (December 2017). Cloud and cirrus are detection rates, the other classes
#: false-alarm rates.
SENTINEL2_VALIDATION: dict[str, dict[str, float]] = {
    "Fmask": {"cloud": 0.890, "cirrus": 0.883, "land": 0.072, "water": 0.020, "snow": 0.392, "shadow": 0.039},
    "Sen2Cor": {"cloud": 0.975, "cirrus": 0.877, "land": 0.057, "water": 0.000, "snow": 0.307, "shadow": 0.039},
    "Sentinel Hub": {"cloud": 0.994, "cirrus": 0.838, "land": 0.022, "water": 0.001, "snow": 0.135,
                     "shadow": 0.058},
}


def best_per_class(results: Mapping[str, Mapping[str, float]], class_names: Sequence[str],
                   cloud_classes: Sequence[str] = CLOUD_CLASSES) -> dict[str, list[str]]:
    """For each class, the method(s) with the best rate: highest for cloud classes, lowest otherwise.

    ``results`` is a per-class table as :func:`format_rates` prints it. Ties list every
    method that reaches the best value (in the order of ``results``); nan rates never win.

    Defined in 10_ml_for_science.
    """
    best: dict[str, list[str]] = {}
    for c in class_names:
        values = {m: float(r[c]) for m, r in results.items() if not np.isnan(float(r[c]))}
        if not values:
            best[c] = []
            continue
        target = max(values.values()) if c in cloud_classes else min(values.values())
        best[c] = [m for m, v in values.items() if np.isclose(v, target, rtol=0.0, atol=1e-12)]
    return best


def rates_vs_threshold(labels: np.ndarray, probability: np.ndarray, class_names: Sequence[str],
                       thresholds: Sequence[float]) -> np.ndarray:
    """Per-class cloud rates of the mask ``probability > t`` for each threshold ``t``.

    ``probability`` is a model's probability that each pixel is cloud (same size as
    ``labels``). Returns ``(len(thresholds), len(class_names))``: row ``i`` holds what
    :func:`cloud_rates` gives for the mask ``probability > thresholds[i]`` (nan for a
    class without pixels). Raising the threshold lowers every column at once: detection
    of the cloud classes and false alarms of the others.

    Defined in 10_ml_for_science.
    """
    labels = np.asarray(labels).ravel()
    prob = np.asarray(probability, dtype=np.float64).ravel()
    if labels.shape != prob.shape:
        raise ValueError(f"labels and probability differ in size: {labels.size} vs {prob.size}")
    table = np.full((len(thresholds), len(class_names)), np.nan)
    for k in range(len(class_names)):
        members = prob[labels == k]
        if members.size:
            table[:, k] = [(members > t).mean() for t in thresholds]
    return table


def build_pixel_classifier(n_bands: int, n_classes: int, hidden: Sequence[int] = (32, 32),
                           dropout: float = 0.0) -> "keras.Model":
    """A small per-pixel classifier: bands -> Dense(ReLU) per ``hidden`` -> softmax over classes.

    The input is normalised inside the model (a ``Normalization`` layer named
    ``normalise``: call ``model.get_layer("normalise").adapt(X)`` before training);
    optional dropout after each hidden layer; the output layer computes in float32 so
    the softmax stays accurate under mixed precision.

    Defined in 10_ml_for_science.
    """
    import keras

    layers: list[Any] = [keras.Input(shape=(int(n_bands),), name="spectrum"),
                         keras.layers.Normalization(name="normalise")]
    for i, units in enumerate(hidden, start=1):
        layers.append(keras.layers.Dense(int(units), activation="relu", name=f"hidden{i}"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"dropout{i}"))
    layers.append(keras.layers.Dense(int(n_classes), activation="softmax", dtype="float32", name="probabilities"))
    return keras.Sequential(layers, name="pixel_classifier")


# ---------------------------------------------------------------------------
# A cryo soft X-ray tomography-like cell volume
# ---------------------------------------------------------------------------

#: Voxel label values of :func:`cell_volume`: ``labels == k`` is ``VOXEL_CLASSES[k]``.
VOXEL_CLASSES = ("background", "cytoplasm", "nucleus", "mitochondrion", "membrane")

#: Linear absorption coefficient (µm⁻¹) of each class in the "water window" (284-543 eV),
#: where carbon absorbs about ten times more than water: ice is faint, carbon- and
#: lipid-rich organelles are dark in a transmission image (bright in the LAC volume).
#: Rounded values of the range reported for cryo-SXT of mammalian cells.
ABSORPTION = {"background": 0.10, "cytoplasm": 0.27, "nucleus": 0.22, "mitochondrion": 0.38, "membrane": 0.42}


def _rotation(rng: np.random.Generator) -> np.ndarray:
    """A uniformly random 3-D rotation matrix (QR of a Gaussian matrix, sign-fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def cell_volume(size: int = 48, *, seed: int = 0, noise: float = 0.04) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic cryo soft X-ray tomogram of one cell and its voxel labels.

    Imitates a reconstructed cryo-SXT volume (e.g. a mammalian cell imaged in the water
    window at ~30-50 nm voxels): voxel values are linear absorption coefficients
    (:data:`ABSORPTION`, µm⁻¹). A cell (a lumpy ellipsoid) floats in vitreous ice; inside
    it a nucleus with chromatin texture, absorbing slightly *less* than the cytoplasm;
    10-16 elongated mitochondria (random orientations) in the cytoplasm; and membranes
    (the plasma membrane and the nuclear envelope, ~1.5 voxels thick) absorbing most.
    The cytoplasm's density varies smoothly. The volume is blurred by the microscope's
    point-spread function (Gaussian, σ = 0.8 voxel) and gets Gaussian noise of standard
    deviation ``noise``: single voxels are ambiguous, neighbourhoods are not.

    Returns ``(volume, labels)``: ``(size, size, size)`` float32 and int64 labels indexing
    :data:`VOXEL_CLASSES`.

    Defined in 10_ml_for_science.
    """
    size = int(size)
    if size < 12:
        raise ValueError(f"size must be >= 12, got {size}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xC511,)))
    grid = np.stack(np.meshgrid(*[np.arange(size, dtype=np.float64)] * 3, indexing="ij"), axis=-1)
    centre = (size - 1) / 2 + rng.normal(0, 0.02 * size, 3)

    # the cell: an ellipsoid at a random orientation, made lumpy by a smooth field
    radii = size * np.array([0.47, 0.42, 0.36]) * rng.uniform(0.92, 1.0, 3)
    local = (grid - centre) @ _rotation(rng)
    lumpy = 1 + 0.06 * _smooth(rng, (size,) * 3, size / 8)
    inside = np.sqrt(((local / radii) ** 2).sum(-1)) < lumpy
    labels = np.where(inside, VOXEL_CLASSES.index("cytoplasm"), VOXEL_CLASSES.index("background")).astype(np.int64)

    # the nucleus: an ellipsoid inside, off centre
    n_radii = radii * rng.uniform(0.5, 0.58, 3)
    n_centre = centre + (rng.uniform(-0.15, 0.15, 3) * radii) @ _rotation(rng)
    nucleus = np.sqrt(((((grid - n_centre) @ _rotation(rng)) / n_radii) ** 2).sum(-1)) < 1
    labels[nucleus] = VOXEL_CLASSES.index("nucleus")

    # mitochondria: elongated ellipsoids in the cytoplasm, away from the nucleus and the edge
    depth = ndimage.distance_transform_edt(inside)
    room = (depth > 3) & ~ndimage.binary_dilation(nucleus, iterations=3)
    candidates = np.argwhere(room)
    for _ in range(int(rng.integers(10, 17))):
        c = candidates[rng.integers(len(candidates))]
        m_radii = size * np.array([rng.uniform(0.11, 0.17), 0.045, 0.045]) * rng.uniform(0.85, 1.15, 3)
        blob = np.sqrt(((((grid - c) @ _rotation(rng)) / m_radii) ** 2).sum(-1)) < 1
        labels[blob & room] = VOXEL_CLASSES.index("mitochondrion")

    # membranes: the outer shell of the cell and of the nucleus
    membrane = (inside & (depth <= 1.5)) | (nucleus & (ndimage.distance_transform_edt(nucleus) <= 1.5))
    labels[membrane] = VOXEL_CLASSES.index("membrane")

    lac = np.array([ABSORPTION[c] for c in VOXEL_CLASSES])[labels]
    lac = lac + 0.02 * _smooth(rng, (size,) * 3, size / 6) * inside  # uneven cytoplasm density
    chromatin = np.clip(_smooth(rng, (size,) * 3, 1.2), 0, None)  # heterochromatin clumps
    lac = lac + 0.04 * chromatin * (labels == VOXEL_CLASSES.index("nucleus"))
    lac = ndimage.gaussian_filter(lac, 0.8)  # the point-spread function
    lac = lac + rng.normal(0.0, noise, lac.shape)
    return lac.astype(np.float32), labels


def voxel_features(volume: np.ndarray, sigmas: Sequence[float]) -> np.ndarray:
    """Gaussian-smoothed intensity and scale-normalised Hessian eigenvalues per voxel.

    The classic ilastik-style features for pixel/voxel classification. For a volume of
    ``n_voxels`` voxels (any number of dimensions ``d``; 3 for a tomogram) and ``S``
    scales the result is float64 of shape ``(n_voxels, S * (1 + d))``, voxels in
    row-major (``volume.ravel()``) order, columns:

    - ``0 .. S-1``: ``scipy.ndimage.gaussian_filter(volume, sigma)`` for each sigma;
    - then for each sigma in order, the ``d`` eigenvalues of the Hessian ``sigma**2 * H``,
      sorted in ascending order, with ``H[i, j]`` the second derivative of the
      Gaussian-smoothed volume along axes ``i`` and ``j``
      (``gaussian_filter(volume, sigma, order=...)``, scipy's default ``mode="reflect"``).

    The ``sigma**2`` factor (Lindeberg's scale normalisation) makes the eigenvalues of
    different scales comparable. Bright blobs give three negative eigenvalues, bright
    tubes two, bright sheets (membranes) one.

    Defined in 10_ml_for_science (exercise 2 asks for the same function).
    """
    v = np.asarray(volume, dtype=np.float64)
    d = v.ndim
    smoothed = [ndimage.gaussian_filter(v, float(s)).ravel() for s in sigmas]
    eigen = []
    for s in sigmas:
        s = float(s)
        hessian = np.empty(v.shape + (d, d))
        for i in range(d):
            for j in range(i, d):
                order = [0] * d
                order[i] += 1
                order[j] += 1
                hessian[..., i, j] = hessian[..., j, i] = s**2 * ndimage.gaussian_filter(v, s, order=order)
        eigen.append(np.linalg.eigvalsh(hessian).reshape(-1, d))
    return np.column_stack(smoothed + eigen) if sigmas else np.empty((v.size, 0))


def voxel_feature_names(sigmas: Sequence[float], ndim: int = 3) -> list[str]:
    """Names of :func:`voxel_features`' columns, e.g. ``"gauss σ=1"``, ``"hessian λ1 σ=2"``.

    Defined in 10_ml_for_science.
    """
    names = [f"gauss σ={s:g}" for s in sigmas]
    names += [f"hessian λ{k + 1} σ={s:g}" for s in sigmas for k in range(ndim)]
    return names


def sample_voxels(labels: np.ndarray, n_per_class: int, *, seed: int = 0) -> np.ndarray:
    """Flat indices of up to ``n_per_class`` random voxels of each class (sorted).

    Stands in for the sparse annotations ("scribbles") a biologist paints in ilastik:
    a few labelled voxels per class, not a fully labelled volume.

    Defined in 10_ml_for_science.
    """
    flat = np.asarray(labels).ravel()
    rng = np.random.default_rng(seed)
    picks = []
    for k in np.unique(flat):
        members = np.flatnonzero(flat == k)
        picks.append(rng.choice(members, size=min(int(n_per_class), len(members)), replace=False))
    return np.sort(np.concatenate(picks))


# ---------------------------------------------------------------------------
# The cryo-SXT workflow: tilt series, missing wedge, supervoxels, Markov random field
# ---------------------------------------------------------------------------


def tilt_angles(max_tilt: float, step: float) -> np.ndarray:
    """The tilt angles (degrees) of a tilt series from ``-max_tilt`` to ``+max_tilt`` in ``step``.

    Both ends are included when ``2 * max_tilt`` is a whole number of steps, as on a
    microscope stage (e.g. ±65° in 0.5° steps: 261 projections).

    Defined in 10_ml_for_science.
    """
    if step <= 0 or max_tilt < 0:
        raise ValueError(f"need step > 0 and max_tilt >= 0, got step={step}, max_tilt={max_tilt}")
    n = int(np.floor(2 * max_tilt / step + 1e-9)) + 1
    return -float(max_tilt) + step * np.arange(n)


def missing_wedge_fraction(max_tilt: float) -> float:
    """The fraction of projection directions a tilt series of ±``max_tilt`` degrees never sees.

    A parallel-beam tomogram needs projections over 180°; a flat sample can be tilted
    only to about ±70°, so the directions within ``90 - max_tilt`` degrees of the beam
    axis are missing: ``(180 - 2 max_tilt) / 180``. By the central-slice theorem this is
    also the fraction of each 2-D Fourier plane (perpendicular to the tilt axis) that
    is never measured: a wedge of missing information.

    Defined in 10_ml_for_science.
    """
    if not 0 <= max_tilt <= 90:
        raise ValueError(f"max_tilt must be in [0, 90] degrees, got {max_tilt}")
    return (180.0 - 2.0 * max_tilt) / 180.0


def missing_wedge_mask(shape: tuple[int, int], max_tilt: float) -> np.ndarray:
    """Which 2-D Fourier coefficients (``np.fft.fft2`` layout) a ±``max_tilt`` tilt series measures.

    The slice has axes ``(z, x)``: the beam runs along ``z`` at zero tilt and the tilt
    axis is perpendicular to the slice. By the central-slice theorem the projection at
    tilt ``θ`` fills the Fourier line through the origin at angle ``θ`` from the ``k_x``
    axis, so the measured coefficients are those within ``max_tilt`` of ``k_x``; the
    zero frequency is always measured. Returns a boolean array of ``shape``.

    Defined in 10_ml_for_science.
    """
    kz = np.fft.fftfreq(int(shape[0]))[:, None]
    kx = np.fft.fftfreq(int(shape[1]))[None, :]
    angle = np.degrees(np.arctan2(np.abs(kz), np.abs(kx)))  # 0 along k_x, 90 along k_z
    mask = angle <= max_tilt + 1e-9
    mask[0, 0] = True
    return mask


def apply_missing_wedge(image: np.ndarray, max_tilt: float) -> np.ndarray:
    """An ideal reconstruction of a ``(z, x)`` slice from a ±``max_tilt`` tilt series.

    Keeps the Fourier coefficients :func:`missing_wedge_mask` says are measured and
    zeroes the rest (every measured direction is sampled densely, so the only error is
    the missing wedge): edges perpendicular to the beam blur and objects stretch along
    ``z``.

    Defined in 10_ml_for_science.
    """
    image = np.asarray(image, dtype=np.float64)
    return np.real(np.fft.ifft2(np.fft.fft2(image) * missing_wedge_mask(image.shape, max_tilt)))


def supervoxels(volume: np.ndarray, step: int = 4, intensity_scale: float = 0.05, n_iter: int = 5) -> np.ndarray:
    """Group voxels into compact regions of similar value (supervoxels), SLIC-style.

    Seeds start on a regular grid ``step`` voxels apart; each iteration assigns every
    voxel to the nearest of the 27 seeds around its grid cell by the distance
    ``sqrt((Δv / intensity_scale)**2 + (Δr / step)**2)`` (value difference and spatial
    distance) and moves each seed to the mean position and value of its voxels
    (Achanta et al. 2012). Works for any number of dimensions. Returns int64 labels of
    the volume's shape, numbered 0 .. n_regions - 1 without gaps.

    Defined in 10_ml_for_science.
    """
    import itertools

    v = np.asarray(volume, dtype=np.float64)
    step = int(step)
    if step < 1 or intensity_scale <= 0:
        raise ValueError(f"need step >= 1 and intensity_scale > 0, got {step}, {intensity_scale}")
    shape = np.array(v.shape)
    coords = np.stack(np.meshgrid(*[np.arange(n) for n in v.shape], indexing="ij"), axis=-1).reshape(-1, v.ndim)
    values = v.ravel()
    n_cells = np.maximum((shape + step - 1) // step, 1)
    cell = np.minimum(coords // step, n_cells - 1)
    seed_grid = np.stack(np.meshgrid(*[np.minimum(np.arange(k) * step + step // 2, n - 1)
                                       for k, n in zip(n_cells, shape)], indexing="ij"), axis=-1)
    centres = seed_grid.reshape(-1, v.ndim).astype(np.float64)
    centre_values = v[tuple(seed_grid.reshape(-1, v.ndim).T)].astype(np.float64)
    coords = coords.astype(np.float64)
    candidates = []  # for each of the 3**ndim neighbouring grid cells: the voxels that have it, and its seed
    for offset in itertools.product((-1, 0, 1), repeat=v.ndim):
        neighbour = cell + np.array(offset)
        valid = np.flatnonzero(np.all((neighbour >= 0) & (neighbour < n_cells), axis=1))
        candidates.append((valid, np.ravel_multi_index(tuple(neighbour[valid].T), tuple(n_cells))))
    label = np.zeros(len(values), dtype=np.int64)
    for _ in range(max(int(n_iter), 1)):
        best = np.full(len(values), np.inf)
        for voxels, k in candidates:
            d2 = ((coords[voxels] - centres[k]) ** 2).sum(axis=1) / step**2
            d2 += ((values[voxels] - centre_values[k]) / intensity_scale) ** 2
            closer = d2 < best[voxels]
            best[voxels[closer]], label[voxels[closer]] = d2[closer], k[closer]
        counts = np.bincount(label, minlength=len(centres))
        used = counts > 0
        for axis in range(v.ndim):
            centres[used, axis] = np.bincount(label, coords[:, axis], minlength=len(centres))[used] / counts[used]
        centre_values[used] = np.bincount(label, values, minlength=len(centres))[used] / counts[used]
    _, dense = np.unique(label, return_inverse=True)
    return dense.reshape(v.shape).astype(np.int64)


def majority_labels(regions: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Give every voxel the most common label of its region (ties: the smallest label).

    ``regions`` numbers the regions 0 .. n_regions - 1 (e.g. :func:`supervoxels`),
    ``labels`` holds non-negative integer labels of the same shape. The result is the
    best any labelling that gives each region a single label can do: where it differs
    from ``labels``, a region straddles a boundary.

    Defined in 10_ml_for_science.
    """
    r = np.asarray(regions).ravel()
    y = np.asarray(labels).ravel()
    if r.shape != y.shape:
        raise ValueError(f"regions and labels differ in size: {r.size} vs {y.size}")
    counts = np.zeros((int(r.max()) + 1, int(y.max()) + 1), dtype=np.int64)
    np.add.at(counts, (r, y), 1)
    return counts.argmax(axis=1)[r].reshape(np.shape(labels))


def _neighbour_agreement(labels: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """Per voxel: how many axis neighbours carry each label, and how many neighbours it has."""
    onehot = np.eye(n_labels)[labels]
    agree = np.zeros_like(onehot)
    count = np.zeros(labels.shape)
    for axis in range(labels.ndim):
        for src, dst in ((slice(0, -1), slice(1, None)), (slice(1, None), slice(0, -1))):
            s = [slice(None)] * labels.ndim
            d = [slice(None)] * labels.ndim
            s[axis], d[axis] = src, dst
            agree[tuple(d)] += onehot[tuple(s)]
            count[tuple(d)] += 1
    return agree, count


def potts_energy(labels: np.ndarray, unary: np.ndarray, beta: float) -> float:
    """Energy of a labelling of a grid under a Potts Markov random field.

    ``E = sum_v unary[v, labels[v]] + beta * #{neighbouring pairs (v, w) with labels[v] != labels[w]}``,
    neighbours along the grid's axes (6 per voxel in 3-D). ``unary`` has the grid's shape
    plus one axis of labels: the cost of each label at each voxel, e.g. minus the
    log-probability a classifier gives it.

    Defined in 10_ml_for_science.
    """
    labels = np.asarray(labels)
    u = np.take_along_axis(np.asarray(unary, dtype=np.float64), labels[..., None], axis=-1).sum()
    disagree = 0
    for axis in range(labels.ndim):
        a = np.moveaxis(labels, axis, 0)
        disagree += int(np.count_nonzero(a[1:] != a[:-1]))
    return float(u + beta * disagree)


def potts_icm(unary: np.ndarray, beta: float, n_iter: int = 10) -> np.ndarray:
    """Refine per-voxel label costs with a Potts Markov random field, by iterated conditional modes.

    ``unary`` has the grid's shape plus one axis of labels (e.g. ``-log`` of a random
    forest's class probabilities). Starts from the cheapest label of each voxel alone;
    each sweep gives every voxel the label that minimises its unary cost plus ``beta``
    times the number of its axis neighbours with another label (Besag 1986). Voxels are
    updated in two half-sweeps by the parity of the sum of their indices: neighbours
    always have opposite parity, so this is ordinary sequential ICM and the energy
    (:func:`potts_energy`) never increases. Stops early when no label changes.
    Returns int64 labels of the grid's shape.

    Defined in 10_ml_for_science.
    """
    unary = np.asarray(unary, dtype=np.float64)
    shape, k = unary.shape[:-1], unary.shape[-1]
    labels = unary.argmin(axis=-1).astype(np.int64)
    if beta == 0:
        return labels
    parity = np.indices(shape).sum(axis=0) % 2
    for _ in range(int(n_iter)):
        changed = 0
        for colour in (0, 1):
            agree, count = _neighbour_agreement(labels, k)
            best = (unary + beta * (count[..., None] - agree)).argmin(axis=-1)
            update = (parity == colour) & (best != labels)
            labels[update] = best[update]
            changed += int(update.sum())
        if not changed:
            break
    return labels


# ---------------------------------------------------------------------------
# Mixed-scale dense (MS-D) networks
# ---------------------------------------------------------------------------


def msd_dilations(depth: int, width: int = 1, max_dilation: int = 10) -> list[list[int]]:
    """The dilation of each channel of each layer of an MS-D network: ``[[d, ...], ...]``.

    Pelt and Sethian (2018) give channel ``j`` of layer ``i`` the dilation
    ``((i * width + j) mod max_dilation) + 1``: with width 1 the layers cycle through
    1, 2, ..., 10, 1, 2, ...

    Defined in 10_ml_for_science.
    """
    return [[((i * width + j) % max_dilation) + 1 for j in range(width)] for i in range(depth)]


def msd_parameter_count(depth: int, width: int = 1, n_channels: int = 1, n_classes: int = 2,
                        kernel: int = 3) -> int:
    """Trainable parameters of an MS-D network (:func:`build_msd_network`).

    Layer ``i`` (from 0) sees the input's ``n_channels`` maps and the ``i * width`` maps
    of the layers before it, with one ``kernel x kernel`` filter per input map and a
    bias for each of its ``width`` channels; the output layer is a 1x1 convolution of
    all ``n_channels + depth * width`` maps to ``n_classes`` outputs.

    Defined in 10_ml_for_science.
    """
    hidden = sum(width * (kernel * kernel * (n_channels + i * width) + 1) for i in range(depth))
    return hidden + (n_channels + depth * width) * n_classes + n_classes


def receptive_footprint(dilations: Sequence[int], dense: bool = False, kernel: int = 3) -> np.ndarray:
    """The input pixels that can influence one output pixel of a stack of dilated convolutions.

    One entry of ``dilations`` per layer (one channel each). ``dense=False`` chains the
    layers (each sees only the one before); ``dense=True`` connects each layer to the
    input and to every earlier layer, and the output to all of them, as in an MS-D
    network. Returns a square boolean array of side ``1 + (kernel - 1) * sum(dilations)``
    centred on the output pixel: the receptive field is that wide in both cases, but a
    chain of large dilations leaves holes that dense connections fill.

    Defined in 10_ml_for_science.
    """
    half = (kernel - 1) // 2
    radius = half * int(sum(dilations))
    size = 2 * radius + 1
    offsets = range(-half, half + 1)

    def grow(mask: np.ndarray, d: int) -> np.ndarray:
        out = np.zeros_like(mask)
        for dy in offsets:
            for dx in offsets:
                out |= np.roll(np.roll(mask, dy * d, axis=0), dx * d, axis=1)
        return out

    point = np.zeros((size, size), dtype=bool)
    point[radius, radius] = True
    maps = [point]
    for d in dilations:
        if dense:
            union = np.logical_or.reduce(maps)
            maps.append(grow(union, int(d)))
        else:
            maps.append(grow(maps[-1], int(d)))
    return np.logical_or.reduce(maps) if dense else maps[-1]


def build_msd_network(depth: int, width: int = 1, n_channels: int = 1, n_classes: int = 2,
                      max_dilation: int = 10) -> "keras.Model":
    """A mixed-scale dense network (Pelt and Sethian 2018) for per-pixel classification.

    Every layer applies 3x3 dilated convolutions (dilations from :func:`msd_dilations`,
    zero padding "same", ReLU) to the concatenation of the input and *all* earlier
    layers' maps; the output is a 1x1 convolution of all maps with a softmax over
    ``n_classes``. No down- or up-sampling: every map has the image's size, and
    scale comes from the dilations. Images of any size; the output layer computes in
    float32. Parameter count: :func:`msd_parameter_count`.

    Defined in 10_ml_for_science.
    """
    import keras

    inputs = keras.Input(shape=(None, None, int(n_channels)), name="image")
    maps = [inputs]
    for i, layer_dilations in enumerate(msd_dilations(depth, width, max_dilation), start=1):
        seen = maps[0] if len(maps) == 1 else keras.layers.Concatenate(name=f"dense{i}")(maps)
        for j, d in enumerate(layer_dilations):
            maps.append(keras.layers.Conv2D(1, 3, dilation_rate=d, padding="same", activation="relu",
                                            name=f"layer{i}_{j}_dilation{d}")(seen))
    everything = maps[0] if len(maps) == 1 else keras.layers.Concatenate(name="all_maps")(maps)
    outputs = keras.layers.Conv2D(int(n_classes), 1, activation="softmax", dtype="float32",
                                  name="probabilities")(everything)
    return keras.Model(inputs, outputs, name="msd_network")


# ---------------------------------------------------------------------------
# More of science's data: single molecules, text and batteries
# ---------------------------------------------------------------------------

#: Full width at half maximum of a Gaussian, in units of its standard deviation.
FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))


def localisation_errors(n_photons: int, fwhm_nm: float = 400.0, n_trials: int = 2000, *,
                        seed: int = 0) -> np.ndarray:
    """Errors (nm) of locating one fluorescent molecule from ``n_photons`` detected photons.

    Each photon lands at the molecule's position plus a draw from the microscope's
    point-spread function, a 2-D Gaussian of full width at half maximum ``fwhm_nm``;
    the estimate is the mean position of the photons (ideal: no background, no pixels).
    Returns ``(n_trials, 2)`` errors in x and y, whose standard deviation is
    ``sigma / sqrt(n_photons)`` with ``sigma = fwhm_nm / 2.355``: a 400 nm blur located
    to 10 nm with a few hundred photons.

    Defined in 10_ml_for_science.
    """
    n = int(n_photons)
    if n < 1:
        raise ValueError(f"n_photons must be >= 1, got {n_photons}")
    rng = np.random.default_rng(seed)
    sigma = fwhm_nm / FWHM_PER_SIGMA
    # the mean of n Gaussian offsets is Gaussian with std sigma / sqrt(n); draw the photons
    # themselves so that the simulation shows the averaging, in chunks to bound memory
    errors = np.empty((int(n_trials), 2))
    chunk = max(1, 2_000_000 // n)
    for start in range(0, int(n_trials), chunk):
        m = min(chunk, int(n_trials) - start)
        errors[start:start + m] = rng.normal(0.0, sigma, (m, n, 2)).mean(axis=1)
    return errors


def flimp_separations(separation_nm: float, n_photons: int, fwhm_nm: float = 400.0,
                      n_trials: int = 2000, *, seed: int = 0) -> np.ndarray:
    """Estimated separations (nm) of two molecules closer than the blur, FLImP-style.

    Two equally bright molecules ``separation_nm`` apart blur into one spot. Before either
    bleaches, the spot's centre is their midpoint; after one bleaches, the spot sits on the
    survivor. Locating both (each from ``n_photons`` photons per molecule, as in
    :func:`localisation_errors`; the pair gives twice as many) and doubling the distance
    between the two centres estimates the separation: fluorescence localisation imaging
    with photobleaching (Needham et al. 2013). Returns ``(n_trials,)`` estimates.

    Defined in 10_ml_for_science.
    """
    rng = np.random.default_rng(seed)
    sigma = fwhm_nm / FWHM_PER_SIGMA
    n = int(n_photons)
    midpoint = rng.normal(0.0, sigma / np.sqrt(2 * n), (int(n_trials), 2))
    survivor = np.array([separation_nm / 2.0, 0.0]) + rng.normal(0.0, sigma / np.sqrt(n), (int(n_trials), 2))
    # the midpoint's true position is the origin, the survivor's +separation/2 along x
    return 2.0 * np.hypot(*(survivor - midpoint).T)


#: A short passage in the style of a materials-chemistry paper, for text mining.
DYE_TEXT = (
    "The three sensitisers were characterised by UV-vis spectroscopy in ethanol. "
    "Dye 1 shows an absorption maximum at 332 nm with a molar extinction coefficient of "
    "29,000 M-1 cm-1. "
    "For dye 2 the absorption maximum lies at 534 nm (extinction coefficient 33,000 M-1 cm-1), "
    "which makes it the only candidate that absorbs green light. "
    "Dye 3 absorbs most strongly at 324 nm, where its molar extinction coefficient reaches "
    "55,000 M-1 cm-1. "
    "The fourth compound (dye 4) peaks at λmax = 410 nm with ε = 1.85 × 10^4 L mol−1 cm−1."
)


def extract_dye_records(text: str) -> list[dict[str, float]]:
    """A toy rule-based extractor: dye number, absorption maximum (nm) and extinction coefficient.

    Splits ``text`` into sentences and, in each sentence that names exactly one
    ``dye N``, takes the first wavelength written as ``<number> nm`` and the first number
    followed by a molar-extinction unit (``M-1 cm-1``, with ASCII or Unicode minus signs);
    thousands separators (``29,000``) are removed. Sentences without all three are
    skipped. Returns ``[{"dye": N, "lambda_max_nm": ..., "epsilon_per_M_cm": ...}, ...]``
    in the order found. Real tools such as ChemDataExtractor (Swain and Cole 2016)
    tokenise chemistry-aware text, recognise compound names and parse many phrasings.

    Defined in 10_ml_for_science.
    """
    import re

    minus = "[-\u2212\u2013]"
    number = r"(\d{1,3}(?:[,\u2009 ]\d{3})+|\d+(?:\.\d+)?)"
    records = []
    for sentence in re.split(r"(?<=\.)\s+", text):
        dyes = set(re.findall(r"\b[Dd]ye (\d+)\b", sentence))
        wavelength = re.search(number + r"\s*nm\b", sentence)
        epsilon = re.search(number + rf"\s*M\s*{minus}\s*1\s*cm\s*{minus}\s*1", sentence)
        if len(dyes) == 1 and wavelength and epsilon:
            clean = lambda s: float(re.sub(r"[,\u2009 ]", "", s))  # noqa: E731
            records.append({"dye": int(dyes.pop()), "lambda_max_nm": clean(wavelength.group(1)),
                            "epsilon_per_M_cm": clean(epsilon.group(1))})
    return records


def capacity_fade(months: np.ndarray, calendar: float = 0.012, cycling: float = 0.0006) -> np.ndarray:
    """A battery cell's remaining capacity (fraction of new) after ``months`` of use: a toy ageing law.

    ``1 - calendar * sqrt(t) - cycling * t``: the square-root term stands for the growth
    of the solid-electrolyte interphase, which slows as the layer thickens (diffusion
    limited); the linear term for wear that accumulates with every cycle. With the
    defaults the cell reaches 80 % of its capacity after about ten years.

    Defined in 10_ml_for_science.
    """
    t = np.asarray(months, dtype=np.float64)
    return 1.0 - calendar * np.sqrt(t) - cycling * t


def bayesian_linear_fit(features: np.ndarray, targets: np.ndarray, noise_std: float,
                        prior_std: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and covariance of the weights of a linear model with Gaussian prior and noise.

    ``targets ~ N(features @ w, noise_std**2)`` with ``w ~ N(0, prior_std**2 I)``: the
    posterior is Gaussian with covariance ``S = (F^T F / noise^2 + I / prior^2)^-1`` and
    mean ``S F^T y / noise^2`` (Bishop, *Pattern recognition and machine learning*, 3.3).

    Defined in 10_ml_for_science.
    """
    F = np.asarray(features, dtype=np.float64)
    y = np.asarray(targets, dtype=np.float64)
    precision = F.T @ F / noise_std**2 + np.eye(F.shape[1]) / prior_std**2
    cov = np.linalg.inv(precision)
    cov = (cov + cov.T) / 2
    return cov @ F.T @ y / noise_std**2, cov


def straight_line_basis(months: np.ndarray) -> np.ndarray:
    """Features of a capacity fade that grows linearly in time: ``[t]``, shape ``(len(t), 1)``.

    Defined in 10_ml_for_science.
    """
    return np.column_stack([np.asarray(months, dtype=np.float64)])


def ageing_basis(months: np.ndarray) -> np.ndarray:
    """Features of the ageing law of :func:`capacity_fade`: ``[sqrt(t), t]``, shape ``(len(t), 2)``.

    Defined in 10_ml_for_science.
    """
    t = np.asarray(months, dtype=np.float64)
    return np.column_stack([np.sqrt(t), t])


def lifetime_samples(basis: Any, months_seen: np.ndarray, capacity_seen: np.ndarray, noise_std: float, *,
                     end_of_life: float = 0.8, horizon_months: float = 480.0, n_samples: int = 2000,
                     prior_std: float = 1.0, seed: int = 0) -> np.ndarray:
    """Samples of the time (months) at which a cell reaches ``end_of_life``, from early data.

    Fits ``1 - capacity = basis(t) @ w`` with :func:`bayesian_linear_fit` to the measured
    months, draws ``n_samples`` weight vectors from the posterior and returns, for each,
    the first month on a fine grid up to ``horizon_months`` at which the predicted
    capacity falls to ``end_of_life`` (``inf`` if it never does). ``basis`` maps an array
    of months to a ``(len(t), n_features)`` array. The spread of the samples is the
    model's uncertainty about the lifetime.

    Defined in 10_ml_for_science.
    """
    mean, cov = bayesian_linear_fit(basis(np.asarray(months_seen, dtype=np.float64)),
                                    1.0 - np.asarray(capacity_seen, dtype=np.float64), noise_std, prior_std)
    rng = np.random.default_rng(seed)
    weights = rng.multivariate_normal(mean, cov, size=int(n_samples))
    grid = np.linspace(0.0, float(horizon_months), int(horizon_months * 4) + 1)
    fade = weights @ basis(grid).T  # (n_samples, n_grid)
    reached = fade >= 1.0 - end_of_life
    first = np.where(reached.any(axis=1), grid[np.argmax(reached, axis=1)], np.inf)
    return first


# ---------------------------------------------------------------------------
# Adversarial examples and uncertainty
# ---------------------------------------------------------------------------


def fgsm(model: "keras.Model", x: np.ndarray, y: np.ndarray, epsilon: float,
         clip: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """The fast gradient sign method: ``clip(x + epsilon * sign(grad_x loss(model(x), y)))``.

    Goodfellow, Shlens & Szegedy (2015): one step of size ``epsilon`` per input value in
    the direction that increases the loss fastest under a max-norm budget. The loss is
    sparse categorical cross-entropy of the model's probabilities against the integer
    labels ``y``; the result is clipped to the valid range ``clip`` and returned as a
    float32 NumPy array shaped like ``x``.

    Defined in 10_ml_for_science (exercise 3 asks for the same function).
    """
    import keras
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(x, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.sparse_categorical_crossentropy(np.asarray(y), model(x, training=False))
    gradient = tape.gradient(loss, x)
    adversarial = tf.clip_by_value(x + float(epsilon) * tf.sign(gradient), clip[0], clip[1])
    return np.asarray(adversarial.numpy(), dtype=np.float32)


def iterated_fgsm(model: "keras.Model", x: np.ndarray, y: np.ndarray, epsilon: float, steps: int = 10,
                  step_size: float | None = None, clip: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """Iterated FGSM (projected gradient ascent in the max-norm ball): many small sign steps.

    ``steps`` times: ``x_adv <- x_adv + step_size * sign(grad_x loss)``, then pull every
    pixel back to within ``epsilon`` of ``x`` and into ``clip``. This is the basic
    iterative method of Kurakin, Goodfellow and Bengio (2017), i.e. projected gradient
    descent on the loss (Madry et al. 2018) started at ``x`` without a random start. The
    budget is the same as FGSM's (no pixel moves by more than ``epsilon``), but the
    steps follow the loss where it bends, so the attack ends deeper in the wrong class.
    ``step_size`` defaults to ``2.5 * epsilon / steps``; with ``steps=1`` and
    ``step_size=epsilon`` it is :func:`fgsm`. The loss is the sparse categorical
    cross-entropy of the model's probabilities against the labels ``y``. Returns
    float32 shaped like ``x``.

    Defined in 10_ml_for_science.
    """
    import keras
    import tensorflow as tf

    steps = int(steps)
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    alpha = 2.5 * float(epsilon) / steps if step_size is None else float(step_size)
    x0 = tf.convert_to_tensor(np.asarray(x, dtype=np.float32))
    labels = tf.convert_to_tensor(np.asarray(y))
    low = tf.maximum(x0 - float(epsilon), clip[0])
    high = tf.minimum(x0 + float(epsilon), clip[1])

    @tf.function
    def step(current: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(current)
            loss = keras.losses.sparse_categorical_crossentropy(labels, model(current, training=False))
        moved = current + alpha * tf.sign(tape.gradient(loss, current))
        return tf.clip_by_value(moved, low, high)

    adversarial = x0
    for _ in range(steps):
        adversarial = step(adversarial)
    return np.asarray(adversarial.numpy(), dtype=np.float32)


def transplant(images: np.ndarray, patch: np.ndarray, row: int, col: int) -> np.ndarray:
    """Copies of ``images`` with ``patch`` pasted at ``(row, col)`` (top-left corner).

    ``images`` is ``(n, height, width)`` or ``(n, height, width, 1)``; the patch is
    combined with each image by taking the brighter of the two pixel by pixel (a bright
    object in front of a dark sky) and is cut off at the image's edges. Used to put an
    object a model never saw into otherwise unchanged inputs, as in "The Elephant in the
    Room" (Rosenfeld, Zemel and Tsotsos 2018).

    Defined in 10_ml_for_science.
    """
    out = np.array(images, copy=True)
    plane = out[..., 0] if out.ndim == 4 else out
    patch = np.asarray(patch, dtype=out.dtype)
    h, w = plane.shape[1:3]
    r0, c0 = max(int(row), 0), max(int(col), 0)
    r1, c1 = min(int(row) + patch.shape[0], h), min(int(col) + patch.shape[1], w)
    if r1 > r0 and c1 > c0:
        piece = patch[r0 - int(row):r1 - int(row), c0 - int(col):c1 - int(col)]
        plane[:, r0:r1, c0:c1] = np.maximum(plane[:, r0:r1, c0:c1], piece)
    return out


def transplant_changes(model: "keras.Model", images: np.ndarray, patch: np.ndarray, stride: int = 4,
                       batch_size: int = 4096) -> np.ndarray:
    """How often pasting ``patch`` changes the model's answer, for each position of the patch.

    The patch's top-left corner visits a grid of positions ``stride`` pixels apart
    (wherever the whole patch fits); for each position the result holds the fraction
    of ``images`` whose predicted class (argmax) differs from the prediction without
    the patch. Returns ``(n_rows, n_cols)``.

    Defined in 10_ml_for_science.
    """
    images = np.asarray(images, dtype=np.float32)
    h, w = images.shape[1:3]
    rows = range(0, h - patch.shape[0] + 1, int(stride))
    cols = range(0, w - patch.shape[1] + 1, int(stride))
    before = model.predict(images, batch_size=batch_size, verbose=0).argmax(axis=-1)
    batch = np.concatenate([transplant(images, patch, r, c) for r in rows for c in cols])
    after = model.predict(batch, batch_size=batch_size, verbose=0).argmax(axis=-1)
    changed = after.reshape(len(rows) * len(cols), len(images)) != before[None, :]
    return changed.mean(axis=1).reshape(len(rows), len(cols))


def tree_spread(forest: Any, X: np.ndarray, cls: int | Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over a random forest's trees of P(class in ``cls``) per sample.

    A forest is an ensemble: where its trees agree the prediction is stable, where they
    disagree (large spread) the training data did not pin the answer down -- the usual
    sign of an input unlike the training data.

    Defined in 10_ml_for_science.
    """
    wanted = np.atleast_1d(np.asarray(cls))
    columns = np.flatnonzero(np.isin(forest.classes_, wanted))
    votes = np.stack([tree.predict_proba(np.asarray(X))[:, columns].sum(axis=1) for tree in forest.estimators_])
    return votes.mean(axis=0), votes.std(axis=0)


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

_SURFACE_COLOURS = ("#ffffff", "#9ecae1", "#74a94a", "#2c5aa0", "#f2c6f2", "#3b3b3b")
_VOXEL_COLOURS = ("#000000", "#7f7f7f", "#4c72b0", "#dd8452", "#f2e35b")


def _class_cmap(colours: Sequence[str]) -> ListedColormap:
    return ListedColormap(list(colours))


def _off(ax: Any) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _legend(fig: Figure, names: Sequence[str], colours: Sequence[str], y: float = 0.0) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=c, edgecolor="0.3", label=n) for n, c in zip(names, colours)]
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, y), ncol=len(names), frameon=False,
               fontsize=9)


def plot_satellite_patches(images: np.ndarray, labels: np.ndarray, n: int = 5) -> Figure:
    """The first ``n`` patches in four rows: true colour, cirrus band, SWIR band and the labels.

    Defined in 10_ml_for_science.
    """
    n = min(int(n), len(images))
    fig, axes = plt.subplots(4, n, figsize=(2.0 * n, 8.6), squeeze=False)
    rows = ("true colour (B4 B3 B2)", "B10 cirrus 1.38 µm", "B11 SWIR 1.61 µm", "labels")
    for k in range(n):
        axes[0, k].imshow(rgb_composite(images[k]), interpolation="nearest")
        axes[1, k].imshow(images[k, ..., 4], cmap="gray", vmin=0, vmax=0.3, interpolation="nearest")
        axes[2, k].imshow(images[k, ..., 5], cmap="gray", vmin=0, vmax=0.6, interpolation="nearest")
        axes[3, k].imshow(labels[k], cmap=_class_cmap(_SURFACE_COLOURS), vmin=-0.5,
                          vmax=len(SURFACE_CLASSES) - 0.5, interpolation="nearest")
        axes[0, k].set_title(f"patch {k}", fontsize=9)
        for r in range(4):
            _off(axes[r, k])
    for r, name in enumerate(rows):
        axes[r, 0].set_ylabel(name, fontsize=8)
    _legend(fig, SURFACE_CLASSES, _SURFACE_COLOURS)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def plot_spectra(images: np.ndarray, labels: np.ndarray, ax: Any = None) -> Any:
    """Mean reflectance spectrum of each surface class (band by band), with ±1 std bands.

    Defined in 10_ml_for_science.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 4.2))
    X, y = pixel_dataset(images, labels)
    lam = np.array(WAVELENGTHS_UM)
    colours = ("#555555", "#6baed6", "#31a354", "#08519c", "#c51b8a", "#000000")
    for k, (name, colour) in enumerate(zip(SURFACE_CLASSES, colours)):
        if not np.any(y == k):
            continue
        mean, std = X[y == k].mean(axis=0), X[y == k].std(axis=0)
        ax.plot(lam, mean, "o-", color=colour, label=name)
        ax.fill_between(lam, mean - std, mean + std, color=colour, alpha=0.12)
    for w, name in zip(lam, BAND_NAMES):
        ax.annotate(name.split()[0], (w, 0.0), xytext=(0, -2), textcoords="offset points",
                    ha="center", va="top", fontsize=7, color="0.4")
    ax.set_xscale("log")
    ax.set_xticks([0.5, 0.7, 1.0, 1.5, 2.0])
    ax.set_xticklabels(["0.5", "0.7", "1.0", "1.5", "2.0"])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("wavelength (µm)")
    ax.set_ylabel("top-of-atmosphere reflectance")
    ax.set_ylim(-0.06, 1.0)
    ax.set_title("mean spectrum per class (shaded: ±1 standard deviation)")
    ax.legend(fontsize=8, ncol=3)
    return ax


def plot_cloud_masks(image: np.ndarray, labels: np.ndarray, masks: Mapping[str, np.ndarray]) -> Figure:
    """One patch: true colour, the labels, and each named cloud mask (misses red, false alarms orange).

    Defined in 10_ml_for_science.
    """
    truth = np.isin(labels, [SURFACE_CLASSES.index(c) for c in CLOUD_CLASSES])
    fig, axes = plt.subplots(1, 2 + len(masks), figsize=(2.6 * (2 + len(masks)), 3.6))
    axes[0].imshow(rgb_composite(image), interpolation="nearest")
    axes[0].set_title("true colour", fontsize=9)
    axes[1].imshow(labels, cmap=_class_cmap(_SURFACE_COLOURS), vmin=-0.5, vmax=len(SURFACE_CLASSES) - 0.5,
                   interpolation="nearest")
    axes[1].set_title("labels", fontsize=9)
    for ax, (name, mask) in zip(axes[2:], masks.items()):
        mask = np.asarray(mask, dtype=bool)
        picture = np.ones(mask.shape + (3,)) * 0.15
        picture[mask & truth] = (1.0, 1.0, 1.0)
        picture[~mask & truth] = (0.85, 0.1, 0.1)
        picture[mask & ~truth] = (1.0, 0.6, 0.0)
        ax.imshow(picture, interpolation="nearest")
        ax.set_title(name, fontsize=9)
    for ax in axes:
        _off(ax)
    _legend(fig, SURFACE_CLASSES, _SURFACE_COLOURS, y=0.07)
    _legend(fig, ("mask: cloud found", "cloud missed", "false alarm", "clear, correct"),
            ("#ffffff", "#d91a1a", "#ff9900", "#262626"), y=0.0)
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    return fig


def plot_volume_slices(volume: np.ndarray, labels: np.ndarray, predictions: Mapping[str, np.ndarray],
                       index: int | None = None, axis: int = 0) -> Figure:
    """One slice through a volume: the data, the true labels and each predicted label volume.

    Defined in 10_ml_for_science.
    """
    index = volume.shape[axis] // 2 if index is None else int(index)
    take = lambda a: np.take(np.asarray(a), index, axis=axis)  # noqa: E731
    panels = 2 + len(predictions)
    fig, axes = plt.subplots(1, panels, figsize=(2.9 * panels, 3.4))
    axes[0].imshow(take(volume), cmap="gray", interpolation="nearest")
    axes[0].set_title(f"tomogram, slice {index}", fontsize=9)
    cmap = _class_cmap(_VOXEL_COLOURS)
    for ax, (name, lab) in zip(axes[1:], [("truth", labels), *predictions.items()]):
        lab = np.asarray(lab).reshape(volume.shape)
        ax.imshow(take(lab), cmap=cmap, vmin=-0.5, vmax=len(VOXEL_CLASSES) - 0.5, interpolation="nearest")
        ax.set_title(name, fontsize=9)
    for ax in axes:
        _off(ax)
    _legend(fig, VOXEL_CLASSES, _VOXEL_COLOURS)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def plot_adversarial(x: np.ndarray, x_adv: np.ndarray, p_clean: np.ndarray, p_adv: np.ndarray,
                     class_names: Sequence[str], epsilon: float) -> Figure:
    """The "panda -> gibbon" picture: clean image, perturbation (stretched to be visible), adversarial image.

    ``p_clean``/``p_adv`` are the model's class probabilities for the two images.

    Defined in 10_ml_for_science.
    """
    x, x_adv = np.squeeze(x), np.squeeze(x_adv)
    delta = x_adv - x
    fig, axes = plt.subplots(1, 3, figsize=(9.0, 3.4))
    top = lambda p: f"{class_names[int(np.argmax(p))]} ({100 * float(np.max(p)):.0f} %)"  # noqa: E731
    axes[0].imshow(x, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[0].set_title(f"clean: {top(p_clean)}", fontsize=10)
    m = max(float(np.abs(delta).max()), 1e-12)
    axes[1].imshow(delta, cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest")
    axes[1].set_title(f"+ perturbation, |δ| ≤ {epsilon:g}\n(stretched {1 / m:.0f}x)", fontsize=10)
    axes[2].imshow(x_adv, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[2].set_title(f"adversarial: {top(p_adv)}", fontsize=10)
    for ax in axes:
        _off(ax)
    fig.tight_layout()
    return fig


def plot_accuracy_vs_epsilon(epsilons: Sequence[float], curves: Mapping[str, Sequence[float]],
                             chance: float | None = None, ax: Any = None) -> Any:
    """Test accuracy against the perturbation size ε, one line per kind of perturbation.

    Defined in 10_ml_for_science.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.8))
    for name, acc in curves.items():
        ax.plot(epsilons, acc, "o-", label=name)
    if chance is not None:
        ax.axhline(chance, color="0.5", ls=":", label="chance")
    ax.set_xlabel("ε (largest change of any pixel; pixels span 0 to 1)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=9)
    ax.set_title("accuracy under perturbations of size ε")
    return ax


def plot_uncertainty(image: np.ndarray, labels: np.ndarray, mean: np.ndarray, spread: np.ndarray) -> Figure:
    """One patch: true colour, labels, an ensemble's mean P(cloud) and its spread (std over members).

    Defined in 10_ml_for_science.
    """
    fig, axes = plt.subplots(1, 4, figsize=(11.0, 3.3))
    axes[0].imshow(rgb_composite(image), interpolation="nearest")
    axes[0].set_title("true colour", fontsize=9)
    axes[1].imshow(labels, cmap=_class_cmap(_SURFACE_COLOURS), vmin=-0.5, vmax=len(SURFACE_CLASSES) - 0.5,
                   interpolation="nearest")
    axes[1].set_title("labels", fontsize=9)
    im = axes[2].imshow(np.reshape(mean, labels.shape), cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    axes[2].set_title("mean P(cloud) over trees", fontsize=9)
    fig.colorbar(im, ax=axes[2], fraction=0.046)
    im = axes[3].imshow(np.reshape(spread, labels.shape), cmap="magma", vmin=0, vmax=0.5, interpolation="nearest")
    axes[3].set_title("spread (std over trees)", fontsize=9)
    fig.colorbar(im, ax=axes[3], fraction=0.046)
    for ax in axes:
        _off(ax)
    _legend(fig, SURFACE_CLASSES, _SURFACE_COLOURS)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def plot_rates_vs_threshold(thresholds: Sequence[float], table: np.ndarray, class_names: Sequence[str],
                            references: Mapping[str, Mapping[str, float]] | None = None,
                            detect: str = "cirrus", alarm: str = "land") -> Figure:
    """The operating point of a probabilistic cloud mask, in two panels.

    Left: each class's error against the threshold, from the rates of
    :func:`rates_vs_threshold`: the fraction *missed* for the cloud classes (solid) and the
    false-alarm rate for the others (dashed). Right: the detection rate of class
    ``detect`` against the false-alarm rate of class ``alarm`` as the threshold moves
    (a per-class ROC curve), with each mask in ``references`` (rates as
    :func:`cloud_rates` returns them) as a point.

    Defined in 10_ml_for_science.
    """
    t = np.asarray(thresholds, dtype=np.float64)
    table = np.asarray(table, dtype=np.float64)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.0, 4.0))
    colours = ("#555555", "#6baed6", "#31a354", "#08519c", "#c51b8a", "#000000")
    for k, name in enumerate(class_names):
        if name in CLOUD_CLASSES:
            left.plot(t, 1.0 - table[:, k], "-", color=colours[k % len(colours)], label=f"{name} missed")
        else:
            left.plot(t, table[:, k], "--", color=colours[k % len(colours)], label=f"{name} flagged")
    left.set_xlabel("threshold t on the network's P(cloud) + P(cirrus)")
    left.set_ylabel("fraction of the class")
    left.set_ylim(bottom=0)
    left.set_title("errors per class: missed cloud (solid), false alarms (dashed)", fontsize=10)
    left.legend(fontsize=8, ncol=2)
    d, a = list(class_names).index(detect), list(class_names).index(alarm)
    right.plot(table[:, a], table[:, d], "o-", ms=3, color="#6baed6", label="network, thresholds 0.05 to 0.95")
    for ti, fa, det in zip(t, table[:, a], table[:, d]):
        if any(np.isclose(ti, v) for v in (0.1, 0.5, 0.9)):
            right.annotate(f"t = {ti:g}", (fa, det), xytext=(4, -12), textcoords="offset points", fontsize=8)
    for (name, rates), marker in zip((references or {}).items(), ("s", "^", "D", "v")):
        right.plot(rates[alarm], rates[detect], marker, ms=8, label=name)
    right.set_xlabel(f"false alarms on {alarm}")
    right.set_ylabel(f"{detect} detected")
    right.set_title(f"the trade-off: {detect} found against {alarm} flagged", fontsize=10)
    right.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_missing_wedge(image: np.ndarray, max_tilt: float) -> Figure:
    """A ``(z, x)`` slice, the Fourier coefficients a ±``max_tilt`` tilt series measures, and the result.

    Defined in 10_ml_for_science.
    """
    image = np.asarray(image, dtype=np.float64)
    mask = np.fft.fftshift(missing_wedge_mask(image.shape, max_tilt))
    recon = apply_missing_wedge(image, max_tilt)
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.6))
    vmin, vmax = float(image.min()), float(image.max())
    axes[0].imshow(image, cmap="gray", vmin=vmin, vmax=vmax, interpolation="nearest")
    axes[0].set_title("slice (z down, x across)", fontsize=9)
    axes[1].imshow(mask, cmap="gray", interpolation="nearest")
    axes[1].set_title(f"measured Fourier coefficients\n(white; tilts ±{max_tilt:g}°)", fontsize=9)
    axes[2].imshow(recon, cmap="gray", vmin=vmin, vmax=vmax, interpolation="nearest")
    axes[2].set_title("reconstructed from them", fontsize=9)
    for ax in axes:
        _off(ax)
    fig.tight_layout()
    return fig


def plot_supervoxel_slice(volume: np.ndarray, regions: np.ndarray, labels: np.ndarray,
                          index: int | None = None) -> Figure:
    """One slice: the tomogram, every voxel replaced by its supervoxel's mean, and the best one-label-per-supervoxel segmentation.

    ``labels`` are the true voxel labels (:data:`VOXEL_CLASSES`); the third panel is
    :func:`majority_labels`, the ceiling for any classifier that labels whole supervoxels.

    Defined in 10_ml_for_science.
    """
    index = volume.shape[0] // 2 if index is None else int(index)
    flat = np.asarray(regions).ravel()
    means = (np.bincount(flat, np.asarray(volume, dtype=np.float64).ravel()) / np.bincount(flat))[flat]
    ceiling = majority_labels(regions, labels)
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.6))
    vmin, vmax = float(np.min(volume)), float(np.max(volume))
    axes[0].imshow(np.asarray(volume)[index], cmap="gray", vmin=vmin, vmax=vmax, interpolation="nearest")
    axes[0].set_title(f"tomogram, slice {index}", fontsize=9)
    axes[1].imshow(means.reshape(np.shape(volume))[index], cmap="gray", vmin=vmin, vmax=vmax, interpolation="nearest")
    axes[1].set_title("each voxel = its supervoxel's mean", fontsize=9)
    axes[2].imshow(ceiling[index], cmap=_class_cmap(_VOXEL_COLOURS), vmin=-0.5, vmax=len(VOXEL_CLASSES) - 0.5,
                   interpolation="nearest")
    axes[2].set_title("best labelling with one label\nper supervoxel", fontsize=9)
    for ax in axes:
        _off(ax)
    _legend(fig, VOXEL_CLASSES, _VOXEL_COLOURS)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def plot_footprints(footprints: Mapping[str, np.ndarray]) -> Figure:
    """Receptive-field footprints (:func:`receptive_footprint`) side by side, drawn to the same scale.

    Defined in 10_ml_for_science.
    """
    side = max(np.asarray(f).shape[0] for f in footprints.values())
    fig, axes = plt.subplots(1, len(footprints), figsize=(3.2 * len(footprints), 3.5), squeeze=False)
    for ax, (name, f) in zip(axes[0], footprints.items()):
        f = np.asarray(f, dtype=bool)
        canvas = np.zeros((side, side))
        o = (side - f.shape[0]) // 2
        canvas[o:o + f.shape[0], o:o + f.shape[1]] = f
        ax.imshow(canvas, cmap="Blues", vmin=0, vmax=1.2, interpolation="nearest")
        ax.set_title(f"{name}\n{f.shape[0]}x{f.shape[1]} pixels, {f.mean():.0%} reached", fontsize=9)
        _off(ax)
    fig.tight_layout()
    return fig


def plot_transplant(example: np.ndarray, changes: np.ndarray, patch_shape: tuple[int, int], stride: int) -> Figure:
    """An image with a transplanted object, and where the object changes the model's answers.

    ``changes`` is what :func:`transplant_changes` returned; each of its cells is drawn
    where the patch's top-left corner was.

    Defined in 10_ml_for_science.
    """
    fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.6))
    axes[0].imshow(np.squeeze(example), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[0].set_title("a galaxy with the object pasted in", fontsize=9)
    _off(axes[0])
    im = axes[1].imshow(100 * np.asarray(changes), cmap="magma", interpolation="nearest",
                        extent=(-0.5 * stride, (changes.shape[1] - 0.5) * stride,
                                (changes.shape[0] - 0.5) * stride, -0.5 * stride))
    axes[1].set_title(f"% of answers changed, by the object's\nposition (top-left corner; object {patch_shape[0]}x{patch_shape[1]})",
                      fontsize=9)
    axes[1].set_xlabel("column")
    axes[1].set_ylabel("row")
    fig.colorbar(im, ax=axes[1], fraction=0.046)
    fig.tight_layout()
    return fig


def plot_lifetimes(months: np.ndarray, capacity: np.ndarray, samples: Mapping[str, np.ndarray],
                   true_months: float, end_of_life: float = 0.8, horizon_years: float = 40.0) -> Figure:
    """Measured capacity (left) and each model's predicted time to ``end_of_life`` (right).

    ``samples`` maps a model's name to :func:`lifetime_samples`' output; the right panel
    draws the middle 90 % of each model's samples as a bar and the median as a dot (an
    arrow where the interval runs past ``horizon_years``), against the true lifetime.

    Defined in 10_ml_for_science.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.0, 3.8), gridspec_kw={"width_ratios": [1, 1.2]})
    left.plot(np.asarray(months) / 12, 100 * np.asarray(capacity), ".", color="0.2", label="measured")
    grid = np.linspace(0, 20 * 12, 400)
    left.plot(grid / 12, 100 * capacity_fade(grid), "-", color="0.6", lw=1, label="true ageing (unknown)")
    left.axhline(100 * end_of_life, color="#c51b8a", ls=":", label="end of life")
    left.set_xlabel("years")
    left.set_ylabel("capacity (% of new)")
    left.set_xlim(0, 20)
    left.legend(fontsize=8)
    names = list(samples)
    for y, name in enumerate(names):
        low, mid, high = np.percentile(np.asarray(samples[name], dtype=np.float64), [5, 50, 95], method="lower") / 12
        shown = min(high, horizon_years)
        right.plot([low, shown], [y, y], "-", lw=4, color="#6baed6", solid_capstyle="butt")
        right.plot([min(mid, horizon_years)], [y], "o", color="#08519c")
        if high > horizon_years:
            right.annotate("", xy=(horizon_years + 1.5, y), xytext=(horizon_years - 0.5, y),
                           arrowprops={"arrowstyle": "->", "color": "#6baed6", "lw": 2})
    right.axvline(true_months / 12, color="0.2", ls="--", label="true lifetime")
    right.set_yticks(range(len(names)))
    right.set_yticklabels(names, fontsize=8)
    right.set_ylim(len(names) - 0.5, -0.5)
    right.set_xlim(0, horizon_years + 2)
    right.set_xlabel("predicted years to end of life (bar: middle 90 %, dot: median)")
    right.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
