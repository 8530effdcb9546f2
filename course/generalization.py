"""Generalisation: true and empirical risk, capacity, splits, regularisation, initialisation, augmentation.

The lecture's reference code, kept here so the notebook reads like a lecture:

- a regression problem whose *true* risk is known exactly (noisy samples of a
  pulsating star's light curve), polynomial fits of any degree with an optional
  L2 penalty, and the sweeps built on them: capacity (degree), bias and
  variance, learning curves, the ridge path and early stopping on gradient
  descent;
- the optimism of choosing among many models on one test set;
- signal propagation through a deep stack for several weight initialisations;
- label-preserving image augmentation (the symmetries of the square, shifts);
- the Keras pieces of the science case (a ``tf.data`` pipeline and a small MLP
  with optional dropout, L2 and augmentation).

NumPy only at import; TensorFlow is imported by the two Keras helpers when called.

Defined in 04_generalization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from course.plotting import CLASS_COLORS, new_axes

__all__ = [
    "NOISE",
    "light_curve",
    "sample_light_curve",
    "poly_design",
    "PolyFit",
    "fit_poly",
    "mse",
    "true_risk",
    "CapacitySweep",
    "capacity_sweep",
    "BiasVariance",
    "bias_variance",
    "learning_curve",
    "kfold_errors",
    "ridge_path",
    "gd_path",
    "selection_optimism",
    "random_split_fractions",
    "split_table",
    "INIT_SCHEMES",
    "init_std",
    "signal_propagation",
    "augment",
    "DIHEDRAL",
    "dihedral",
    "shift",
    "make_dataset",
    "galaxy_mlp",
    "galaxy_cnn",
    "plot_fits",
    "plot_capacity",
    "plot_bias_variance",
    "plot_learning_curves",
    "plot_ridge_path",
    "plot_early_stopping",
    "plot_signal_propagation",
    "show_images",
]

# ------------------------------------------------------------------ the problem

#: Standard deviation of the measurement noise on the light curve (flux units).
NOISE = 0.2

# Fourier coefficients (amplitude, phase) of the light curve: a fast rise and a slow
# decline, like an RR Lyrae or Cepheid variable star.
_HARMONICS = ((0.50, 0.0), (0.25, 0.6), (0.12, 1.2), (0.06, 1.8))


def light_curve(phase: np.ndarray) -> np.ndarray:
    """The noiseless brightness (relative to the mean) of a pulsating star at ``phase`` in [0, 1).

    The *true* function the regression examples try to learn; knowing it is what
    lets the lecture compute true risks exactly.

    Defined in 04_generalization.
    """
    phase = np.asarray(phase, dtype=float)
    out = np.zeros_like(phase)
    for k, (amp, ph) in enumerate(_HARMONICS, start=1):
        out += amp * np.sin(2 * np.pi * k * phase + ph)
    return out


def sample_light_curve(n: int, *, noise: float = NOISE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` measurements ``(phase, flux)`` in random order, flux = truth + N(0, noise²).

    The phases are spread over the cycle as a regular observing cadence spreads
    them: one phase at a uniformly random place in each of ``n`` equal bins of
    [0, 1). Each phase on its own is uniform on [0, 1), the distribution the true
    risk averages over. Same seed, same sample; "a fresh sample" means another seed.

    Defined in 04_generalization.
    """
    n = int(n)
    rng = np.random.default_rng(seed)
    phase = rng.permutation((np.arange(n) + rng.random(n)) / n)
    return phase, light_curve(phase) + rng.normal(0.0, noise, n)


def poly_design(x: np.ndarray, degree: int) -> np.ndarray:
    """The ``(n, degree + 1)`` design matrix of Legendre polynomials in ``2x - 1``.

    Column 0 is the constant 1 (the bias). Legendre polynomials span the same
    functions as ``1, x, x², ...`` but are far better conditioned on [0, 1], so
    degree-15 fits are computed accurately.

    Defined in 04_generalization.
    """
    if degree < 0:
        raise ValueError(f"degree must be >= 0, got {degree}")
    return np.polynomial.legendre.legvander(2.0 * np.asarray(x, dtype=float) - 1.0, int(degree))


@dataclass(frozen=True)
class PolyFit:
    """A fitted polynomial: its degree, penalty and Legendre coefficients (``coef[0]`` is the bias)."""

    degree: int
    lam: float
    coef: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Predictions at ``x``."""
        return poly_design(x, self.degree) @ self.coef

    @property
    def weight_norm(self) -> float:
        """``||w||`` without the bias: the quantity the L2 penalty shrinks."""
        return float(np.linalg.norm(self.coef[1:]))


def fit_poly(x: np.ndarray, y: np.ndarray, degree: int, lam: float = 0.0) -> PolyFit:
    """Least squares polynomial fit, optionally with an L2 penalty on all but the bias.

    Minimises ``mean((Phi c - y)**2) + lam * sum(c[1:]**2)`` exactly (a least
    squares problem on an augmented system); ``lam = 0`` is plain least squares
    (the minimum-norm solution when there are more coefficients than points).

    Defined in 04_generalization.
    """
    if lam < 0:
        raise ValueError(f"lam must be >= 0, got {lam}")
    phi = poly_design(x, degree)
    y = np.asarray(y, dtype=float)
    n, p = phi.shape
    if lam > 0:
        # mean((Phi c - y)^2) + lam |c[1:]|^2 = (1/n) |A c - b|^2 with A = [Phi; sqrt(n lam) D]
        d = np.sqrt(n * lam) * np.eye(p)[1:]
        phi = np.vstack([phi, d])
        y = np.concatenate([y, np.zeros(p - 1)])
    coef = np.linalg.lstsq(phi, y, rcond=None)[0]
    return PolyFit(int(degree), float(lam), coef)


def mse(prediction: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error, the empirical risk under the squared loss.

    Defined in 04_generalization.
    """
    return float(np.mean((np.asarray(prediction, dtype=float) - np.asarray(target, dtype=float)) ** 2))


def true_risk(f: Any, *, noise: float = NOISE, grid: int = 4000) -> float:
    """The expected squared loss of ``f`` on a *new* measurement: ``E[(f(x) - y)²]``.

    With ``x`` uniform on [0, 1) and ``y = truth(x) + noise``, it is
    ``∫ (f - truth)² dx + noise²``; the integral is a midpoint rule on ``grid``
    points (exact to far more digits than any printout shows).

    Defined in 04_generalization.
    """
    x = (np.arange(grid) + 0.5) / grid
    return float(np.mean((f(x) - light_curve(x)) ** 2) + noise**2)


# ------------------------------------------------------------------ capacity


@dataclass(frozen=True)
class CapacitySweep:
    """Train, validation and true risk for each degree of a polynomial sweep."""

    degrees: np.ndarray
    train: np.ndarray
    val: np.ndarray
    risk: np.ndarray

    @property
    def best_degree(self) -> int:
        """The degree a practitioner would choose: the lowest validation error."""
        return int(self.degrees[int(np.argmin(self.val))])


def capacity_sweep(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    degrees: Sequence[int],
    *,
    lam: float = 0.0,
    noise: float = NOISE,
) -> CapacitySweep:
    """Fit every degree on the training set; measure it on training, validation and in truth.

    Defined in 04_generalization.
    """
    train, val, risk = [], [], []
    for d in degrees:
        fit = fit_poly(x_train, y_train, d, lam)
        train.append(mse(fit(x_train), y_train))
        val.append(mse(fit(x_val), y_val))
        risk.append(true_risk(fit, noise=noise))
    return CapacitySweep(np.asarray(degrees, dtype=int), np.array(train), np.array(val), np.array(risk))


@dataclass(frozen=True)
class BiasVariance:
    """The decomposition ``risk = bias² + variance + noise²`` for one degree, and the fits behind it."""

    degree: int
    bias2: float
    variance: float
    noise2: float
    risk: float
    grid: np.ndarray
    predictions: np.ndarray  # (repeats, grid) predictions of the fits on fresh training sets


def bias_variance(
    degree: int,
    n: int,
    *,
    repeats: int = 200,
    lam: float = 0.0,
    noise: float = NOISE,
    seed: int = 0,
    grid: int = 400,
) -> BiasVariance:
    """Fit ``degree`` on ``repeats`` independent training sets of size ``n``; decompose the risk.

    ``bias²`` is how far the average fit is from the truth, ``variance`` how much
    the fits scatter around their average (both averaged over x), and ``risk``
    the average true risk of the fits, which equals their sum plus ``noise²``.

    Defined in 04_generalization.
    """
    x = (np.arange(grid) + 0.5) / grid
    truth = light_curve(x)
    preds = np.empty((repeats, grid))
    for r in range(repeats):
        xt, yt = sample_light_curve(n, noise=noise, seed=_child_seed(seed, r))
        preds[r] = fit_poly(xt, yt, degree, lam)(x)
    mean = preds.mean(axis=0)
    bias2 = float(np.mean((mean - truth) ** 2))
    variance = float(np.mean(preds.var(axis=0)))
    risk = float(np.mean((preds - truth) ** 2) + noise**2)
    return BiasVariance(int(degree), bias2, variance, noise**2, risk, x, preds)


def _child_seed(seed: int, k: int) -> int:
    """A reproducible, well-separated seed for the k-th repeat (not ``seed + k``)."""
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def learning_curve(
    degree: int,
    sizes: Sequence[int],
    *,
    repeats: int = 50,
    lam: float = 0.0,
    noise: float = NOISE,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Average training error and true risk of ``degree`` fits as the training set grows.

    Returns ``(train, risk)``, each of length ``len(sizes)``, averaged over
    ``repeats`` training sets per size (medians would hide the rare wild fits
    that make small training sets dangerous; means show them).

    Defined in 04_generalization.
    """
    train = np.zeros(len(sizes))
    risk = np.zeros(len(sizes))
    for i, n in enumerate(sizes):
        for r in range(repeats):
            xt, yt = sample_light_curve(n, noise=noise, seed=_child_seed(seed, 1000 * i + r))
            fit = fit_poly(xt, yt, degree, lam)
            train[i] += mse(fit(xt), yt) / repeats
            risk[i] += true_risk(fit, noise=noise) / repeats
    return train, risk


def kfold_errors(
    x: np.ndarray, y: np.ndarray, degrees: Sequence[int], *, k: int = 5, seed: int = 0, lam: float = 0.0
) -> np.ndarray:
    """``k``-fold cross-validation: the mean validation MSE over the folds, per degree.

    Each example is in exactly one validation fold; folds come from one seeded
    permutation (sizes differ by at most one).

    Defined in 04_generalization.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    folds = np.array_split(np.random.default_rng(seed).permutation(len(x)), k)
    out = np.zeros(len(degrees))
    for i, d in enumerate(degrees):
        for fold in folds:
            train = np.setdiff1d(np.arange(len(x)), fold)
            fit = fit_poly(x[train], y[train], d, lam)
            out[i] += mse(fit(x[fold]), y[fold]) / k
    return out


# ------------------------------------------------------------- regularisation


def ridge_path(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    degree: int,
    lams: Sequence[float],
    *,
    noise: float = NOISE,
) -> dict[str, np.ndarray]:
    """Train/validation/true risk and weight norm of L2-penalised fits, one per ``lam``.

    Defined in 04_generalization.
    """
    out: dict[str, list[float]] = {"train": [], "val": [], "risk": [], "norm": []}
    for lam in lams:
        fit = fit_poly(x_train, y_train, degree, lam)
        out["train"].append(mse(fit(x_train), y_train))
        out["val"].append(mse(fit(x_val), y_val))
        out["risk"].append(true_risk(fit, noise=noise))
        out["norm"].append(fit.weight_norm)
    return {"lams": np.asarray(lams, dtype=float), **{k: np.array(v) for k, v in out.items()}}


def gd_path(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    degree: int,
    *,
    epochs: int,
    lr: float | None = None,
    lam: float = 0.0,
) -> dict[str, np.ndarray]:
    """Full-batch gradient descent on the (penalised) MSE of a polynomial, from all-zero coefficients.

    Returns the training and validation MSE after every epoch (one step each).
    ``lr`` defaults to ``1 / L`` with ``L`` the largest curvature of the loss,
    the largest step that is safe. The directions of small curvature are fitted
    last, so stopping early keeps them small: early stopping acts like an L2 penalty.

    Defined in 04_generalization.
    """
    phi = poly_design(x_train, degree)
    phi_val = poly_design(x_val, degree)
    y = np.asarray(y_train, dtype=float)
    n = len(y)
    mask = np.ones(phi.shape[1])
    mask[0] = 0.0  # the bias is not penalised
    if lr is None:
        lr = 1.0 / (2.0 * np.linalg.eigvalsh(phi.T @ phi / n).max() + 2.0 * lam)
    c = np.zeros(phi.shape[1])
    train, val = np.empty(epochs), np.empty(epochs)
    for e in range(epochs):
        r = phi @ c - y
        c = c - lr * (2.0 / n * (phi.T @ r) + 2.0 * lam * mask * c)
        train[e] = mse(phi @ c, y)
        val[e] = mse(phi_val @ c, y_val)
    return {"train": train, "val": val, "coef": c}


# ------------------------------------------------------------------- splits


def selection_optimism(n_models: int, n_test: int, *, seed: int = 0) -> np.ndarray:
    """Test accuracies of ``n_models`` classifiers that guess at random, on one balanced test set.

    Every one of them has a true accuracy of exactly 0.5; the *best* of them on
    the test set looks better, and the more models are tried, the better it looks.

    Defined in 04_generalization.
    """
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n_test) % 2)
    guesses = rng.integers(0, 2, size=(n_models, n_test))
    return (guesses == y).mean(axis=1)


def random_split_fractions(
    y: np.ndarray, label: Any, val_fraction: float, *, trials: int = 1000, seed: int = 0
) -> np.ndarray:
    """Share of class ``label`` in the validation part of ``trials`` plain (unstratified) random splits.

    The validation part is ``round(val_fraction * n)`` examples drawn without
    regard to class; a histogram of the result shows how much a rare class's
    share varies from split to split.

    Defined in 04_generalization.
    """
    y = np.asarray(y)
    n_val = int(np.floor(val_fraction * len(y) + 0.5))
    rng = np.random.default_rng(seed)
    is_label = y == label
    return np.array([is_label[rng.permutation(len(y))[:n_val]].mean() for _ in range(trials)])


def split_table(y: np.ndarray, parts: Mapping[str, np.ndarray], class_names: Sequence[str] | None = None) -> str:
    """A text table: per class, the count and share of each part of a split.

    Defined in 04_generalization.
    """
    y = np.asarray(y)
    classes = np.unique(y)
    names = [str(c) for c in classes] if class_names is None else [str(class_names[int(c)]) for c in classes]
    width = max(len("class"), *(len(s) for s in names))
    head = f"{'class':<{width}}" + "".join(f"  {p:>16}" for p in parts)
    lines = [head]
    for c, name in zip(classes, names):
        cells = []
        for idx in parts.values():
            sub = y[np.asarray(idx, dtype=int)]
            cells.append(f"  {int(np.sum(sub == c)):>6d} ({np.mean(sub == c):6.1%})")
        lines.append(f"{name:<{width}}" + "".join(cells))
    lines.append(f"{'total':<{width}}" + "".join(f"  {len(idx):>6d} {'':8}" for idx in parts.values()))
    return "\n".join(lines)


# ------------------------------------------------------------ initialisation

#: Weight initialisations compared in the lecture: how each sets the standard deviation.
INIT_SCHEMES = {
    "small": "N(0, 0.01²): the 'small random numbers' of early practice",
    "large": "N(0, 1): 'unit' weights",
    "lecun": "Var = 1 / fan_in (LeCun 1998)",
    "glorot": "Var = 2 / (fan_in + fan_out) (Glorot & Bengio 2010)",
    "he": "Var = 2 / fan_in (He et al. 2015)",
}


def init_std(scheme: str, fan_in: int, fan_out: int) -> float:
    """The standard deviation of the weights under ``scheme`` (a key of ``INIT_SCHEMES``).

    Defined in 04_generalization.
    """
    if scheme == "small":
        return 0.01
    if scheme == "large":
        return 1.0
    if scheme == "lecun":
        return float(np.sqrt(1.0 / fan_in))
    if scheme == "glorot":
        return float(np.sqrt(2.0 / (fan_in + fan_out)))
    if scheme == "he":
        return float(np.sqrt(2.0 / fan_in))
    raise ValueError(f"unknown scheme {scheme!r}; choose one of {sorted(INIT_SCHEMES)}")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow


_ACTIVATIONS = {
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
}


def signal_propagation(
    activation: str,
    scheme: str,
    *,
    depth: int = 30,
    width: int = 128,
    batch: int = 128,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Standard deviations of activations and gradients, layer by layer, through a deep dense stack.

    ``depth`` layers ``h_l = act(W_l h_{l-1})`` of ``width`` units (no biases),
    weights drawn with :func:`init_std`, inputs standard normal. The backward
    pass starts from a standard-normal gradient at the top and applies
    ``g_{l-1} = W_l^T (g_l * act'(z_l))``. Returns ``(act_std, grad_std)``, both
    of length ``depth``: ``act_std[l]`` is the std of the output of layer
    ``l + 1``, ``grad_std[l]`` the std of the loss gradient with respect to the
    *input* of layer ``l + 1`` (so ``grad_std[0]`` is what reaches the first layer).

    Defined in 04_generalization.
    """
    if activation not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(_ACTIVATIONS)}")
    act, dact = _ACTIVATIONS[activation]
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((batch, width))
    std = init_std(scheme, width, width)
    weights, pre = [], []
    act_std = np.empty(depth)
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in range(depth):
            w = rng.normal(0.0, std, (width, width))
            z = h @ w
            h = act(z)
            weights.append(w)
            pre.append(z)
            act_std[layer] = h.std()
        g = rng.standard_normal((batch, width))
        grad_std = np.empty(depth)
        for layer in reversed(range(depth)):
            g = (g * dact(pre[layer])) @ weights[layer].T
            grad_std[layer] = g.std()
    return act_std, grad_std


# -------------------------------------------------------------- augmentation

#: The eight symmetries of the square (the dihedral group D4) as (quarter turns, mirror).
DIHEDRAL = tuple((k, m) for k in range(4) for m in (False, True))


def dihedral(image: np.ndarray, k: int, mirror: bool) -> np.ndarray:
    """``image`` rotated by ``k`` quarter turns, then mirrored left-right if ``mirror``.

    Defined in 04_generalization.
    """
    out = np.rot90(np.asarray(image), k, axes=(-2, -1))
    return out[..., ::-1] if mirror else out


def shift(image: np.ndarray, dy: int, dx: int, fill: float = 0.0) -> np.ndarray:
    """``image`` moved ``dy`` pixels down and ``dx`` right; uncovered pixels get ``fill`` (no wrap-around).

    Defined in 04_generalization.
    """
    image = np.asarray(image)
    out = np.full_like(image, fill)
    h, w = image.shape[-2:]
    if abs(dy) >= h or abs(dx) >= w:
        return out
    src_y = slice(max(0, -dy), h - max(0, dy))
    dst_y = slice(max(0, dy), h - max(0, -dy))
    src_x = slice(max(0, -dx), w - max(0, dx))
    dst_x = slice(max(0, dx), w - max(0, -dx))
    out[..., dst_y, dst_x] = image[..., src_y, src_x]
    return out


def augment(
    images: np.ndarray,
    *,
    seed: int = 0,
    symmetries: bool = True,
    max_shift: int = 2,
    fill: float = 0.0,
) -> np.ndarray:
    """A randomly transformed copy of each image: one of the 8 square symmetries, then a shift.

    ``images`` is ``(n, h, w)`` (square images when ``symmetries``); each image
    gets its own random symmetry (if ``symmetries``) and its own integer shift
    in ``[-max_shift, max_shift]`` along each axis. Only valid when these
    transformations do not change the label (true for a galaxy's morphology,
    false for a digit: a mirrored 2 is no 2, a 6 turned upside down is a 9).

    Defined in 04_generalization.
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must be (n, h, w), got shape {images.shape}")
    if symmetries and images.shape[1] != images.shape[2]:
        raise ValueError("the symmetries of the square need square images")
    rng = np.random.default_rng(seed)
    out = np.empty_like(images)
    for i, img in enumerate(images):
        if symmetries:
            k, m = DIHEDRAL[int(rng.integers(len(DIHEDRAL)))]
            img = dihedral(img, k, m)
        dy, dx = (int(v) for v in rng.integers(-max_shift, max_shift + 1, size=2))
        out[i] = shift(img, dy, dx, fill)
    return out


# ---------------------------------------------------------------- Keras parts


def make_dataset(x: np.ndarray, y: np.ndarray, batch_size: int, *, shuffle: bool = False, seed: int = 0) -> Any:
    """A ``tf.data.Dataset`` of ``(x, y)`` batches, reshuffled every epoch when ``shuffle``.

    Why not pass NumPy arrays to ``fit``: for the tiny models of a lecture, Keras 3
    spends most of an epoch preparing NumPy inputs; a dataset built once makes each
    epoch several times cheaper on a CPU (measured: 30 epochs 3.3 s instead of 12 s).

    Defined in 04_generalization.
    """
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    else:
        ds = ds.cache()
    return ds.batch(batch_size)


def galaxy_mlp(
    input_shape: Sequence[int],
    n_classes: int,
    *,
    width: int = 256,
    depth: int = 2,
    dropout: float = 0.0,
    l2: float = 0.0,
    augment: bool = False,
    max_shift: float = 0.0625,
    learning_rate: float = 1e-3,
    decay_steps: int | None = None,
    seed: int = 0,
) -> Any:
    """A compiled Keras MLP for small images, with optional dropout, L2 and augmentation layers.

    ``depth`` hidden ReLU layers of ``width`` units (He initialisation), each
    followed by ``Dropout(dropout)`` when ``dropout > 0``; ``l2 > 0`` puts
    ``L2(l2)`` on every kernel (not on biases). ``augment`` adds random flips
    (both axes) and shifts of up to ``max_shift`` of the image size, which act
    only in training. The softmax output is float32 so it stays safe under mixed
    precision. With ``decay_steps`` the learning rate follows a cosine from
    ``learning_rate`` down to zero over that many steps, so the last epochs settle
    instead of jittering (fairer final numbers). Metrics: accuracy and ``xent``, the plain cross-entropy (Keras's
    ``loss`` also contains the L2 penalty, so it cannot compare models).

    Defined in 04_generalization.
    """
    import keras

    reg = keras.regularizers.L2(l2) if l2 > 0 else None
    layers: list[Any] = [keras.Input(tuple(input_shape))]
    if augment:
        h, w = input_shape[:2]
        layers += [
            keras.layers.Reshape((h, w, 1)),
            keras.layers.RandomFlip("horizontal_and_vertical", seed=seed + 1),
            keras.layers.RandomTranslation(max_shift, max_shift, fill_mode="constant", seed=seed + 2),
        ]
    layers.append(keras.layers.Flatten())
    for i in range(depth):
        layers.append(
            keras.layers.Dense(
                width,
                activation="relu",
                kernel_initializer=keras.initializers.HeNormal(seed=seed + 10 + i),
                kernel_regularizer=reg,
            )
        )
        if dropout > 0:
            layers.append(keras.layers.Dropout(dropout, seed=seed + 20 + i))
    layers.append(
        keras.layers.Dense(
            n_classes,
            activation="softmax",
            dtype="float32",
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 30),
        )
    )
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(
            learning_rate if decay_steps is None else keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
        ),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", keras.metrics.SparseCategoricalCrossentropy(name="xent")],
    )
    return model


def galaxy_cnn(
    input_shape: Sequence[int],
    n_classes: int,
    *,
    filters: Sequence[int] = (16, 32),
    learning_rate: float = 1e-3,
    decay_steps: int | None = None,
    seed: int = 0,
) -> Any:
    """A small compiled Keras CNN for the same images as :func:`galaxy_mlp`, trained the same way.

    For each entry of ``filters`` a 3x3 ``Conv2D`` with that many filters (ReLU,
    "same" padding, He initialisation) and a 2x2 max-pooling; then global average
    pooling and a float32 softmax. The loss, metrics (accuracy and ``xent``) and the
    optional cosine decay are those of :func:`galaxy_mlp`, so the two compare like
    for like. Lecture 05 explains the layers; lecture 04 only measures what weight
    sharing buys on 200 images. Defined in 04_generalization.
    """
    import keras

    if not filters or min(int(f) for f in filters) < 1:
        raise ValueError(f"filters must be a non-empty list of positive counts, got {list(filters)}")
    h, w = int(input_shape[0]), int(input_shape[1])
    layers: list[Any] = [keras.Input(tuple(input_shape)), keras.layers.Reshape((h, w, 1))]
    for i, f in enumerate(filters):
        layers += [
            keras.layers.Conv2D(int(f), 3, padding="same", activation="relu",
                                kernel_initializer=keras.initializers.HeNormal(seed=seed + 40 + i)),
            keras.layers.MaxPooling2D(2),
        ]
    layers += [
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(n_classes, activation="softmax", dtype="float32",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 30)),
    ]
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(
            learning_rate if decay_steps is None else keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)
        ),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", keras.metrics.SparseCategoricalCrossentropy(name="xent")],
    )
    return model


# ------------------------------------------------------------------ figures

_TRAIN, _VAL, _RISK, _TRUTH = CLASS_COLORS[0], CLASS_COLORS[1], "0.2", "0.45"


def plot_fits(
    x_train: np.ndarray,
    y_train: np.ndarray,
    fits: Sequence[PolyFit],
    axes: Sequence[Axes] | None = None,
    *,
    titles: Sequence[str] | None = None,
    ylim: tuple[float, float] = (-1.5, 1.5),
) -> list[Axes]:
    """One panel per fit: the training points, the true light curve and the fitted curve.

    Defined in 04_generalization.
    """
    if axes is None:
        _, axes = plt.subplots(1, len(fits), figsize=(4.2 * len(fits), 3.4), sharey=True)
        axes = np.atleast_1d(axes)
    grid = np.linspace(0.0, 1.0, 600)
    for i, (fit, ax) in enumerate(zip(fits, axes)):
        ax.plot(grid, light_curve(grid), color=_TRUTH, lw=2, ls="--", label="truth")
        ax.plot(grid, fit(grid), color=_VAL, lw=2, label=f"degree {fit.degree}")
        ax.scatter(x_train, y_train, s=22, color=_TRAIN, edgecolors="white", linewidths=0.5, zorder=3,
                   label="training data")
        ax.set_ylim(*ylim)
        ax.set_xlabel("phase")
        if titles is not None:
            ax.set_title(titles[i])
        ax.legend(loc="lower left", fontsize=8)
    axes[0].set_ylabel("brightness (relative)")
    return list(axes)


def plot_capacity(sweep: CapacitySweep, ax: Axes | None = None, *, noise: float = NOISE) -> Axes:
    """Training error, validation error and true risk against the degree (log scale), noise floor dashed.

    Defined in 04_generalization.
    """
    ax = new_axes(ax, figsize=(6.0, 4.0))
    ax.plot(sweep.degrees, sweep.train, "o-", color=_TRAIN, label="training error (empirical risk)")
    ax.plot(sweep.degrees, sweep.val, "s-", color=_VAL, label="validation error")
    ax.plot(sweep.degrees, sweep.risk, "-", color=_RISK, lw=1.5, label="true risk")
    ax.axhline(noise**2, color="0.6", ls=":", label=r"noise floor $\sigma^2$")
    best = sweep.best_degree
    ax.axvline(best, color=_VAL, ls="--", lw=1)
    ax.annotate(f"best validation: degree {best}", (best, noise**2), textcoords="offset points",
                xytext=(6, -14), fontsize=8, color=_VAL)
    ax.set_yscale("log")
    ax.set_xlabel("polynomial degree (capacity)")
    ax.set_ylabel("mean squared error")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_bias_variance(results: Sequence[BiasVariance], axes: Sequence[Axes] | None = None, *, show: int = 25,
                       ylim: tuple[float, float] = (-1.5, 1.5)) -> list[Axes]:
    """One panel per degree: ``show`` fits from independent training sets, their average and the truth.

    Defined in 04_generalization.
    """
    if axes is None:
        _, axes = plt.subplots(1, len(results), figsize=(4.2 * len(results), 3.4), sharey=True)
        axes = np.atleast_1d(axes)
    for res, ax in zip(results, axes):
        for p in res.predictions[:show]:
            ax.plot(res.grid, p, color=_VAL, lw=0.6, alpha=0.35)
        ax.plot(res.grid, light_curve(res.grid), color=_TRUTH, lw=2, ls="--", label="truth")
        ax.plot(res.grid, res.predictions.mean(axis=0), color="k", lw=2, label="average fit")
        ax.set_ylim(*ylim)
        ax.set_xlabel("phase")
        ax.set_title(f"degree {res.degree}: bias² {res.bias2:.3f}, variance {res.variance:.3f}", fontsize=9)
        ax.legend(loc="lower left", fontsize=8)
    axes[0].set_ylabel("brightness (relative)")
    return list(axes)


def plot_learning_curves(
    sizes: Sequence[int], curves: Mapping[str, tuple[np.ndarray, np.ndarray]], ax: Axes | None = None,
    *, noise: float = NOISE,
) -> Axes:
    """Training error (dashed) and true risk (solid) against the training-set size, per model.

    Defined in 04_generalization.
    """
    ax = new_axes(ax, figsize=(6.0, 4.0))
    for i, (name, (train, risk)) in enumerate(curves.items()):
        color = CLASS_COLORS[i % len(CLASS_COLORS)]
        ax.plot(sizes, risk, "o-", color=color, label=f"{name}: true risk")
        ax.plot(sizes, train, "o--", color=color, mfc="white", label=f"{name}: training error")
    ax.axhline(noise**2, color="0.6", ls=":", label=r"noise floor $\sigma^2$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training-set size n")
    ax.set_ylabel("mean squared error")
    ax.legend(loc="upper right", fontsize=8)
    return ax


def plot_ridge_path(path: Mapping[str, np.ndarray], axes: Sequence[Axes] | None = None, *, noise: float = NOISE) -> list[Axes]:
    """Errors and weight norm against the L2 strength λ (log axes): capacity read right to left.

    Defined in 04_generalization.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    lams = path["lams"]
    ax = axes[0]
    ax.plot(lams, path["train"], "o-", color=_TRAIN, label="training error")
    ax.plot(lams, path["val"], "s-", color=_VAL, label="validation error")
    ax.plot(lams, path["risk"], "-", color=_RISK, label="true risk")
    ax.axhline(noise**2, color="0.6", ls=":", label=r"noise floor $\sigma^2$")
    best = lams[int(np.argmin(path["val"]))]
    ax.axvline(best, color=_VAL, ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"L2 strength $\lambda$")
    ax.set_ylabel("mean squared error")
    ax.legend(loc="upper left", fontsize=8)
    ax = axes[1]
    ax.plot(lams, path["norm"], "o-", color="k")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"L2 strength $\lambda$")
    ax.set_ylabel(r"$\|\mathbf{w}\|$ (bias excluded)")
    return list(axes)


def plot_early_stopping(
    val: Sequence[float],
    best_epoch: int,
    stop_epoch: int,
    ax: Axes | None = None,
    *,
    train: Sequence[float] | None = None,
    logx: bool = False,
    logy: bool = False,
    ylabel: str = "loss",
) -> Axes:
    """Validation (and training) loss per epoch with the best epoch and the stopping epoch marked.

    Epochs are numbered from 1 on the axis; ``best_epoch`` and ``stop_epoch``
    are 0-based indices into ``val``, as returned by early-stopping logic.

    Defined in 04_generalization.
    """
    ax = new_axes(ax, figsize=(6.0, 3.8))
    val = np.asarray(val, dtype=float)
    epochs = np.arange(1, len(val) + 1)
    if train is not None:
        ax.plot(epochs, np.asarray(train, dtype=float), color=_TRAIN, label="training")
    ax.plot(epochs, val, color=_VAL, label="validation")
    ax.axvline(best_epoch + 1, color="k", ls="--", lw=1, label=f"best epoch ({best_epoch + 1})")
    ax.axvline(stop_epoch + 1, color="0.5", ls=":", lw=1.5, label=f"stopped after epoch {stop_epoch + 1}")
    ax.plot([best_epoch + 1], [val[best_epoch]], "o", color="k")
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_signal_propagation(
    runs: Mapping[str, tuple[np.ndarray, np.ndarray]], axes: Sequence[Axes] | None = None
) -> list[Axes]:
    """Activation std (left) and gradient std (right) against depth, one line per (activation, init).

    Values that overflowed or vanished to zero are left out of the log-scale plot.

    Defined in 04_generalization.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    for i, (name, (act_std, grad_std)) in enumerate(runs.items()):
        color = CLASS_COLORS[i % len(CLASS_COLORS)]
        layers = np.arange(1, len(act_std) + 1)
        for ax, values in zip(axes, (act_std, grad_std)):
            v = np.where(np.isfinite(values) & (values > 0), values, np.nan)
            ax.plot(layers, v, "o-", ms=3, color=color, label=name)
    axes[0].set_title("forward: std of each layer's output")
    axes[1].set_title("backward: std of the gradient reaching each layer")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("layer")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel("standard deviation")
    axes[1].legend(loc="best", fontsize=8)
    return list(axes)


def show_images(
    images: np.ndarray, titles: Sequence[str] | None = None, *, ncols: int | None = None, size: float = 1.6,
    cmap: str = "gray",
) -> Figure:
    """A grid of images with optional titles, no axes ticks.

    Defined in 04_generalization.
    """
    images = np.asarray(images)
    n = len(images)
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.3 if titles else 0.0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            ax.imshow(images[i], cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    fig.tight_layout()
    return fig
