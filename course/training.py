"""Training a network: the figures, tables and reference numerics of the training lecture.

The lecture runs gradient descent by hand on a one-parameter loss, watches
mini-batch SGD wander on a two-parameter one, backpropagates through a tiny
network and checks the result numerically, and races gradient descent,
momentum, RMSProp and Adam down an ill-conditioned valley; finally it trains
Keras networks on a synthetic sky survey. The pieces it needs to *show* these
things live here, so the notebook reads like a lecture. The exercises
(losses, the descent loop, two-layer backpropagation) are written by the
students and checked against NumPy, Keras and ``tf.GradientTape``, never
against this module.

The 1-D loss and the gradient-descent, momentum and Adam updates are those of
the descent widget (:mod:`course.widgets.descent`), so the figures and the
widget always agree; RMSProp and the ravine surfaces are added here.

Defined in 03_training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from course.widgets.descent import SURFACES, Surface, descend, quadratic_grad, quadratic_loss, verdict

__all__ = [
    "WORKED_MINIMUM",
    "worked_loss",
    "worked_grad",
    "iterate_table",
    "plot_loss_shapes",
    "plot_descent_1d",
    "plot_distance",
    "learning_rate_panels",
    "line_data",
    "line_loss",
    "line_grad",
    "sgd",
    "minibatch_gradients",
    "plot_sgd_paths",
    "plot_loss_vs_examples",
    "sigmoid",
    "ScalarNet",
    "scalar_net",
    "draw_chain",
    "two_layer_loss",
    "numerical_gradient",
    "relative_error",
    "softmax_jacobian",
    "backprop_factors",
    "METHODS",
    "optimize",
    "keras_path",
    "steps_to_reach",
    "ravine",
    "plot_optimizer_race",
    "adam_steps",
    "wells",
    "Basins",
    "basins",
    "plot_basins",
    "XOR_X",
    "XOR_Y",
    "xor_net_loss",
    "Restarts",
    "xor_restarts",
    "swap_hidden_units",
    "SkyTable",
    "SKY_FEATURES",
    "sky_table",
    "standardize",
    "plot_photoz",
]

# ------------------------------------------------------------------ worked example

#: The minimum of the worked example's loss: ``4.5 w - 1.5 = 0`` at ``w = 1/3``.
WORKED_MINIMUM = 1.0 / 3.0


def worked_loss(w: np.ndarray | float) -> np.ndarray:
    """The worked example's loss ``L(w) = (1.5 w - 0.5)^2 = 2.25 w^2 - 1.5 w + 0.25``.

    It is the squared error of the model ``y_hat = w x`` on the one data point
    ``(x, y) = (1.5, 0.5)``; its gradient is ``4.5 w - 1.5``. Defined in 03_training.
    """
    return quadratic_loss(w)


def worked_grad(w: np.ndarray | float) -> np.ndarray:
    """``dL/dw = 4.5 w - 1.5``, the gradient of :func:`worked_loss`. Defined in 03_training."""
    return quadratic_grad(w)


def iterate_table(
    path: Sequence[float],
    loss: Callable[[Any], Any] = worked_loss,
    grad: Callable[[Any], Any] = worked_grad,
    minimum: float | None = WORKED_MINIMUM,
    digits: int = 6,
) -> str:
    """The iterates of a 1-D descent as a text table: k, w_k, L(w_k), dL/dw(w_k) and w_k - w*.

    Numbers are printed with ``digits`` decimals, so the table is stable text.
    Defined in 03_training.
    """
    path = np.asarray(path, dtype=float).reshape(-1)
    head = ["k", "w_k", "L(w_k)", "dL/dw(w_k)"] + (["w_k - w*"] if minimum is not None else [])
    width = digits + 6
    lines = [f"{head[0]:>3}  " + "  ".join(f"{h:>{width}}" for h in head[1:])]
    lines.append("-" * len(lines[0]))
    for k, w in enumerate(path):
        cells = [float(w), float(loss(w)), float(grad(w))]
        if minimum is not None:
            cells.append(float(w) - minimum)
        lines.append(f"{k:>3}  " + "  ".join(f"{c:>{width}.{digits}f}" for c in cells))
    return "\n".join(lines)


# ---------------------------------------------------------------------- losses


def plot_loss_shapes(eps: float = 1e-7) -> Figure:
    """Two panels: squared and absolute error against the residual; -log p against p.

    The right panel marks where clipping at ``eps`` caps the cross-entropy.
    Defined in 03_training.
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    r = np.linspace(-3, 3, 301)
    ax1.plot(r, r**2, label=r"squared error $r^2$")
    ax1.plot(r, np.abs(r), label=r"absolute error $|r|$")
    ax1.set_xlabel(r"residual $r = \hat y - y$")
    ax1.set_ylabel("loss of one example")
    ax1.set_ylim(0, 6)
    ax1.set_title("regression: squared error punishes outliers")
    ax1.legend(fontsize=8)
    p = np.logspace(-8, 0, 400)
    ax2.plot(p, -np.log(np.clip(p, eps, 1 - eps)), label=r"$-\log \max(p, \epsilon)$")
    ax2.axvline(eps, color="0.6", ls=":", label=rf"clip at $\epsilon = ${eps:g}")
    ax2.set_xscale("log")
    ax2.set_xlabel(r"predicted probability $p$ of the true class")
    ax2.set_ylabel("cross-entropy of one example")
    ax2.set_title("classification: confident mistakes cost most")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------- gradient descent


def plot_descent_1d(
    path: Sequence[float],
    loss: Callable[[Any], Any] = worked_loss,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    xlim: tuple[float, float] | None = None,
    label_first: int = 4,
) -> Axes:
    """The loss curve with the descent's iterates on it, joined by arrows; the first few are numbered.

    Non-finite iterates (a diverged run) are dropped. Defined in 03_training.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
    w = np.asarray(path, dtype=float).reshape(-1)
    w = w[np.isfinite(w)]
    if xlim is None:
        lo, hi = float(min(w.min(), -0.2)), float(max(w.max(), 1.0))
        pad = 0.1 * (hi - lo)
        xlim = (lo - pad, hi + pad)
    grid = np.linspace(*xlim, 300)
    ax.plot(grid, loss(grid), color="0.55", lw=1.5)
    lw = np.asarray(loss(w), dtype=float)
    ax.plot(w, lw, "o", color="#D55E00", ms=4, zorder=3)
    for k in range(len(w) - 1):
        ax.add_patch(FancyArrowPatch((w[k], lw[k]), (w[k + 1], lw[k + 1]), arrowstyle="-|>",
                                     mutation_scale=9, color="#D55E00", lw=0.9, alpha=0.8, zorder=2))
    for k in range(min(label_first, len(w))):
        ax.annotate(f"$w_{k}$", (w[k], lw[k]), textcoords="offset points", xytext=(4, 5), fontsize=8)
    ax.set_xlim(*xlim)
    top = float(max(loss(xlim[0]), loss(xlim[1])))
    ax.set_ylim(-0.05 * top, 1.05 * top)
    ax.set_xlabel("w")
    ax.set_ylabel("L(w)")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_distance(
    paths: Mapping[str, Sequence[float]],
    minimum: float = WORKED_MINIMUM,
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Axes:
    """``|w_k - w*|`` against k on a log axis, one line per named run: straight lines mean geometric convergence.

    Defined in 03_training.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
    for name, path in paths.items():
        d = np.abs(np.asarray(path, dtype=float).reshape(len(path), -1) - minimum).max(axis=1)
        ax.semilogy(np.arange(len(d)), d, "o-", ms=3, label=name)
    ax.set_xlabel("step k")
    ax.set_ylabel(r"$|w_k - w^*|$")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return ax


def learning_rate_panels(lrs: Sequence[float], steps: int = 12, w0: float = 0.8) -> Figure:
    """Gradient descent on the worked example, one panel per learning rate, titled with the widget's verdict.

    Defined in 03_training.
    """
    fig, axes = plt.subplots(1, len(lrs), figsize=(3.3 * len(lrs), 3.2), squeeze=False)
    for ax, lr in zip(axes[0], lrs):
        path = descend(worked_grad, w0, lr, steps)
        with np.errstate(over="ignore", invalid="ignore"):
            judged = verdict(worked_loss(path), path)
        finite = path[np.isfinite(path)]
        lo, hi = min(-0.4, finite.min() - 0.1), max(1.0, finite.max() + 0.1)
        lo, hi = max(lo, -2.0), min(hi, 2.7)
        inside = np.flatnonzero((path < lo) | (path > hi) | ~np.isfinite(path))
        shown = path[: inside[0]] if inside.size else path  # a diverging run: up to where it leaves the plot
        plot_descent_1d(shown, ax=ax, xlim=(lo, hi), label_first=2,
                        title=f"η = {lr:g}, 1 − 4.5η = {1 - 4.5 * lr:+.2f}\n{judged}")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------- mini-batch SGD


def line_data(n: int = 500, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy points on the line ``y = 0.5 + 1.5 x`` (x standard normal, noise sigma 0.5).

    A calibration-style fit with two parameters, small enough to draw the whole loss
    surface and every SGD step on it. Defined in 03_training.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = 0.5 + 1.5 * x + 0.5 * rng.standard_normal(n)
    return x, y


def line_loss(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean squared error of ``y ≈ w[..., 0] + w[..., 1] x`` for one or many ``w`` (shape (..., 2)).

    Defined in 03_training.
    """
    w = np.asarray(w, dtype=float)
    b, a = w[..., 0], w[..., 1]
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    # expand the square so a grid of w needs no (grid x n) array
    return (a**2 * np.mean(x * x) + 2 * a * b * np.mean(x) + b**2
            - 2 * a * np.mean(x * y) - 2 * b * np.mean(y) + np.mean(y * y))


def line_grad(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of :func:`line_loss` at one ``w`` (shape (2,)) over the examples ``x``, ``y``.

    Defined in 03_training.
    """
    w = np.asarray(w, dtype=float)
    r = w[0] + w[1] * np.asarray(x, dtype=float) - np.asarray(y, dtype=float)
    return np.array([2 * np.mean(r), 2 * np.mean(r * x)])


def sgd(
    x: np.ndarray,
    y: np.ndarray,
    w0: Sequence[float],
    lr: float,
    batch_size: int,
    epochs: int,
    *,
    seed: int = 0,
) -> np.ndarray:
    """Mini-batch SGD on :func:`line_loss`: the four steps of training, written out.

    Each epoch shuffles the examples and walks through them in batches of
    ``batch_size`` (the last batch may be smaller): (1) take the batch,
    (2) forward pass and loss on it, (3) its gradient, (4) ``w <- w - lr * g``.
    Returns every iterate, shape ``(steps + 1, 2)``. ``batch_size >= n`` is
    full-batch gradient descent. Defined in 03_training.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    rng = np.random.default_rng(seed)
    w = np.array(w0, dtype=float)
    path = [w.copy()]
    n = len(x)
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]           # (1) sample a mini-batch
            g = line_grad(w, x[batch], y[batch])               # (2) forward + loss, (3) gradient
            w = w - lr * g                                     # (4) update
            path.append(w.copy())
    return np.array(path)


def minibatch_gradients(
    x: np.ndarray,
    y: np.ndarray,
    w: Sequence[float],
    batch_size: int,
    draws: int = 2000,
    *,
    seed: int = 0,
) -> np.ndarray:
    """The gradient of :func:`line_loss` at ``w`` on ``draws`` random mini-batches (drawn without replacement).

    Shape ``(draws, 2)``; their mean is the full gradient, their spread the SGD noise.
    Defined in 03_training.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(x)
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be in [1, {n}], got {batch_size}")
    rng = np.random.default_rng(seed)
    w = np.asarray(w, dtype=float)
    r = w[0] + w[1] * x - y
    # the full per-example gradients, then batch means: draws x batch_size indices
    per_example = np.stack([2 * r, 2 * r * x], axis=1)
    idx = np.argsort(rng.random((draws, n)), axis=1)[:, :batch_size]
    return per_example[idx].mean(axis=1)


def plot_sgd_paths(
    paths: Mapping[str, np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Axes:
    """Contours of :func:`line_loss` over (intercept, slope) with one SGD path per name.

    Defined in 03_training.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.2))
    ends = np.concatenate([np.asarray(p) for p in paths.values()])
    lo, hi = ends.min(axis=0) - 0.4, ends.max(axis=0) + 0.4
    gb, ga = np.meshgrid(np.linspace(lo[0], hi[0], 150), np.linspace(lo[1], hi[1], 150))
    z = line_loss(np.stack([gb, ga], axis=-1), x, y)
    ax.contour(gb, ga, z, levels=np.quantile(z, np.linspace(0, 1, 14) ** 2)[1:], colors="0.75", linewidths=0.8)
    for name, p in paths.items():
        p = np.asarray(p)
        ax.plot(p[:, 0], p[:, 1], "-o", ms=1.8, lw=0.9, label=name)
    best = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)[0]
    ax.plot(*best, marker="*", color="k", ms=12, ls="none", label="least-squares minimum")
    ax.set_xlabel("intercept $w_0$")
    ax.set_ylabel("slope $w_1$")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return ax


def plot_loss_vs_examples(
    runs: Mapping[str, tuple[np.ndarray, int]],
    x: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
) -> Axes:
    """Full-data loss of each SGD path against the number of examples its gradients have looked at.

    ``runs`` maps a name to ``(path, batch_size)``; step k of a run has used
    ``k * batch_size`` examples (the fair measure of cost). Log-log axes. Defined in 03_training.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.2))
    best = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)[0]
    floor = float(line_loss(best, x, y))
    for name, (path, batch_size) in runs.items():
        path = np.asarray(path)
        seen = np.arange(len(path)) * min(int(batch_size), len(x))
        ax.loglog(np.maximum(seen, 1), np.maximum(line_loss(path, x, y) - floor, 1e-12), "-", lw=1.2, label=name)
    ax.set_xlabel("examples looked at (gradient evaluations)")
    ax.set_ylabel(r"$L(w) - L_{\min}$ on all the data")
    ax.legend(fontsize=8)
    return ax


# ------------------------------------------------------------------ backpropagation


def sigmoid(z: np.ndarray | float) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``; its derivative is ``s (1 - s)``. Defined in 03_training."""
    z = np.asarray(z, dtype=float)
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # no overflow warning for large |z|


@dataclass(frozen=True)
class ScalarNet:
    """Forward values and backward gradients of the one-hidden-unit network of :func:`scalar_net`. Defined in 03_training."""

    values: dict[str, float]
    grads: dict[str, float]


def scalar_net(x: float, y: float, w1: float, b1: float, w2: float, b2: float) -> ScalarNet:
    """``z = w1 x + b1``, ``h = sigmoid(z)``, ``y_hat = w2 h + b2``, ``L = (y_hat - y)^2``, backpropagated by hand.

    The reference for the worked backpropagation and its figure (:func:`draw_chain`):
    ``grads[name]`` is ``dL/d name`` for every node and parameter. Defined in 03_training.
    """
    z = w1 * x + b1
    h = float(sigmoid(z))
    y_hat = w2 * h + b2
    loss = (y_hat - y) ** 2
    d_yhat = 2 * (y_hat - y)
    d_h = d_yhat * w2
    d_z = d_h * h * (1 - h)
    values = {"x": x, "y": y, "w1": w1, "b1": b1, "w2": w2, "b2": b2, "z": z, "h": h, "y_hat": y_hat, "L": loss}
    grads = {"L": 1.0, "y_hat": d_yhat, "w2": d_yhat * h, "b2": d_yhat, "h": d_h, "z": d_z,
             "w1": d_z * x, "b1": d_z, "x": d_z * w1}
    return ScalarNet({k: float(v) for k, v in values.items()}, {k: float(v) for k, v in grads.items()})


_CHAIN_NODES = {  # name: (x, y, label, operation)
    "w1": (0.0, 1.6, "$w_1$", ""), "x": (0.0, 0.5, "$x$", ""), "b1": (0.0, -0.6, "$b_1$", ""),
    "z": (1.6, 0.5, "$z$", "$w_1x+b_1$"), "h": (3.1, 0.5, "$h$", r"$\sigma(z)$"),
    "w2": (3.1, 1.7, "$w_2$", ""), "b2": (3.1, -0.7, "$b_2$", ""),
    "y_hat": (4.6, 0.5, r"$\hat y$", "$w_2h+b_2$"), "y": (4.6, -0.7, "$y$", ""),
    "L": (6.1, 0.5, "$L$", r"$(\hat y-y)^2$"),
}
_CHAIN_EDGES = [("w1", "z"), ("x", "z"), ("b1", "z"), ("z", "h"), ("h", "y_hat"), ("w2", "y_hat"),
                ("b2", "y_hat"), ("y_hat", "L"), ("y", "L")]


def draw_chain(net: ScalarNet) -> Figure:
    """The computational graph of :func:`scalar_net`: forward values in black above each node,
    gradients ``dL/d·`` in red below (the data ``y`` gets none). Defined in 03_training.
    """
    fig, ax = plt.subplots(figsize=(10, 4.6))
    for a, b in _CHAIN_EDGES:
        (xa, ya, *_), (xb, yb, *_) = _CHAIN_NODES[a], _CHAIN_NODES[b]
        ax.add_patch(FancyArrowPatch((xa, ya), (xb, yb), arrowstyle="-|>", mutation_scale=12,
                                     shrinkA=17, shrinkB=17, color="0.4", lw=1.1))
    for name, (px, py, label, op) in _CHAIN_NODES.items():
        param = name in ("w1", "b1", "w2", "b2")
        face = "#FCE9D0" if param else ("#E8E8E8" if name in ("x", "y") else "#D6E6F5")
        ax.add_patch(plt.Circle((px, py), 0.22, facecolor=face, edgecolor="0.3", lw=1.0, zorder=3))
        ax.text(px, py, label, ha="center", va="center", fontsize=12, zorder=4)
        ax.text(px, py + 0.3, f"{net.values[name]:.4f}", ha="center", va="bottom", fontsize=8.5)
        if op:
            ax.text(px, py + 0.52, op, ha="center", va="bottom", fontsize=8.5, color="0.35")
        if name in net.grads and name != "y":
            ax.text(px, py - 0.3, f"{net.grads[name]:+.4f}", ha="center", va="top", fontsize=8.5, color="#C0392B")
    ax.text(-0.45, 2.35, "forward values (black), gradients ∂L/∂· (red)", fontsize=9, ha="left")
    ax.set_xlim(-0.5, 6.6)
    ax.set_ylim(-1.35, 2.5)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return fig


def two_layer_loss(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """Loss of the exercise's network: ``h = tanh(x W1 + b1)``, ``y_hat = h W2 + b2``,
    ``L = (1/N) sum_n ||y_hat_n - y_n||^2``. For numerical gradient checks. Defined in 03_training.
    """
    h = np.tanh(np.asarray(x, dtype=float) @ params["W1"] + params["b1"])
    y_hat = h @ params["W2"] + params["b2"]
    return float(np.sum((y_hat - np.asarray(y, dtype=float)) ** 2) / len(x))


def numerical_gradient(
    f: Callable[[dict[str, np.ndarray]], float],
    params: Mapping[str, np.ndarray],
    eps: float = 1e-6,
) -> dict[str, np.ndarray]:
    """Central differences ``(f(p + eps e_i) - f(p - eps e_i)) / (2 eps)`` for every entry of every parameter.

    Costs two evaluations of ``f`` per number: fine for checking, hopeless for
    training (that is why backpropagation exists). Defined in 03_training.
    """
    base = {k: np.array(v, dtype=float) for k, v in params.items()}
    out: dict[str, np.ndarray] = {}
    for name, value in base.items():
        g = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            keep = value[i]
            value[i] = keep + eps
            up = f(base)
            value[i] = keep - eps
            down = f(base)
            value[i] = keep
            g[i] = (up - down) / (2 * eps)
        out[name] = g
    return out


def relative_error(a: np.ndarray | float, b: np.ndarray | float) -> float:
    """``max |a - b| / max(|a| + |b|)``, the usual yardstick of a gradient check (0 when both are 0).

    Defined in 03_training.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = float(np.max(np.abs(a) + np.abs(b))) if a.size else 0.0
    return 0.0 if scale == 0.0 else float(np.max(np.abs(a - b)) / scale)


def softmax_jacobian(p: np.ndarray) -> np.ndarray:
    """The Jacobian ``J[j, k] = dp_j / dz_k = p_j (delta_jk - p_k)`` of the softmax, from its output ``p`` (1-D).

    Its diagonal is ``p_k (1 - p_k)``; it is symmetric, and every row sums to 0
    (the probabilities always sum to 1). Defined in 03_training.
    """
    p = np.asarray(p, dtype=float).reshape(-1)
    return np.diag(p) - np.outer(p, p)


def _sigmoid_slope(z: np.ndarray) -> np.ndarray:
    s = sigmoid(z)
    return s * (1.0 - s)


def _tanh_slope(z: np.ndarray) -> np.ndarray:
    return 1.0 - np.tanh(z) ** 2


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _relu_slope(z: np.ndarray) -> np.ndarray:
    return (z > 0).astype(float)


_ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "sigmoid": (sigmoid, _sigmoid_slope),
    "tanh": (np.tanh, _tanh_slope),
    "relu": (_relu, _relu_slope),
}


def backprop_factors(
    activation: str,
    weight_std: float,
    *,
    width: int = 128,
    depth: int = 10,
    batch: int = 512,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """How much each layer of a deep stack changes the variance of the gradient on its way back.

    ``depth`` dense layers ``h_l = act(h_{l-1} W_l)`` of ``width`` units (no biases,
    weights ``N(0, weight_std^2)``, inputs standard normal); a standard-normal
    gradient enters at the top and goes back through ``g_{l-1} = (g_l * act'(z_l)) W_l^T``.
    Returns ``(measured, predicted)``, one entry per layer: the measured ratio
    ``Var(g_{l-1}) / Var(g_l)`` and the prediction ``width * weight_std^2 * mean(act'(z_l)^2)``
    (the pre-activations ``z_l`` are those of the forward pass).
    Defined in 03_training (used again in 04_generalization).
    """
    if activation not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(_ACTIVATIONS)}")
    if not weight_std > 0 or width < 1 or depth < 1 or batch < 2:
        raise ValueError("weight_std must be > 0, width and depth >= 1, batch >= 2")
    act, dact = _ACTIVATIONS[activation]
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((batch, width))
    weights, slopes = [], []
    for _ in range(depth):
        w = rng.normal(0.0, weight_std, (width, width))
        z = h @ w
        h = act(z)
        weights.append(w)
        slopes.append(dact(z))
    g = rng.standard_normal((batch, width))
    measured, predicted = np.empty(depth), np.empty(depth)
    for layer in reversed(range(depth)):
        back = (g * slopes[layer]) @ weights[layer].T
        measured[layer] = back.var() / g.var()
        predicted[layer] = width * weight_std**2 * np.mean(slopes[layer] ** 2)
        g = back
    return measured, predicted


# ----------------------------------------------------------------------- optimizers

#: The optimizers :func:`optimize` knows (Keras's update rules).
METHODS = ("gd", "momentum", "nesterov", "rmsprop", "adam")


def optimize(
    grad: Callable[[np.ndarray], np.ndarray],
    w0: float | Sequence[float],
    lr: float,
    steps: int,
    method: str = "gd",
    *,
    momentum: float = 0.9,
    rho: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-7,
) -> np.ndarray:
    """The iterates ``w_0 .. w_steps`` of one of :data:`METHODS`, with Keras's update rules.

    gd/momentum/adam are the descent widget's :func:`~course.widgets.descent.descend`;
    RMSProp is Keras's: ``s <- rho s + (1 - rho) g^2``, ``w <- w - lr g / sqrt(s + eps)``;
    Nesterov momentum is Keras's ``SGD(momentum=mu, nesterov=True)``:
    ``v <- mu v - lr g``, ``w <- w + mu v - lr g``.
    Defined in 03_training.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    if method not in ("rmsprop", "nesterov"):
        return descend(grad, w0, lr, steps, method, momentum=momentum, beta1=beta1, beta2=beta2, eps=eps)
    if method == "rmsprop" and not 0.0 <= rho < 1.0:
        raise ValueError(f"rho must be in [0, 1), got {rho}")
    if method == "nesterov" and not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    w = np.array(w0, dtype=float)
    s = np.zeros_like(w)  # RMSProp's running mean square, or Nesterov's velocity
    path = np.full((int(steps) + 1,) + w.shape, np.nan)
    path[0] = w
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(int(steps)):
            g = np.asarray(grad(w), dtype=float)
            if method == "rmsprop":
                s = rho * s + (1 - rho) * g * g
                w = w - lr * g / np.sqrt(s + eps)
            else:
                s = momentum * s - lr * g
                w = w + momentum * s - lr * g
            if not np.all(np.isfinite(w)):
                break
            path[k + 1] = w
    return path


def adam_steps(
    grads: Sequence[float],
    lr: float = 1e-3,
    *,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 0.0,
    correct_first: bool = True,
    correct_second: bool = True,
) -> np.ndarray:
    """The updates ``theta_t - theta_{t-1}`` Adam makes for a sequence of (scalar or array) gradients.

    The update is Kingma and Ba's Algorithm 1, ``-lr m_hat / (sqrt(s_hat) + eps)``,
    where either bias correction can be switched off (``m_hat = m`` or
    ``s_hat = s``) to see what it is for. With ``eps = 0`` and a constant gradient
    the first update with both corrections is exactly ``-lr sign(g)``.
    Defined in 03_training.
    """
    m = s = 0.0
    out = []
    for t, g in enumerate(np.asarray(grads, dtype=float), start=1):
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t) if correct_first else m
        s_hat = s / (1 - beta2**t) if correct_second else s
        out.append(-lr * m_hat / (np.sqrt(s_hat) + eps))
    return np.array(out, dtype=float)


def keras_path(optimizer: Any, grad: Callable[[np.ndarray], np.ndarray], w0: Sequence[float], steps: int) -> np.ndarray:
    """The iterates of a ``keras.optimizers`` instance fed the NumPy gradient ``grad`` (float64 variable).

    For checking that :func:`optimize` does what Keras does. Imports TensorFlow.
    Defined in 03_training.
    """
    import tensorflow as tf

    w = tf.Variable(np.array(w0, dtype=np.float64))
    path = [w.numpy().copy()]
    for _ in range(int(steps)):
        g = tf.constant(np.asarray(grad(w.numpy()), dtype=np.float64))
        optimizer.apply_gradients([(g, w)])
        path.append(w.numpy().copy())
    return np.array(path)


def steps_to_reach(losses: Sequence[float], threshold: float) -> int | None:
    """The first step k with ``losses[k] < threshold``, or None if it never gets there. Defined in 03_training."""
    below = np.flatnonzero(np.asarray(losses, dtype=float) < threshold)
    return int(below[0]) if below.size else None


def ravine(kappa: float = 50.0, angle: float = 0.0) -> Surface:
    """An ill-conditioned quadratic ``L = (u^2 + kappa v^2) / 2`` whose axes (u, v) are (x, y) turned by ``angle`` degrees.

    The Hessian's eigenvalues are 1 and ``kappa`` (the condition number) whatever the
    angle, so gradient descent and momentum behave identically at every angle; RMSProp
    and Adam, which rescale each *coordinate*, do not. The start point is
    ``(u, v) = (-2.5, 0.8)`` at every angle. Defined in 03_training.
    """
    kappa, angle = float(kappa), float(angle)
    if not kappa >= 1.0:
        raise ValueError(f"kappa must be >= 1, got {kappa}")
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def uv(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = np.asarray(p, dtype=float)
        return c * p[..., 0] + s * p[..., 1], -s * p[..., 0] + c * p[..., 1]

    def loss(p: np.ndarray) -> np.ndarray:
        u, v = uv(p)
        return 0.5 * (u**2 + kappa * v**2)

    def grad(p: np.ndarray) -> np.ndarray:
        u, v = uv(p)
        gv = kappa * v
        return np.stack([c * u - s * gv, s * u + c * gv], axis=-1)

    u0, v0 = -2.5, 0.8
    start = (c * u0 - s * v0, s * u0 + c * v0)
    label = f"ravine, condition number {kappa:g}, turned {angle:g}°"
    return Surface(label, loss, grad, 2, start, (0.0, 0.0))


def plot_optimizer_race(races: Sequence[tuple[Surface, Mapping[str, np.ndarray]]]) -> Figure:
    """One row per surface: the paths on its contours (left) and the loss above the minimum per step (right, log).

    ``races`` pairs a :class:`~course.widgets.descent.Surface` (e.g. :func:`ravine`)
    with named paths on it. Defined in 03_training.
    """
    fig, axes = plt.subplots(len(races), 2, figsize=(11, 4.0 * len(races)), squeeze=False,
                             gridspec_kw={"width_ratios": [1.1, 1]})
    for (ax1, ax2), (s, paths) in zip(axes, races):
        floor = float(s.loss(np.array(s.minimum)))
        top = float(s.loss(np.array(s.start))) - floor
        pts = np.concatenate([np.asarray(p)[np.all(np.isfinite(p), axis=1)] for p in paths.values()] + [[s.start]])
        lo, hi = np.maximum(pts.min(axis=0) - 0.3, -3.5), np.minimum(pts.max(axis=0) + 0.3, 3.5)
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
        z = s.loss(np.stack([gx, gy], axis=-1))
        ax1.contour(gx, gy, z, levels=floor + top * np.geomspace(1e-3, 2.0, 12), cmap="viridis", linewidths=0.8)
        for name, p in paths.items():
            p = np.asarray(p)
            ok = np.all(np.isfinite(p), axis=1)
            (line,) = ax1.plot(p[ok, 0], p[ok, 1], "-o", ms=1.8, lw=1.0, label=name)
            gap = np.maximum(s.loss(p[ok]) - floor, 1e-16)
            ax2.semilogy(np.flatnonzero(ok), gap, color=line.get_color(), lw=1.4, label=name)
        ax1.plot(*s.minimum, marker="*", color="k", ms=11, ls="none")
        ax1.plot(*s.start, "ko", ms=6)
        ax1.set_xlim(lo[0], hi[0])
        ax1.set_ylim(lo[1], hi[1])
        ax1.set_aspect("equal")
        ax1.set_xlabel("x")
        ax1.set_ylabel("y")
        ax1.set_title(s.label, fontsize=10)
        ax1.legend(fontsize=8, loc="lower right")
        ax2.set_xlabel("step")
        ax2.set_ylabel(r"$L - L_{\min}$")
        ax2.set_title("loss above the minimum", fontsize=10)
        ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------ non-convex losses

#: The descent demo's loss with three minima of different depths (a shallow bowl plus three Gaussian wells).
wells: Surface = SURFACES["wells"]


@dataclass(frozen=True)
class Basins:
    """Where descent from every start point of a grid ends: the basins of attraction of a 2-D loss.

    ``minima`` holds the distinct end points (lowest loss first) and ``losses`` their
    losses; ``label[i, j]`` is the index of the minimum reached from the start
    ``(x[j], y[i])``. Defined in 03_training.
    """

    surface: Surface
    x: np.ndarray
    y: np.ndarray
    label: np.ndarray
    minima: np.ndarray
    losses: np.ndarray

    def shares(self) -> np.ndarray:
        """The fraction of the start points that end in each minimum."""
        return np.bincount(self.label.ravel(), minlength=len(self.minima)) / self.label.size


def basins(
    surface: Surface,
    lr: float = 0.5,
    steps: int = 400,
    *,
    n: int = 41,
    extent: float = 3.0,
    method: str = "gd",
    momentum: float = 0.9,
) -> Basins:
    """Run :func:`optimize` from an ``n x n`` grid of starts on ``[-extent, extent]^2`` and group the end points.

    End points closer than 0.05 belong to the same minimum. All starts are run
    together (the losses act on arrays of points). Defined in 03_training.
    """
    if surface.dim != 2:
        raise ValueError("basins needs a 2-D surface")
    x = np.linspace(-extent, extent, n)
    gx, gy = np.meshgrid(x, x)
    starts = np.stack([gx.ravel(), gy.ravel()], axis=-1)
    ends = optimize(surface.grad, starts, lr, steps, method, momentum=momentum)[-1]
    if not np.all(np.isfinite(ends)):
        raise ValueError("some runs diverged: lower the learning rate")
    minima: list[np.ndarray] = []
    label = np.empty(len(ends), dtype=int)
    for i, p in enumerate(ends):
        for k, m in enumerate(minima):
            if np.hypot(*(p - m)) < 0.05:
                label[i] = k
                break
        else:
            minima.append(p)
            label[i] = len(minima) - 1
    points = np.array(minima)
    losses = np.asarray(surface.loss(points), dtype=float)
    order = np.argsort(losses)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return Basins(surface, x, x.copy(), rank[label].reshape(n, n), points[order], losses[order])


def plot_basins(b: Basins, ax: Axes | None = None, *, title: str | None = None) -> Axes:
    """The loss's contours over the grid, each start point coloured by the minimum it ends in. Defined in 03_training."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.6))
    gx, gy = np.meshgrid(b.x, b.y)
    colours = ["#009E73", "#0072B2", "#E69F00", "#CC79A7", "#D55E00", "#56B4E9"]
    for k in range(len(b.minima)):
        inside = b.label == k
        ax.scatter(gx[inside], gy[inside], s=9, color=colours[k % len(colours)], alpha=0.55, lw=0,
                   label=f"ends in minimum {k + 1}: L = {b.losses[k]:.2f} ({inside.mean():.0%} of starts)")
    fine = np.linspace(b.x[0], b.x[-1], 200)
    fx, fy = np.meshgrid(fine, fine)
    ax.contour(fx, fy, b.surface.loss(np.stack([fx, fy], axis=-1)), levels=14, colors="0.35", linewidths=0.6)
    ax.plot(b.minima[:, 0], b.minima[:, 1], "k*", ms=12, ls="none")
    ax.set_aspect("equal")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(title or "where gradient descent ends, by start point", fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1, frameon=False)
    return ax


#: XOR's four inputs and labels (the same order as :func:`course.nn.xor_data`).
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])


def _xor_unpack(theta: np.ndarray, hidden: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    theta = np.asarray(theta, dtype=float)
    if theta.shape[-1] != 4 * hidden + 1:
        raise ValueError(f"a 2-{hidden}-1 network has {4 * hidden + 1} parameters, got {theta.shape[-1]}")
    W1 = theta[..., : 2 * hidden].reshape(theta.shape[:-1] + (2, hidden))
    b1 = theta[..., 2 * hidden: 3 * hidden]
    W2 = theta[..., 3 * hidden: 4 * hidden]
    return W1, b1, W2, theta[..., 4 * hidden]


def xor_net_loss(theta: np.ndarray, hidden: int = 2) -> np.ndarray:
    """Mean binary cross-entropy on XOR of the 2-``hidden``-1 network ``sigmoid(tanh(x W1 + b1) . w2 + b2)``.

    ``theta`` packs ``W1`` (2 x hidden, row by row), ``b1``, ``w2`` and ``b2`` into
    ``4 hidden + 1`` numbers; a stack of them (shape ``(..., 4 hidden + 1)``) gives one
    loss each. Computed from the logits, so it never overflows. Defined in 03_training.
    """
    W1, b1, W2, b2 = _xor_unpack(theta, hidden)
    h = np.tanh(np.einsum("nd,...dh->...nh", XOR_X, W1) + b1[..., None, :])
    logit = np.einsum("...nh,...h->...n", h, W2) + b2[..., None]
    return np.mean(np.logaddexp(0.0, logit) - XOR_Y * logit, axis=-1)


@dataclass(frozen=True)
class Restarts:
    """Final losses and parameters of many training runs of one network from different random starts."""

    hidden: int
    losses: np.ndarray
    params: np.ndarray


def xor_restarts(runs: int, hidden: int = 2, *, lr: float = 0.5, steps: int = 3000, seed: int = 0) -> Restarts:
    """Train ``runs`` copies of the XOR network of :func:`xor_net_loss` by full-batch gradient descent.

    Each copy starts from its own weights ``N(0, 1)`` (biases 0); all copies train at
    once, ``steps`` steps of size ``lr``, with the gradient by backpropagation.
    Defined in 03_training.
    """
    if runs < 1 or hidden < 1 or steps < 0:
        raise ValueError("runs and hidden must be >= 1, steps >= 0")
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((runs, 2, hidden))
    b1 = np.zeros((runs, hidden))
    W2 = rng.standard_normal((runs, hidden))
    b2 = np.zeros(runs)
    n = len(XOR_Y)
    for _ in range(int(steps)):
        h = np.tanh(np.einsum("nd,sdh->snh", XOR_X, W1) + b1[:, None, :])
        p = sigmoid(np.einsum("snh,sh->sn", h, W2) + b2[:, None])
        g = (p - XOR_Y) / n                                  # dL/dlogit of the mean cross-entropy
        g_z = g[:, :, None] * W2[:, None, :] * (1.0 - h**2)  # back through w2 and tanh
        W2 = W2 - lr * np.einsum("snh,sn->sh", h, g)
        b2 = b2 - lr * g.sum(axis=1)
        W1 = W1 - lr * np.einsum("nd,snh->sdh", XOR_X, g_z)
        b1 = b1 - lr * g_z.sum(axis=1)
    params = np.concatenate([W1.reshape(runs, -1), b1, W2, b2[:, None]], axis=1)
    return Restarts(hidden, xor_net_loss(params, hidden), params)


def swap_hidden_units(theta: np.ndarray, order: Sequence[int], hidden: int = 2) -> np.ndarray:
    """The same XOR network with its hidden units renumbered (``order`` is a permutation): the same function.

    Defined in 03_training.
    """
    order = [int(k) for k in order]
    if sorted(order) != list(range(hidden)):
        raise ValueError(f"order must be a permutation of 0..{hidden - 1}, got {order}")
    W1, b1, W2, b2 = _xor_unpack(theta, hidden)
    return np.concatenate([W1[..., order].reshape(W1.shape[:-2] + (-1,)), b1[..., order], W2[..., order],
                           np.asarray(b2)[..., None]], axis=-1)


# ------------------------------------------------------------------- science case

#: The inputs of the sky-survey networks: four colours and the r magnitude.
SKY_FEATURES = ("u-g", "g-r", "r-i", "i-z", "r")


@dataclass(frozen=True)
class SkyTable:
    """Network-ready columns of a sky catalogue: features, class index and redshift. Defined in 03_training."""

    X: np.ndarray  # (n, 5) float32: u-g, g-r, r-i, i-z, r
    labels: np.ndarray  # (n,) int: index into class_names
    redshift: np.ndarray  # (n,) float32
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...] = SKY_FEATURES


def sky_table(df: Any, class_names: Sequence[str] = ("STAR", "GALAXY", "QSO")) -> SkyTable:
    """Colours, r magnitude, class index and redshift from a :func:`course.data.sky_catalog` frame.

    Colours (differences of magnitudes) rather than magnitudes: they measure the
    shape of the spectrum whatever the object's distance and brightness.
    Defined in 03_training.
    """
    u, g, r, i, z = (np.asarray(df[b], dtype=float) for b in "ugriz")
    X = np.column_stack([u - g, g - r, r - i, i - z, r]).astype(np.float32)
    lookup = {name: k for k, name in enumerate(class_names)}
    labels = np.array([lookup[c] for c in np.asarray(df["cls"])], dtype=np.int64)
    return SkyTable(X, labels, np.asarray(df["redshift"], dtype=np.float32), tuple(class_names))


def standardize(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Scale every column to mean 0 and standard deviation 1 *using the training set's statistics*.

    Returns ``[train_scaled, *others_scaled]`` (same dtype as given). Features on
    one scale keep the loss surface round instead of a long valley (section 6 of
    the lecture). Defined in 03_training.
    """
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return [((a - mean) / std).astype(a.dtype) for a in (train, *others)]


def plot_photoz(
    z_true: np.ndarray,
    z_pred: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    ax: Axes | None = None,
) -> Axes:
    """Predicted against true redshift, coloured by class, with the line ``z_pred = z_true``.

    Defined in 03_training.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.8, 4.4))
    z_true, z_pred = np.asarray(z_true, dtype=float).reshape(-1), np.asarray(z_pred, dtype=float).reshape(-1)
    for k, name in enumerate(class_names):
        m = np.asarray(labels) == k
        ax.scatter(z_true[m], z_pred[m], s=5, alpha=0.5, label=name)
    top = float(max(z_true.max(), z_pred.max(), 0.5)) * 1.05
    ax.plot([0, top], [0, top], color="k", lw=1, label="perfect")
    ax.set_xlim(-0.05 * top, top)
    ax.set_ylim(-0.05 * top, top)
    ax.set_xlabel("true redshift")
    ax.set_ylabel("predicted redshift")
    ax.legend(fontsize=8, markerscale=2)
    return ax

