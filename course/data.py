"""Datasets for the course: offline by default.

Three kinds of data, so every notebook runs without a network:

* **bundled** -- scikit-learn's Iris and digits (:func:`load_iris`, :func:`load_digits`,
  :func:`digit_images`), returned as a :class:`Dataset`;
* **synthetic scientific data** -- deterministic generators that imitate real
  instruments (:func:`sky_catalog`, :func:`observing_log`, :func:`galaxy_image`,
  :func:`galaxy_images`, :func:`satellite_patch`, :func:`satellite_scene`,
  :func:`light_curves`); the same ``seed`` always gives the same data, on any machine;
* **real, larger public datasets** -- a small downloader (:func:`download`,
  :func:`fetch`, :data:`REMOTE`) that caches in :func:`cache_dir`, verifies a published
  sha256, and fails loudly (:class:`DownloadError`) rather than silently.

Defined in 00_big_data_in_science (first used there; later lectures add loaders).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, overload

import numpy as np

if TYPE_CHECKING:  # pandas is imported lazily: it costs ~0.3 s and only sky_catalog needs it
    import pandas as pd

__all__ = [
    "Dataset",
    "load_iris",
    "load_digits",
    "digit_images",
    "sky_catalog",
    "SKY_COLUMNS",
    "SKY_CLASSES",
    "SKY_BLOCK_ROWS",
    "observing_log",
    "OBSERVING_LOG_PATTERN",
    "galaxy_image",
    "galaxy_images",
    "satellite_patch",
    "satellite_scene",
    "SATELLITE_CLASSES",
    "light_curves",
    "LIGHT_CURVE_CLASSES",
    "DownloadError",
    "RemoteFile",
    "REMOTE",
    "cache_dir",
    "download",
    "fetch",
]


# ---------------------------------------------------------------------------
# Bundled datasets
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Dataset:
    """A labelled dataset: features ``X``, targets ``y`` and what they mean.

    ``eq=False``: comparing two datasets with ``==`` would compare arrays
    element-wise, which has no single truth value; compare the fields instead.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_names: list[str]
    description: str

    def __repr__(self) -> str:  # short and stable: notebooks may print a dataset
        return (
            f"Dataset(X={self.X.shape} {self.X.dtype}, y={self.y.shape} {self.y.dtype}, "
            f"{len(self.feature_names)} features, targets {self.target_names})"
        )


def load_iris() -> Dataset:
    """Fisher's Iris flowers, bundled with scikit-learn (no network).

    Defined in 01_ml_fundamentals (the perceptron separates setosa from virginica).
    """
    from sklearn import datasets

    raw = datasets.load_iris()
    return Dataset(
        X=np.asarray(raw.data, dtype=np.float64),
        y=np.asarray(raw.target, dtype=np.int64),
        feature_names=[str(n) for n in raw.feature_names],
        target_names=[str(n) for n in raw.target_names],
        description=(
            "Iris: 150 flowers, 50 of each of three species (setosa, versicolor, virginica), "
            "measured by Edgar Anderson and analysed by R. A. Fisher (1936). X has shape "
            "(150, 4): sepal length, sepal width, petal length and petal width in cm; y has "
            "shape (150,) with labels 0, 1, 2. Setosa is linearly separable from the other two. "
            "Source: the copy bundled with scikit-learn (sklearn.datasets.load_iris)."
        ),
    )


def load_digits() -> Dataset:
    """Handwritten digits as 64 pixel features, bundled with scikit-learn (no network).

    Defined in 01_ml_fundamentals; the 8x8 images are in :func:`digit_images`.
    """
    from sklearn import datasets

    raw = datasets.load_digits()
    return Dataset(
        X=np.asarray(raw.data, dtype=np.float64),
        y=np.asarray(raw.target, dtype=np.int64),
        feature_names=[str(n) for n in raw.feature_names],
        target_names=[str(n) for n in raw.target_names],
        description=(
            "Digits: 1797 handwritten digits 0-9 from the UCI optical recognition dataset, "
            "each an 8x8 image of ink counts 0-16 (4x4 blocks of a 32x32 bitmap). X has shape "
            "(1797, 64), the image flattened row by row, floats in [0, 16]; y has shape (1797,) "
            "with labels 0-9. Source: the copy bundled with scikit-learn "
            "(sklearn.datasets.load_digits)."
        ),
    )


def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """The digits as images: ``(1797, 8, 8)`` floats in [0, 16] and ``(1797,)`` labels.

    Defined in 05_convolutional_networks (a CNN wants the 2-D layout back).
    """
    ds = load_digits()
    return ds.X.reshape(-1, 8, 8), ds.y


# ---------------------------------------------------------------------------
# Synthetic photometric sky catalogue
# ---------------------------------------------------------------------------

SKY_COLUMNS = ("obj_id", "ra", "dec", "u", "g", "r", "i", "z", "redshift", "cls")
SKY_CLASSES = ("STAR", "GALAXY", "QSO")
#: Rows are generated in blocks of this many, block ``b`` from
#: ``np.random.SeedSequence(seed).spawn(...)[b]``; changing it changes the data.
SKY_BLOCK_ROWS = 8192

_SKY_SHARES = np.array([0.45, 0.45, 0.10])  # STAR, GALAXY, QSO
_SKY_FLOAT_COLUMNS = ("ra", "dec", "u", "g", "r", "i", "z", "redshift")


def _bright_end(rng: np.random.Generator, scale: float, k: int) -> np.ndarray:
    """Magnitudes above the r = 22.5 limit: exponential, truncated at r = 14 (saturation)."""
    top = 22.5 - 14.0
    return -scale * np.log1p(-rng.random(k) * -np.expm1(-top / scale))


def _sky_block(seed: int, block: int) -> dict[str, np.ndarray]:
    """Generate block ``block`` (``SKY_BLOCK_ROWS`` rows) of the sky catalogue.

    ``SeedSequence(seed, spawn_key=(block,))`` is exactly the ``block``-th child of
    ``SeedSequence(seed).spawn(...)``, so any block can be made on its own: that is what
    makes chunked and unchunked catalogues identical.
    """
    m = SKY_BLOCK_ROWS
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    code = np.searchsorted(np.cumsum(_SKY_SHARES)[:2], rng.random(m), side="right").astype(np.int8)
    ra = rng.random(m) * 360.0
    dec = np.degrees(np.arcsin(2.0 * rng.random(m) - 1.0))  # uniform on the sphere
    noise = rng.standard_normal((9, m), dtype=np.float32)  # float32: twice as fast
    redshift = np.empty(m)
    colours = np.empty((4, m))  # u-g, g-r, r-i, i-z
    depth = np.empty(m)  # how far below the r = 22.5 limit (counts rise towards it)

    # stars: redshift ~0 (radial velocities of tens of km/s); one temperature-like
    # parameter t in [0, 1] moves them along the stellar locus (hot & blue -> cool & red)
    idx = np.flatnonzero(code == 0)
    k = len(idx)
    t = rng.random(k) ** 1.3
    redshift[idx] = np.abs(rng.standard_normal(k)) * 1e-4
    colours[:, idx] = [0.7 + 2.0 * t, -0.3 + 1.8 * t, -0.15 + 1.6 * t**2, -0.05 + 0.7 * t**2]
    depth[idx] = _bright_end(rng, 2.2, k)

    # galaxies: z ~ 0.1; half on the red sequence, half in the blue cloud; redder with z
    idx = np.flatnonzero(code == 1)
    k = len(idx)
    zg = np.minimum(0.005 + rng.gamma(2.0, 0.06, k), 0.8)
    red = rng.random(k) < 0.5
    redshift[idx] = zg
    colours[:, idx] = [
        np.where(red, 1.75, 1.25) + 0.5 * zg,
        np.where(red, 0.75 + 0.9 * zg, 0.45 + 0.5 * zg),
        np.where(red, 0.40 + 0.4 * zg, 0.30 + 0.3 * zg),
        np.where(red, 0.35, 0.20) + 0.2 * zg,
    ]
    depth[idx] = _bright_end(rng, 1.4, k)

    # quasars: z ~ 0.3-5; blue in u-g (UV excess) until the Lyman-alpha forest enters u
    idx = np.flatnonzero(code == 2)
    k = len(idx)
    zq = 0.2 + rng.gamma(3.0, 0.55, k)
    zq = np.clip(np.where(zq > 5.5, 11.0 - zq, zq), 0.2, 5.5)  # reflect: no pile-up at 5.5
    redshift[idx] = zq
    colours[:, idx] = [
        0.25 + np.minimum(1.5 * np.clip(zq - 2.5, 0.0, None), 3.0),
        0.15 + np.minimum(1.0 * np.clip(zq - 3.5, 0.0, None), 1.5),
        np.full(k, 0.10),
        np.full(k, 0.05),
    ]
    depth[idx] = _bright_end(rng, 1.0, k)

    colours += noise[:4] * np.array([[0.12], [0.07], [0.06], [0.07]])  # intrinsic scatter
    r = 22.5 - depth
    g = r + colours[1]
    i = r - colours[2]
    mags = {"u": g + colours[0], "g": g, "r": r, "i": i, "z": i - colours[3]}
    # photometric errors grow towards the faint end (roughly SDSS-like), at most 0.3 mag
    for j, name in enumerate(("u", "g", "r", "i", "z")):
        true = mags[name]
        sigma = np.minimum(0.01 + 0.2 * np.exp(0.921 * (true - 23.5)), 0.3)
        mags[name] = true + sigma * noise[4 + j]

    return {"ra": ra, "dec": dec, **mags, "redshift": redshift, "code": code}


def _sky_blocks(n_rows: int, seed: int) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
    """Yield ``(first_row, columns)`` blocks covering rows ``0..n_rows-1``."""
    n_blocks = -(-n_rows // SKY_BLOCK_ROWS)
    for b in range(n_blocks):
        start = b * SKY_BLOCK_ROWS
        cols = _sky_block(seed, b)
        take = min(SKY_BLOCK_ROWS, n_rows - start)
        if take < SKY_BLOCK_ROWS:
            cols = {k: v[:take] for k, v in cols.items()}
        yield start, cols


def _sky_frame(start: int, cols: dict[str, np.ndarray]) -> "pd.DataFrame":
    import pandas as pd

    n = len(cols["code"])
    data: dict[str, object] = {"obj_id": np.arange(start, start + n, dtype=np.int64)}
    for name in _SKY_FLOAT_COLUMNS:
        data[name] = cols[name]
    data["cls"] = pd.array(np.array(SKY_CLASSES, dtype=object)[cols["code"]], dtype="str")
    return pd.DataFrame(data, index=pd.RangeIndex(start, start + n))


def _sky_chunks(n_rows: int, seed: int, chunk_size: int) -> Iterator["pd.DataFrame"]:
    """Re-slice the fixed internal blocks into chunks of ``chunk_size`` rows."""
    pending: list[dict[str, np.ndarray]] = []
    have = 0
    row = 0  # first row not yet yielded
    blocks = _sky_blocks(n_rows, seed)
    while row < n_rows:
        while have < chunk_size and row + have < n_rows:
            _, cols = next(blocks)
            pending.append(cols)
            have += len(cols["code"])
        joined = (
            pending[0]
            if len(pending) == 1
            else {k: np.concatenate([p[k] for p in pending]) for k in pending[0]}
        )
        take = min(chunk_size, have)
        yield _sky_frame(row, {k: v[:take] for k, v in joined.items()})
        row += take
        have -= take
        pending = [{k: v[take:] for k, v in joined.items()}] if have else []


@overload
def sky_catalog(n_rows: int, *, seed: int = 0, chunk_size: None = None) -> "pd.DataFrame": ...
@overload
def sky_catalog(n_rows: int, *, seed: int = 0, chunk_size: int) -> Iterator["pd.DataFrame"]: ...


def sky_catalog(
    n_rows: int, *, seed: int = 0, chunk_size: int | None = None
) -> "pd.DataFrame | Iterator[pd.DataFrame]":
    """A synthetic SDSS-like photometric catalogue of stars, galaxies and quasars.

    Imitates a survey table such as SDSS DR17 ``PhotoObj`` joined with spectroscopic
    classes: one row per object, columns

    ``obj_id`` (int64, ``0..n_rows-1``), ``ra`` (deg, [0, 360)), ``dec`` (deg, [-90, 90],
    uniform on the sphere), ``u g r i z`` (float64 AB magnitudes, r in [14, 22.5] plus
    noise; colours follow the stellar locus for stars, the red sequence / blue cloud
    for galaxies, and a UV excess for quasars below z ~ 2.5), ``redshift`` (float64
    >= 0: ~1e-4 for stars, ~0.1 for galaxies, ~0.3-5 for quasars) and ``cls`` (str:
    ``"STAR"``, ``"GALAXY"``, ``"QSO"`` with shares ~0.45 / 0.45 / 0.10).

    With ``chunk_size=None`` it returns one DataFrame of ``n_rows`` rows. With
    ``chunk_size=k`` it returns an *iterator* of DataFrames of ``k`` rows (the last may
    be shorter) holding exactly the same rows, index included, for any ``k``: rows are
    made in fixed blocks of :data:`SKY_BLOCK_ROWS` seeded per block, then re-sliced, so
    memory stays O(k + block) however large ``n_rows`` is. Row ``j`` depends only on
    ``seed`` and ``j`` (a longer catalogue starts with the shorter one).

    Defined in 00_big_data_in_science (streaming statistics over data that does not
    fit in memory).
    """
    n_rows = int(n_rows)
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    if chunk_size is not None:
        chunk_size = int(chunk_size)
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1 or None, got {chunk_size}")
        return _sky_chunks(n_rows, seed, chunk_size)
    blocks = [cols for _, cols in _sky_blocks(n_rows, seed)]
    if not blocks:
        empty = {k: np.empty(0) for k in _SKY_FLOAT_COLUMNS}
        return _sky_frame(0, {**empty, "code": np.empty(0, dtype=np.int8)})
    return _sky_frame(0, {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]})


# ---------------------------------------------------------------------------
# Synthetic observing log
# ---------------------------------------------------------------------------

#: One line of :func:`observing_log`, with named groups.
OBSERVING_LOG_PATTERN = re.compile(
    r"^(?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}) "
    r"target=(?P<target>[A-Za-z0-9+\-]+) "
    r"filter=(?P<filter>[ugriz]) "
    r"exp=(?P<exp>\d+) "
    r"seeing=(?P<seeing>\d+\.\d) "
    r"status=(?P<status>ok|cloudy|poor_seeing|aborted)$"
)

# Targets in order of popularity: the famous few, then a long tail.
_LOG_FAMOUS = [
    "M31", "M42", "M51", "M13", "M57", "M101", "M81", "M87", "M1", "M33",
    "M45", "M104", "M27", "M82", "M16", "NGC7000", "NGC891", "NGC4565", "NGC253", "NGC5128",
    "Vega", "Polaris", "Betelgeuse", "SN2023ixf", "SgrA", "3C273", "Crab", "TRAPPIST-1",
]  # fmt: skip
_LOG_TARGETS = _LOG_FAMOUS + [
    f"M{k}" for k in range(1, 111) if f"M{k}" not in _LOG_FAMOUS
] + [f"NGC{k}" for k in (147, 185, 205, 221, 2403, 2841, 3115, 3184, 3628, 4038, 4631,
                          5194, 6543, 6826, 6946, 7293, 7331, 7662)]  # fmt: skip
_LOG_FILTERS = np.array(list("ugriz"))
_LOG_EXPOSURES = np.array([10, 30, 60, 120, 300, 600])


def observing_log(n_lines: int, *, seed: int = 0) -> list[str]:
    """Synthetic telescope night-log lines, for a map-reduce word count.

    Imitates the plain-text log an observatory's control software writes, one line per
    exposure::

        2024-03-01T20:02 target=M31 filter=r exp=30 seeing=1.1 status=ok

    ``time`` is local time at the start of the exposure (minutes; nights run 20:00 to
    05:30 from 2024-03-01 on, lines are in time order); ``target`` is one of ~140
    Messier/NGC objects and named stars, chosen per *visit* of 1-5 exposures with
    Zipf-like popularity (P(rank k) ~ k^-1.1: M31 is everywhere, most targets are rare,
    so word counts have a long tail); ``filter`` is one of u g r i z; ``exp`` is
    seconds (10-600); ``seeing`` is arcsec, one decimal (log-normal, median ~1.1);
    ``status`` is ``ok``, ``cloudy`` (more on cloudy nights), ``poor_seeing`` (seeing
    > 2.0) or ``aborted`` (~1%). :data:`OBSERVING_LOG_PATTERN` parses every line.
    Deterministic: the same ``seed`` gives the same lines.

    Defined in 00_big_data_in_science (map-reduce).
    """
    n = int(n_lines)
    if n < 0:
        raise ValueError(f"n_lines must be >= 0, got {n}")
    if n == 0:
        return []
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x106,)))
    # visits: a target chosen by popularity, observed for 1-5 exposures in a row
    ranks = np.arange(1, len(_LOG_TARGETS) + 1)
    p = ranks**-1.1
    visit_target = rng.choice(len(_LOG_TARGETS), size=n, p=p / p.sum())
    visit_len = rng.integers(1, 6, size=n)
    target_idx = np.repeat(visit_target, visit_len)[:n]

    filt = rng.choice(5, size=n, p=[0.10, 0.25, 0.30, 0.20, 0.15])
    exp = rng.choice(_LOG_EXPOSURES, size=n, p=[0.05, 0.25, 0.25, 0.2, 0.15, 0.1])
    exp = np.where((filt == 0) & (exp < 120), exp * 4, exp)  # u is slow: expose longer
    overhead = rng.integers(60, 181, size=n)  # readout + slew, seconds
    duration = exp + overhead
    start = np.cumsum(duration) - duration  # seconds since the first night began
    night_len = int(9.5 * 3600)
    night, offset = np.divmod(start, night_len)
    t0 = np.datetime64("2024-03-01T20:00", "m")
    minutes = (night * 24 * 60 + offset // 60).astype("timedelta64[m]")
    stamps = np.datetime_as_string(t0 + minutes, unit="m")

    seeing = np.clip(np.round(1.1 * np.exp(0.3 * rng.standard_normal(n)), 1), 0.4, 4.0)
    cloud_of_night = rng.beta(0.5, 3.0, size=int(night[-1]) + 1)
    cloudy = rng.random(n) < cloud_of_night[night]
    aborted = rng.random(n) < 0.01
    status = np.where(
        aborted, "aborted", np.where(cloudy, "cloudy", np.where(seeing > 2.0, "poor_seeing", "ok"))
    )
    targets = np.array(_LOG_TARGETS, dtype=object)[target_idx]
    filters = _LOG_FILTERS[filt]
    return [
        f"{ts} target={tg} filter={f} exp={e} seeing={s:.1f} status={st}"
        for ts, tg, f, e, s, st in zip(
            stamps.tolist(), targets.tolist(), filters.tolist(), exp.tolist(),
            seeing.tolist(), status.tolist(),
        )
    ]  # fmt: skip


# ---------------------------------------------------------------------------
# Synthetic images
# ---------------------------------------------------------------------------


def _gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    from scipy import ndimage

    return ndimage.gaussian_filter(img, sigma, mode="wrap")


def _smooth_noise(rng: np.random.Generator, size: int, scale: float) -> np.ndarray:
    """Zero-mean, unit-std smooth random field with features ~``scale`` pixels wide."""
    field = _gaussian_blur(rng.standard_normal((size, size)), scale)
    return (field - field.mean()) / (field.std() + 1e-12)


def _galaxy(rng: np.random.Generator, size: int, bulge_fraction: float) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    cy, cx = (size - 1) / 2 + rng.normal(0.0, 0.03 * size, 2)
    pa = rng.uniform(0.0, np.pi)  # position angle
    q = rng.uniform(0.15, 1.0)  # axis ratio = cos(inclination), random orientation
    dx, dy = xx - cx, yy - cy
    along = dx * np.cos(pa) + dy * np.sin(pa)
    across = -dx * np.sin(pa) + dy * np.cos(pa)
    # exponential disc, elliptical by inclination
    h = size * rng.uniform(0.08, 0.15)
    disc = np.exp(-np.hypot(along, across / q) / h)
    # Sersic bulge (n = 4, de Vaucouleurs), nearly round
    n = 4.0
    b_n = 2 * n - 1 / 3
    re = size * rng.uniform(0.04, 0.07)
    qb = max(q, 0.7)
    bulge = np.exp(-b_n * ((np.hypot(along, across / qb) / re) ** (1 / n) - 1))
    gal = (1 - bulge_fraction) * disc / disc.sum() + bulge_fraction * bulge / bulge.sum()
    gal = gal / gal.max()
    # a few foreground stars (point sources)
    stars = np.zeros_like(gal)
    for _ in range(int(rng.integers(1, 5))):
        sy, sx = rng.integers(0, size, 2)
        stars[sy, sx] += rng.uniform(0.3, 1.2) * 2 * np.pi * 1.0**2
    img = _gaussian_blur(gal, 0.8) + _gaussian_blur(stars, 1.0)  # seeing (PSF)
    img = img + rng.normal(0.0, 0.01, img.shape)  # sky noise (sky level subtracted)
    img = np.arcsinh(img / 0.03)  # the asinh stretch survey cut-outs are shown with
    lo, hi = img.min(), img.max()
    return ((img - lo) / (hi - lo)).astype(np.float32)


def galaxy_image(size: int = 64, *, seed: int = 0) -> np.ndarray:
    """A synthetic galaxy image: ``(size, size)`` float32 in [0, 1].

    Imitates a small survey cut-out (e.g. an SDSS r-band stamp): a Sersic (n = 4)
    bulge plus an exponential disc seen at a random inclination and position angle,
    blurred by seeing, with one to four foreground stars and Gaussian sky noise, shown
    with an asinh stretch (as survey cut-outs are) and min-max scaled to [0, 1].

    Defined in 05_convolutional_networks.
    """
    size = int(size)
    if size < 8:
        raise ValueError(f"size must be >= 8, got {size}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x6A1,)))
    return _galaxy(rng, size, rng.uniform(0.1, 0.9))


def galaxy_images(n: int, size: int = 32, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A labelled set of galaxy images for classification.

    Returns ``(images, labels)``: ``(n, size, size)`` float32 in [0, 1] made as in
    :func:`galaxy_image`, and ``(n,)`` int64 labels, 0 = disc-dominated (bulge fraction
    0.05-0.35) and 1 = bulge-dominated (0.65-0.95), half each in random order --
    a toy version of Galaxy Zoo's "smooth or featured" question.

    Defined in 05_convolutional_networks.
    """
    n, size = int(n), int(size)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x6A2,)))
    labels = rng.permutation(np.arange(n) % 2).astype(np.int64)
    images = np.empty((n, size, size), dtype=np.float32)
    for k in range(n):
        rk = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x6A2, k)))
        frac = rk.uniform(0.65, 0.95) if labels[k] else rk.uniform(0.05, 0.35)
        images[k] = _galaxy(rk, size, frac)
    return images, labels


SATELLITE_CLASSES = ("field", "water", "road", "cloud")

# Surface reflectance at Sentinel-2-like bands B2 (blue 490 nm), B3 (green 560 nm),
# B4 (red 665 nm), B8 (near-infrared 842 nm).
_SAT_WAVELENGTHS = np.array([0.490, 0.560, 0.665, 0.842])
_SAT_FIELDS = np.array(
    [
        [0.04, 0.08, 0.05, 0.45],  # green crop
        [0.12, 0.16, 0.20, 0.28],  # bare soil
        [0.08, 0.12, 0.16, 0.35],  # ripe cereal
        [0.03, 0.05, 0.03, 0.30],  # forest
        [0.05, 0.09, 0.07, 0.38],  # meadow
    ]
)
_SAT_WATER = np.array([0.10, 0.09, 0.05, 0.02])
_SAT_ROAD = np.array([0.20, 0.21, 0.22, 0.24])
_SAT_CLOUD = np.array([0.85, 0.86, 0.87, 0.80])


def _band_weights(bands: int) -> np.ndarray:
    """Matrix ``(4, bands)`` that maps the four reference bands to the output bands."""
    if bands == 1:  # panchromatic: the visible mean
        return np.array([[1 / 3], [1 / 3], [1 / 3], [0.0]])
    if bands == 3:  # RGB, ready for imshow
        return np.eye(4)[:, [2, 1, 0]]
    if bands == 4:  # RGB + near-infrared
        return np.eye(4)[:, [2, 1, 0, 3]]
    # 2 or >= 5: bands evenly spaced in wavelength, linear interpolation between references
    lams = np.linspace(0.45, 0.90, bands)
    return np.stack([np.interp(lams, _SAT_WAVELENGTHS, row) for row in np.eye(4)])


def satellite_scene(
    size: int = 64, *, bands: int = 1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic satellite patch and its per-pixel class mask.

    Returns ``(image, mask)``: the image exactly as :func:`satellite_patch` gives it and
    a ``(size, size)`` int64 mask with classes :data:`SATELLITE_CLASSES` (0 field,
    1 water, 2 road, 3 cloud where the cloud is more than half opaque).

    Defined in 10_ml_for_science (cloud detection).
    """
    size, bands = int(size), int(bands)
    if size < 8:
        raise ValueError(f"size must be >= 8, got {size}")
    if bands < 1:
        raise ValueError(f"bands must be >= 1, got {bands}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5A7,)))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)

    # fields: a Voronoi patchwork of parcels, each a crop with its own signature
    n_parcels = max(4, int(round(1.5 * (size / 16) ** 2)))
    centres = rng.uniform(0, size, (n_parcels, 2))
    d2 = (yy[..., None] - centres[:, 0]) ** 2 + (xx[..., None] - centres[:, 1]) ** 2
    parcel = d2.argmin(axis=-1)
    crop = rng.integers(0, len(_SAT_FIELDS), n_parcels)
    gain = rng.uniform(0.85, 1.15, n_parcels)
    ground = _SAT_FIELDS[crop][parcel] * gain[parcel][..., None]
    ground *= (1 + 0.08 * _smooth_noise(rng, size, size / 32 + 0.5))[..., None]
    mask = np.zeros((size, size), dtype=np.int64)

    # a meandering river across the patch
    theta = rng.uniform(0, np.pi)
    u = (xx - size / 2) * np.cos(theta) + (yy - size / 2) * np.sin(theta)
    v = -(xx - size / 2) * np.sin(theta) + (yy - size / 2) * np.cos(theta)
    amp = size * rng.uniform(0.05, 0.15)
    wavelength = size * rng.uniform(0.5, 1.2)
    phase = rng.uniform(0, 2 * np.pi)
    offset = rng.uniform(-0.25, 0.25) * size
    width = size * rng.uniform(0.04, 0.07) + 1.0
    water = np.abs(v - offset - amp * np.sin(2 * np.pi * u / wavelength + phase)) < width / 2
    ground[water] = _SAT_WATER
    mask[water] = 1

    # one to three straight roads (they bridge the river)
    road_w = max(1.0, size / 48)
    for _ in range(int(rng.integers(1, 4))):
        a, rho = rng.uniform(0, np.pi), rng.uniform(-0.4, 0.4) * size
        road = np.abs((xx - size / 2) * np.cos(a) + (yy - size / 2) * np.sin(a) - rho) < road_w / 2
        ground[road] = _SAT_ROAD
        mask[road] = 2

    # clouds: a thresholded smooth random field, soft at the edges
    cover = _smooth_noise(rng, size, size / 10)
    alpha = np.clip((cover - rng.uniform(-0.6, 1.4)) / 0.6, 0.0, 1.0)
    mask[alpha > 0.5] = 3
    scene = (1 - alpha[..., None]) * ground + alpha[..., None] * _SAT_CLOUD
    scene = scene + rng.normal(0.0, 0.005, scene.shape)  # sensor noise

    image = np.clip(2.0 * scene @ _band_weights(bands), 0.0, 1.0)  # brightness stretch
    if bands == 1:
        image = image[..., 0]
    return image.astype(np.float32), mask


def satellite_patch(size: int = 64, *, bands: int = 1, seed: int = 0) -> np.ndarray:
    """A synthetic satellite image patch: float32 in [0, 1].

    Imitates a Sentinel-2-like optical patch of farmland: a patchwork of fields with
    crop-specific reflectance and texture, a meandering river, straight roads and
    clouds (a smooth random field). Shape ``(size, size)`` for ``bands=1``
    (panchromatic), else ``(size, size, bands)``: 3 = RGB, 4 = RGB + near-infrared
    (vegetation is bright, water dark there), any other count = bands evenly spaced in
    wavelength from 450 to 900 nm. Values are reflectance x 2, clipped to [0, 1].
    :func:`satellite_scene` also returns the per-pixel class mask.

    Defined in 05_convolutional_networks; 10_ml_for_science uses the masks.
    """
    return satellite_scene(size, bands=bands, seed=seed)[0]


LIGHT_CURVE_CLASSES = ("constant", "pulsating", "eclipsing", "transient")


def light_curves(n: int, length: int = 128, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic variable-star light curves for sequence classification.

    Imitates regularly sampled photometry of a time-domain survey (normalised flux
    over ``length`` epochs): ``constant`` stars (noise only), ``pulsating`` variables
    (RR Lyrae-like saw-tooth: fast rise, slow decline), ``eclipsing`` binaries
    (periodic dips of two depths) and ``transient`` events (supernova-like fast
    rise and exponential decay). Returns ``(flux, labels)``: ``(n, length)`` float32
    around 1.0 with Gaussian noise, and ``(n,)`` int64 labels indexing
    :data:`LIGHT_CURVE_CLASSES`, a quarter each in random order.

    Defined in 06_sequence_models.
    """
    n, length = int(n), int(length)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x1C,)))
    labels = rng.permutation(np.arange(n) % 4).astype(np.int64)
    t = np.arange(length, dtype=np.float64)
    period = rng.uniform(8, 40, n)[:, None]
    phase = ((t[None, :] / period) + rng.uniform(0, 1, n)[:, None]) % 1.0
    amp = rng.uniform(0.1, 0.5, n)[:, None]
    saw = np.where(phase < 0.15, phase / 0.15, 1 - (phase - 0.15) / 0.85)
    pulsating = 1 + amp * (saw - 0.5)
    width = rng.uniform(0.02, 0.05, n)[:, None]
    primary = np.exp(-0.5 * ((phase - 0.25) / width) ** 2)
    secondary = np.exp(-0.5 * ((phase - 0.75) / width) ** 2)
    eclipsing = 1 - amp * primary - 0.5 * amp * secondary
    t0 = rng.uniform(0.1, 0.6, n)[:, None] * length
    rise, decay = rng.uniform(1, 4, n)[:, None], rng.uniform(8, 30, n)[:, None]
    dt = t[None, :] - t0
    transient = 1 + 2 * amp * np.where(dt < 0, np.exp(dt / rise), np.exp(-dt / decay))
    flux = np.select(
        [labels[:, None] == 1, labels[:, None] == 2, labels[:, None] == 3],
        [pulsating, eclipsing, transient],
        np.ones((n, length)),
    )
    flux = flux + rng.normal(0.0, 1.0, (n, length)) * rng.uniform(0.01, 0.05, n)[:, None]
    return flux.astype(np.float32), labels


# ---------------------------------------------------------------------------
# Downloader for real, larger public datasets
# ---------------------------------------------------------------------------


class DownloadError(RuntimeError):
    """A download failed: offline, HTTP error, broken connection or wrong checksum."""


@dataclass(frozen=True)
class RemoteFile:
    """A public file and its published sha256.

    ``provenance`` names the installed source file (relative to site-packages) where
    the url and hash were copied from, so a test can check them without a network.
    """

    url: str
    sha256: str
    filename: str
    description: str = ""
    provenance: str = ""


_KERAS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

#: Registry for :func:`fetch`. Every url and sha256 is copied from the installed source
#: of ``keras.datasets`` (keras 3.15) or ``sklearn.datasets`` (scikit-learn 1.9).
REMOTE: dict[str, RemoteFile] = {
    "mnist": RemoteFile(
        url=_KERAS + "mnist.npz",
        sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        filename="mnist.npz",
        description="MNIST handwritten digits, 70,000 28x28 grey images (11 MB npz: "
        "x_train, y_train, x_test, y_test), as Keras serves it.",
        provenance="keras/src/datasets/mnist.py",
    ),
    "cifar10": RemoteFile(
        url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        filename="cifar-10-python.tar.gz",
        description="CIFAR-10, 60,000 32x32 colour images in 10 classes (163 MB tar.gz "
        "of pickled batches), from the University of Toronto.",
        provenance="keras/src/datasets/cifar10.py",
    ),
    "cifar100": RemoteFile(
        url="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
        sha256="85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
        filename="cifar-100-python.tar.gz",
        description="CIFAR-100, 60,000 32x32 colour images in 100 classes (161 MB tar.gz "
        "of pickled batches), from the University of Toronto.",
        provenance="keras/src/datasets/cifar100.py",
    ),
    "california_housing": RemoteFile(
        url=_KERAS + "california_housing.npz",
        sha256="1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f",
        filename="california_housing.npz",
        description="California housing, 20,640 census block groups of 1990 (npz), "
        "as Keras serves it.",
        provenance="keras/src/datasets/california_housing.py",
    ),
    "covtype": RemoteFile(
        url="https://ndownloader.figshare.com/files/5976039",
        sha256="614360d0257557dd1792834a85a1cdebfadc3c4f30b011d56afee7ffb5b15771",
        filename="covtype.data.gz",
        description="Forest cover types: 581,012 30 m cells of Roosevelt National Forest, "
        "54 cartographic features and 7 cover types (11 MB gzip CSV, UCI), as "
        "scikit-learn serves it.",
        provenance="sklearn/datasets/_covtype.py",
    ),
    "species_coverages": RemoteFile(
        url="https://ndownloader.figshare.com/files/5976078",
        sha256="4d862674d72e79d6cee77e63b98651ec7926043ba7d39dcb31329cf3f6073807",
        filename="coverages.zip",
        description="Environmental rasters of South America (climate, vegetation) for "
        "species distribution modelling (Phillips et al. 2006), as scikit-learn serves it.",
        provenance="sklearn/datasets/_species_distributions.py",
    ),
    "species_samples": RemoteFile(
        url="https://ndownloader.figshare.com/files/5976075",
        sha256="abb07ad284ac50d9e6d20f1c4211e0fd3c098f7f85955e89d321ee8efe37ac28",
        filename="samples.zip",
        description="Observations of two South American mammals (Bradypus variegatus, "
        "Microryzomys minutus) matching species_coverages, as scikit-learn serves it.",
        provenance="sklearn/datasets/_species_distributions.py",
    ),
}

_ENV_DIR = "COURSE_DATA_DIR"
_CHUNK = 1 << 20
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def cache_dir() -> Path:
    """Where downloads are kept: ``$COURSE_DATA_DIR``, else ``~/.cache/mlbigsci-course``.

    Created on demand. Defined in 00_big_data_in_science.
    """
    env = os.environ.get(_ENV_DIR)
    path = Path(env).expanduser() if env else Path.home() / ".cache" / "mlbigsci-course"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _by_hand(url: str, dest: Path, sha256: str) -> str:
    return (
        f"To work without a network, download {url} on a machine that has one and place it "
        f"at {dest} (sha256 {sha256}); it is checked and used from there."
    )


def _offline(url: str, dest: Path, sha256: str, reason: object) -> DownloadError:
    host = urllib.parse.urlsplit(url).netloc
    return DownloadError(
        f"Could not download {url}: {reason}. This machine looks offline, or {host} cannot "
        f"be reached. " + _by_hand(url, dest, sha256)
    )


def download(
    url: str,
    sha256: str,
    *,
    filename: str | None = None,
    cache: Path | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download ``url`` into the cache once, verify its sha256, and return its path.

    * A cached file whose sha256 matches is returned without touching the network.
    * A cached file whose sha256 does *not* match is never reused: a warning says so
      and the file is downloaded again (it is replaced only once the new copy verifies).
    * The body streams to ``<filename>.part`` in the cache folder and is hashed on the
      way; it is moved into place atomically only when the hash matches. Nothing is
      ever resumed: a stale ``.part`` from an earlier run is discarded (with a warning),
      and on any failure the ``.part`` is removed.
    * Failures raise :class:`DownloadError`: HTTP status (404, 500...), a wrong
      checksum (expected vs got, and the url), a broken or truncated transfer, or --
      for connection refused, DNS failure or a timeout -- a message that the machine
      looks offline and the exact path where the file can be placed by hand.

    Uses only the standard library (``urllib``); honours the usual ``*_proxy``
    environment variables. Defined in 00_big_data_in_science.
    """
    expected = sha256.strip().lower()
    if not _SHA256_RE.match(expected):
        raise ValueError(f"sha256 must be 64 hexadecimal digits, got {sha256!r}")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"only http and https urls can be downloaded, got {url!r}")
    name = filename or urllib.parse.unquote(parts.path.rsplit("/", 1)[-1])
    if not name or name in (".", "..") or "/" in name or "\\" in name:
        raise ValueError(f"cannot take a file name from {url!r}: pass filename=")
    folder = Path(cache) if cache is not None else cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / name
    part = folder / (name + ".part")

    if dest.exists():
        got = _sha256_of(dest)
        if got == expected:
            return dest
        warnings.warn(
            f"Cached {dest} has sha256 {got}, expected {expected}: it is not used; "
            f"downloading {url} again.",
            stacklevel=2,
        )
    if part.exists():
        warnings.warn(f"Discarding {part}, a partial download from an earlier run.", stacklevel=2)
        part.unlink()

    opener = urllib.request.build_opener()  # per call: picks up the current proxy settings
    request = urllib.request.Request(url, headers={"User-Agent": "mlbigsci-course"})
    try:
        try:
            response = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as err:
            err.close()
            raise DownloadError(
                f"Could not download {url}: HTTP {err.code} {err.reason}. "
                + _by_hand(url, dest, expected)
            ) from err
        except urllib.error.URLError as err:
            raise _offline(url, dest, expected, err.reason) from err
        except (TimeoutError, OSError, http.client.HTTPException) as err:
            raise _offline(url, dest, expected, err) from err

        digest = hashlib.sha256()
        received = 0
        length_header = response.headers.get("Content-Length")
        length = int(length_header) if length_header and length_header.isdigit() else None
        with response, open(part, "wb") as out:
            try:
                for block in iter(lambda: response.read(_CHUNK), b""):
                    digest.update(block)
                    out.write(block)
                    received += len(block)
            except TimeoutError as err:
                raise _offline(
                    url, dest, expected, f"no data for {timeout} s after {received} bytes"
                ) from err
            except (http.client.HTTPException, OSError) as err:
                raise DownloadError(
                    f"Could not download {url}: the transfer broke after {received} bytes "
                    f"({type(err).__name__}: {err}). " + _by_hand(url, dest, expected)
                ) from err
            out.flush()
            os.fsync(out.fileno())
        if length is not None and received != length:
            raise DownloadError(
                f"Could not download {url}: got {received} of {length} bytes (truncated). "
                + _by_hand(url, dest, expected)
            )
        got = digest.hexdigest()
        if got != expected:
            raise DownloadError(
                f"Checksum mismatch for {url}: expected sha256 {expected}, got {got} "
                f"({received} bytes). The file was discarded."
            )
        os.replace(part, dest)
        return dest
    finally:
        part.unlink(missing_ok=True)


def fetch(name: str) -> Path:
    """Download (once) the registered dataset ``name`` from :data:`REMOTE`; return its path.

    Defined in 00_big_data_in_science.
    """
    try:
        remote = REMOTE[name]
    except KeyError:
        raise KeyError(
            f"unknown dataset {name!r}; known datasets: {', '.join(sorted(REMOTE))}"
        ) from None
    return download(remote.url, remote.sha256, filename=remote.filename)
