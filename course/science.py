"""The ML-for-science lecture's data and helpers: clouds, cells and adversarial examples.

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

The rest are the lecture's tools: the brightness-threshold cloud rule, per-class
cloud rates, per-pixel data sets and the per-pixel Keras classifier, Gaussian and
Hessian-eigenvalue voxel features for a random forest, the fast gradient sign
method, per-tree uncertainty of a forest, and the figures.

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
    "VOXEL_CLASSES",
    "ABSORPTION",
    "satellite_patches",
    "rgb_composite",
    "pixel_dataset",
    "brightness_rule",
    "spectral_rule",
    "cloud_rates",
    "format_rates",
    "build_pixel_classifier",
    "cell_volume",
    "voxel_features",
    "voxel_feature_names",
    "sample_voxels",
    "fgsm",
    "tree_spread",
    "plot_satellite_patches",
    "plot_spectra",
    "plot_cloud_masks",
    "plot_volume_slices",
    "plot_adversarial",
    "plot_accuracy_vs_epsilon",
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


def format_rates(results: Mapping[str, Mapping[str, float]], class_names: Sequence[str]) -> str:
    """A text table: one row per method, one column per class, each cell a fraction flagged cloud.

    ``results`` maps a method's name to what :func:`cloud_rates` returned for it.
    Fractions are printed with two decimals (``n/a`` for nan).

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
            cells.append(f"  {'n/a' if np.isnan(v) else f'{v:.2f}':>{w}}")
        lines.append(f"{method:<{width}}" + "".join(cells))
    return "\n".join(lines)


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
