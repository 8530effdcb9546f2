"""Helpers for the neural-networks lecture: XOR data, network diagrams, parameter counts, figures.

The lecture builds multilayer perceptrons by hand (NumPy) and in Keras; these
helpers draw what it talks about (a network as nodes and edges, the output of
one unit over the plane, the lines a hidden layer draws, the activation
functions beside their derivatives), count parameters, give the exact ReLU
network behind the universal approximation argument, and turn the sky
catalogue into features for the science case.

Weights use Keras's layout throughout: a dense layer maps a batch ``X`` of
shape ``(n, n_in)`` to ``X @ W + b`` with ``W`` of shape ``(n_in, n_out)`` and
``b`` of shape ``(n_out,)``, which is what ``model.get_weights()`` returns.

Importing this module does not import TensorFlow; only :func:`build_mlp` and
:func:`layer_table` touch Keras.

Defined in 02_neural_networks.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course import plotting
from course.data import SKY_CLASSES

__all__ = [
    "xor_data",
    "xor_boxes",
    "step",
    "parameter_count",
    "parameter_table",
    "layer_table",
    "build_mlp",
    "draw_network",
    "plot_activation_gallery",
    "plot_unit_output",
    "plot_hidden_lines",
    "relu_interpolation",
    "planck",
    "SKY_FEATURES",
    "sky_features",
]


# --------------------------------------------------------------------------- XOR


def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR examples: ``X`` of shape ``(4, 2)`` (floats) and labels ``y`` in {0, 1}.

    Rows in the order (0,0), (0,1), (1,0), (1,1); ``y = [0, 1, 1, 0]``.
    Defined in 02_neural_networks.
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    return X, y


def xor_boxes(n_per_corner: int, half_width: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points drawn uniformly in squares of half-width ``half_width`` around the XOR corners.

    Each point carries the XOR label of its corner, so a network that solves XOR
    *robustly* (not only on the four exact corners) classifies all of them
    correctly. Returns ``X`` of shape ``(4 * n_per_corner, 2)`` and ``y`` in {0, 1},
    corners in :func:`xor_data` order. Defined in 02_neural_networks.
    """
    if n_per_corner < 0 or half_width < 0:
        raise ValueError("n_per_corner and half_width must be >= 0")
    corners, labels = xor_data()
    rng = np.random.default_rng(seed)
    offsets = rng.uniform(-half_width, half_width, size=(4, n_per_corner, 2))
    X = (corners[:, None, :] + offsets).reshape(-1, 2)
    y = np.repeat(labels, n_per_corner)
    return X, y


def step(z: np.ndarray | float) -> np.ndarray:
    """Heaviside step as the perceptron uses it: 1.0 where ``z >= 0``, else 0.0.

    A score of exactly 0 counts as the positive class, the same convention as
    lecture 01's perceptron (``course.fundamentals``: a point on the line is +1),
    written with labels 0/1 instead of -1/+1.
    Defined in 02_neural_networks (the hand-made XOR network).
    """
    return np.where(np.asarray(z, dtype=float) >= 0, 1.0, 0.0)


# ------------------------------------------------------------------- parameters


def _check_sizes(layer_sizes: Sequence[int]) -> list[int]:
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"need at least an input and an output size, all >= 1; got {list(layer_sizes)}")
    return sizes


def parameter_count(layer_sizes: Sequence[int]) -> int:
    """Weights plus biases of a fully connected network: the sum of ``(n_in + 1) * n_out``.

    ``layer_sizes`` lists the input size, the hidden sizes and the output size,
    e.g. ``[784, 128, 10]``. Defined in 02_neural_networks.
    """
    sizes = _check_sizes(layer_sizes)
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def parameter_table(layer_sizes: Sequence[int]) -> pd.DataFrame:
    """One row per dense layer: its shape, weights, biases and parameters, plus a total row.

    Defined in 02_neural_networks.
    """
    sizes = _check_sizes(layer_sizes)
    rows = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        name = "output" if k == len(sizes) - 1 else f"hidden {k}"
        rows.append({"layer": name, "W shape": f"{n_in} x {n_out}", "weights": n_in * n_out,
                     "biases": n_out, "parameters": (n_in + 1) * n_out})
    rows.append({"layer": "total", "W shape": "", "weights": sum(r["weights"] for r in rows),
                 "biases": sum(r["biases"] for r in rows), "parameters": parameter_count(sizes)})
    return pd.DataFrame(rows).set_index("layer")


def layer_table(model: Any) -> pd.DataFrame:
    """A Keras model's layers as a table: name, type, output units, activation, weight shapes, parameters.

    A stable, plain stand-in for ``model.summary()`` (whose layout depends on
    the terminal width). Defined in 02_neural_networks.
    """
    rows = []
    for layer in model.layers:
        weights = layer.get_weights()
        activation = getattr(layer, "activation", None)
        rows.append({
            "layer": layer.name,
            "type": type(layer).__name__,
            "units": getattr(layer, "units", ""),
            "activation": getattr(activation, "__name__", "") if activation is not None else "",
            "weight shapes": ", ".join(str(tuple(int(n) for n in w.shape)) for w in weights),
            "parameters": int(sum(w.size for w in weights)),
        })
    table = pd.DataFrame(rows).set_index("layer")
    return table


def build_mlp(
    n_inputs: int,
    hidden: Sequence[int],
    n_outputs: int,
    *,
    activation: str = "relu",
    output_activation: str | None = None,
    name: str = "mlp",
    dtype: str | None = None,
) -> Any:
    """A Keras ``Sequential`` multilayer perceptron with named layers.

    Layers are ``hidden_1, hidden_2, ...`` (``activation``) and ``output``
    (``output_activation``, None = linear). The output layer computes in
    float32 even under a mixed-precision policy, so a softmax or sigmoid stays
    numerically safe; ``dtype="float32"`` makes every layer do so (for exact
    comparisons). Weights are drawn from Keras's seeded initialisers.
    Defined in 02_neural_networks.
    """
    import keras

    layers: list[Any] = [keras.Input(shape=(int(n_inputs),), name="inputs")]
    for k, units in enumerate(hidden, start=1):
        layers.append(keras.layers.Dense(int(units), activation=activation, name=f"hidden_{k}", dtype=dtype))
    layers.append(keras.layers.Dense(int(n_outputs), activation=output_activation, name="output", dtype="float32"))
    return keras.Sequential(layers, name=name)


# ------------------------------------------------------------------------ figures


def _layer_layout(n: int, max_nodes: int, spacing: float) -> tuple[np.ndarray, list[int], float | None]:
    """Node heights, the unit index of each drawn node, and where a "⋮" goes (None: all drawn)."""
    if n <= max_nodes:
        ys = spacing * ((n - 1) / 2 - np.arange(n))
        return ys, list(range(n)), None
    slots = spacing * ((max_nodes - 1) / 2 - np.arange(max_nodes))  # one slot is the gap
    ys = np.concatenate([slots[: max_nodes - 2], slots[-1:]])
    return ys, list(range(max_nodes - 2)) + [n - 1], float(slots[-2])


def draw_network(
    layer_sizes: Sequence[int],
    ax: Axes | None = None,
    *,
    weights: Sequence[np.ndarray] | None = None,
    show_bias: bool = True,
    layer_names: Sequence[str] | None = None,
    max_nodes: int = 8,
    title: str | None = None,
) -> Axes:
    """Draw a fully connected network as columns of nodes joined by every possible edge.

    ``weights`` (optional) are the kernels ``W_k`` of shape ``(n_in, n_out)``:
    edges are then coloured by sign (blue positive, red negative) and drawn as
    thick as ``|w|``, and a zero weight is left out. ``show_bias`` adds a "+1" node
    under each non-output layer, whose edges are the biases. A layer larger than
    ``max_nodes`` shows its first ``max_nodes - 2`` nodes, a "⋮" and its last node.
    The title defaults to the parameter count. Returns the Axes; ``ax.lines`` are
    the edges and ``ax.collections[0]`` the nodes. Defined in 02_neural_networks.
    """
    sizes = _check_sizes(layer_sizes)
    if weights is not None:
        if len(weights) != len(sizes) - 1:
            raise ValueError(f"need {len(sizes) - 1} weight matrices, got {len(weights)}")
        for k, W in enumerate(weights):
            if np.shape(W) != (sizes[k], sizes[k + 1]):
                raise ValueError(f"weights[{k}] must have shape {(sizes[k], sizes[k + 1])}, got {np.shape(W)}")
    ax = plotting.new_axes(ax, figsize=(1.8 * len(sizes) + 1.0, 3.5))
    scale = max(float(np.max(np.abs(W))) for W in weights) if weights is not None else 1.0
    scale = scale or 1.0
    shown = max(min(n, max_nodes) for n in sizes)
    spacing = min(0.5, 1.0 / max(shown - 1, 1))
    size = 380.0 if spacing >= 0.2 else 380.0 * (spacing / 0.2) ** 2
    columns: list[tuple[np.ndarray, list[int], float | None]] = [
        _layer_layout(n, max_nodes, spacing) for n in sizes]
    bottom = min(float(ys.min()) for ys, _, _ in columns)
    top = max(float(ys.max()) for ys, _, _ in columns)
    bias_y = bottom - max(spacing, 0.25)
    for k in range(len(sizes) - 1):
        (y_in, idx_in, _), (y_out, idx_out, _) = columns[k], columns[k + 1]
        sources = [(y, i) for y, i in zip(y_in, idx_in)]
        if show_bias:
            sources.append((bias_y, None))
        for ys, i in sources:
            for yt, j in zip(y_out, idx_out):
                if weights is None or i is None:
                    color, width = "0.55", 0.8
                else:
                    w = float(weights[k][i, j])
                    if w == 0:
                        continue
                    color = "#0072B2" if w > 0 else "#D55E00"
                    width = 0.5 + 3.0 * abs(w) / scale
                style = ":" if i is None else "-"
                ax.plot([k, k + 1], [ys, yt], color=color, linewidth=width, linestyle=style, zorder=1)
    xs, ys_all = [], []
    for k, (ys, _, _) in enumerate(columns):
        xs += [k] * len(ys)
        ys_all += list(ys)
    ax.scatter(xs, ys_all, s=size, color="white", edgecolors="k", linewidths=1.3, zorder=3)
    for k, (_, _, gap) in enumerate(columns):
        if gap is not None:
            ax.text(k, gap, "⋮", ha="center", va="center", fontsize=14, zorder=4)
        if show_bias and k < len(sizes) - 1:
            ax.scatter([k], [bias_y], s=260, marker="s", color="0.92", edgecolors="0.4", zorder=3)
            ax.text(k, bias_y, "+1", ha="center", va="center", fontsize=8, zorder=4)
    names = list(layer_names) if layer_names is not None else (
        ["input"] + [f"hidden {k}" for k in range(1, len(sizes) - 1)] + ["output"])
    for k, (name, n) in enumerate(zip(names, sizes)):
        ax.text(k, top + 0.18, f"{name}\n({n})", ha="center", va="bottom", fontsize=9)
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim((bias_y if show_bias else bottom) - 0.2, top + 0.45)
    ax.set_axis_off()
    ax.set_title(title if title is not None else f"{parameter_count(sizes):,} parameters")
    return ax


def plot_activation_gallery(
    names: Sequence[str] = ("sigmoid", "tanh", "relu", "softplus", "leaky_relu", "elu"),
    x_range: tuple[float, float] = (-4.0, 4.0),
) -> Figure:
    """One panel per activation function: ``f`` (solid) and its derivative ``f'`` (dashed).

    Uses the reference functions of :mod:`course.widgets.activations` (the
    defaults of ``keras.activations``: leaky ReLU slope 0.2, ELU alpha 1; the
    ``keras.layers.LeakyReLU`` layer defaults to a slope of 0.3). Returns the Figure; each
    Axes has two lines, f then f'. Defined in 02_neural_networks.
    """
    from course.widgets.activations import COLORS, LABELS, activation, derivative

    x = np.linspace(x_range[0], x_range[1], 401)
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.7 * rows), squeeze=False)
    for ax in axes.ravel()[len(names):]:
        ax.set_axis_off()
    for ax, name in zip(axes.ravel(), names):
        ax.axhline(0, color="0.7", linewidth=0.8)
        ax.axvline(0, color="0.7", linewidth=0.8)
        ax.plot(x, activation(name, x), color=COLORS[name], linewidth=2, label="f(x)")
        ax.plot(x, derivative(name, x), color=COLORS[name], linewidth=1.5, linestyle="--", label="f′(x)")
        ax.set_title(LABELS[name])
        ax.set_ylim(-1.6, 4.0 if name in ("relu", "softplus", "leaky_relu", "elu") else 1.6)
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_unit_output(
    f: Callable[[np.ndarray], np.ndarray],
    ax: Axes | None = None,
    *,
    limits: tuple[float, float, float, float] = (-0.5, 1.5, -0.5, 1.5),
    levels: Sequence[float] = (0.1, 0.3, 0.5, 0.7, 0.9),
    resolution: int = 150,
    title: str | None = None,
    cmap: str = "RdBu_r",
) -> Axes:
    """Shade the plane by the value of ``f`` (a network or one unit) and trace its level lines.

    ``f`` takes an ``(m, 2)`` array and returns ``m`` numbers (any shape that
    ravels to ``m``). The 0.5 level, where a classifier with threshold 0.5
    decides, is drawn thick. Returns the Axes (``ax.images[0]`` holds the values).
    Defined in 02_neural_networks.
    """
    ax = plotting.new_axes(ax)
    xs = np.linspace(limits[0], limits[1], resolution)
    ys = np.linspace(limits[2], limits[3], resolution)
    gx, gy = np.meshgrid(xs, ys)
    values = np.asarray(f(np.column_stack([gx.ravel(), gy.ravel()])), dtype=float).reshape(-1)
    if values.shape[0] != gx.size:
        raise ValueError(f"f returned {values.shape[0]} values for {gx.size} points")
    values = values.reshape(gx.shape)
    image = ax.imshow(values, origin="lower", extent=list(limits), cmap=cmap, vmin=0.0, vmax=1.0,
                      aspect="auto", interpolation="bilinear")
    levels = sorted(levels)
    if np.ptp(values) > 0:
        widths = [2.2 if lv == 0.5 else 0.8 for lv in levels]
        ax.contour(gx, gy, values, levels=levels, colors="k", linewidths=widths)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xlim(limits[0], limits[1])
    ax.set_ylim(limits[2], limits[3])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_hidden_lines(W1: np.ndarray, b1: np.ndarray, ax: Axes, **line_kwargs: Any) -> list:
    """Draw, for every hidden unit ``j``, the line ``X @ W1[:, j] + b1[j] = 0`` where it switches on.

    Only for two inputs (``W1`` of shape ``(2, m)``); units whose weights are
    both zero have no line and are skipped. Returns the Line2D objects.
    Defined in 02_neural_networks.
    """
    W1 = np.asarray(W1, dtype=float)
    b1 = np.asarray(b1, dtype=float).reshape(-1)
    if W1.ndim != 2 or W1.shape[0] != 2 or b1.shape != (W1.shape[1],):
        raise ValueError(f"W1 must be (2, m) and b1 (m,), got {W1.shape} and {b1.shape}")
    style = {"color": "0.25", "linewidth": 0.9, "linestyle": "--"}
    style.update(line_kwargs)
    lines = []
    for j in range(W1.shape[1]):
        if np.all(W1[:, j] == 0):
            continue
        lines.append(plotting.linear_boundary(W1[:, j], float(b1[j]), ax, **style))
    return lines


# ---------------------------------------------------------- universal approximation


def relu_interpolation(f: Callable[[np.ndarray], np.ndarray], knots: Sequence[float]) -> list[np.ndarray]:
    """Weights ``[W1, b1, W2, b2]`` of a 1-input ReLU network that joins ``f``'s values at ``knots`` by straight lines.

    With knots ``t_0 < t_1 < ... < t_n`` the network has ``n`` hidden units,
    unit ``k`` computing ``relu(x - t_k)``, and output
    ``f(t_0) + sum_k c_k relu(x - t_k)`` where ``c_k`` is the change of slope at
    ``t_k`` (``c_0`` the first slope). On ``[t_0, t_n]`` it equals the piecewise
    linear interpolant of ``f``; right of ``t_n`` it continues the last segment,
    left of ``t_0`` it is constant. Shapes follow Keras: ``W1 (1, n)``, ``b1 (n,)``,
    ``W2 (n, 1)``, ``b2 (1,)``. This is the constructive core of the universal
    approximation theorem for ReLU networks. Defined in 02_neural_networks.
    """
    t = np.asarray(knots, dtype=float)
    if t.ndim != 1 or len(t) < 2 or np.any(np.diff(t) <= 0):
        raise ValueError("knots must be at least two strictly increasing numbers")
    values = np.asarray(f(t), dtype=float).reshape(-1)
    slopes = np.diff(values) / np.diff(t)
    changes = np.diff(slopes, prepend=0.0)
    n = len(t) - 1
    return [np.ones((1, n)), -t[:-1].copy(), changes.reshape(n, 1), np.array([values[0]])]


def planck(wavelength_um: np.ndarray | float, temperature: float) -> np.ndarray:
    """A black body's spectrum B_lambda(T) against wavelength in micrometres, scaled to a peak of 1.

    ``B_lambda ~ lambda**-5 / (exp(hc / (lambda k T)) - 1)`` with
    ``hc / k = 14 387.77 um K``; the peak (Wien) is at ``2897.77 / T`` um. A
    smooth, strongly skewed target for the universal-approximation figure.
    Defined in 02_neural_networks.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0 K, got {temperature}")
    lam = np.asarray(wavelength_um, dtype=float)
    if np.any(lam <= 0):
        raise ValueError("wavelengths must be > 0")
    c2 = 14387.77  # second radiation constant hc/k in um K

    def shape(x: np.ndarray) -> np.ndarray:
        return x**-5 / np.expm1(c2 / (x * temperature))

    return shape(lam) / shape(np.asarray(2897.77 / temperature))


# ------------------------------------------------------------------- science case

#: Features :func:`sky_features` makes: four colours and one magnitude.
SKY_FEATURES = ("u-g", "g-r", "r-i", "i-z", "r")


def sky_features(catalog: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Colours ``u-g, g-r, r-i, i-z`` and the ``r`` magnitude of a sky catalogue, and class codes.

    Returns ``X`` of shape ``(n, 5)`` (columns :data:`SKY_FEATURES`) and ``y`` of
    shape ``(n,)`` with ``0, 1, 2`` for ``course.data.SKY_CLASSES`` = STAR, GALAXY, QSO.
    Colours are differences of magnitudes, i.e. flux ratios: they do not depend
    on distance, which is why photometric classifiers use them.
    Defined in 02_neural_networks.
    """
    mags = catalog[["u", "g", "r", "i", "z"]].to_numpy(dtype=float)
    X = np.column_stack([mags[:, :-1] - mags[:, 1:], mags[:, 2]])
    cls = catalog["cls"].to_numpy().astype(str)
    known = np.isin(cls, SKY_CLASSES)
    if not known.all():
        raise ValueError(f"unknown classes {sorted(set(cls[~known]))} in the catalogue; expected {SKY_CLASSES}")
    codes = np.searchsorted(np.array(SKY_CLASSES), cls, sorter=np.argsort(SKY_CLASSES))
    return X, np.argsort(SKY_CLASSES)[codes].astype(np.int64)
