"""Activation function explorer: each function beside its derivative, with the saturation regions shaded.

A unit *saturates* where its derivative is so small that backpropagation
passes almost no gradient through it; we call ``|f'(x)| < threshold`` (0.05
by default, a slider in the widget) a saturation region. Sigmoid and tanh
saturate on both sides, ReLU on the whole negative side, leaky ReLU and ELU
only if their slope there (``alpha``) is below the threshold.

Conventions follow TensorFlow / Keras so the numbers match ``tf.nn`` and
``keras.activations``: leaky ReLU is ``x`` for ``x > 0`` and ``alpha * x``
otherwise (``tf.nn.leaky_relu(x, alpha)``, ``keras.activations.leaky_relu(x,
negative_slope)``, default 0.2); ELU is ``x`` for ``x > 0`` and
``alpha * (exp(x) - 1)`` otherwise (``keras.activations.elu(x, alpha)``,
default 1.0). At the kink ``x = 0`` the derivative is the left-hand one, as
TensorFlow's gradients are (ReLU: 0, leaky ReLU and ELU: ``alpha``).

``alpha`` must be >= 0: a negative slope makes leaky ReLU and ELU
non-monotone (leaky ReLU with alpha = -1 is ``|x|``), which is not what these
functions are for; alpha = 0 turns both into ReLU.

Defined in 02_neural_networks.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.ticker import MaxNLocator

from course.widgets._base import BlittedFigureWidget

__all__ = [
    "ACTIVATIONS",
    "LABELS",
    "DEFAULT_ALPHA",
    "DEFAULT_THRESHOLD",
    "activation",
    "derivative",
    "saturation_regions",
    "make_activation_explorer",
    "ActivationExplorer",
]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus", "leaky_relu", "elu", "linear")
LABELS = {
    "sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "softplus": "softplus",
    "leaky_relu": "leaky ReLU", "elu": "ELU", "linear": "linear",
}
DEFAULT_ALPHA = {"leaky_relu": 0.2, "elu": 1.0}
DEFAULT_THRESHOLD = 0.05
COLORS = {
    "sigmoid": "#0072B2", "tanh": "#D55E00", "relu": "#009E73", "softplus": "#CC79A7",
    "leaky_relu": "#E69F00", "elu": "#56B4E9", "linear": "#000000",
}


def _check_name(name: str) -> None:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: choose one of {', '.join(ACTIVATIONS)}")


def _alpha(name: str, alpha: float | None) -> float:
    """The alpha a function uses (its default when None); negative or NaN alpha is refused."""
    if name not in DEFAULT_ALPHA:
        return 0.0
    if alpha is None:
        return DEFAULT_ALPHA[name]
    alpha = float(alpha)
    if not math.isfinite(alpha) or alpha < 0:
        raise ValueError(
            f"alpha = {alpha:g} is not allowed for {LABELS[name]}: alpha must be >= 0 "
            "(a negative slope makes the function non-monotone; alpha = 0 gives ReLU)"
        )
    return alpha


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp of a non-positive number only: no overflow for large |x|.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def activation(name: str, x: np.ndarray | float, alpha: float | None = None) -> np.ndarray:
    """``f(x)`` for one of :data:`ACTIVATIONS`, elementwise, as ``tf.nn`` / ``keras.activations`` compute it.

    ``alpha`` is the negative-side slope of leaky ReLU (default 0.2) or the
    scale of ELU (default 1.0); other functions ignore it. Defined in 02_neural_networks.
    """
    _check_name(name)
    a = _alpha(name, alpha)
    x = np.asarray(x, dtype=float)
    if name == "sigmoid":
        return _sigmoid(x)
    if name == "tanh":
        return np.tanh(x)
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "softplus":
        return np.logaddexp(0.0, x)
    if name == "leaky_relu":
        return np.where(x > 0, x, a * x)
    if name == "elu":
        return np.where(x > 0, x, a * np.expm1(np.minimum(x, 0.0)))
    return x.copy()  # linear


def derivative(name: str, x: np.ndarray | float, alpha: float | None = None) -> np.ndarray:
    """``f'(x)`` for one of :data:`ACTIVATIONS`; at the kink x = 0 the left-hand value, as TensorFlow's gradient.

    Defined in 02_neural_networks.
    """
    _check_name(name)
    a = _alpha(name, alpha)
    x = np.asarray(x, dtype=float)
    if name == "sigmoid":
        s = _sigmoid(x)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(x) ** 2
    if name == "relu":
        return np.where(x > 0, 1.0, 0.0)
    if name == "softplus":
        return _sigmoid(x)
    if name == "leaky_relu":
        return np.where(x > 0, 1.0, a)
    if name == "elu":
        return np.where(x > 0, 1.0, a * np.exp(np.minimum(x, 0.0)))
    return np.ones_like(x)  # linear


def _check_range(x_range: tuple[float, float]) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise ValueError(f"the input range must be two numbers (lo, hi), got {x_range!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"the input range must be finite, got ({lo:g}, {hi:g})")
    if hi <= lo:
        raise ValueError(f"the input range ({lo:g}, {hi:g}) is empty: move the handles apart so that lo < hi")
    return lo, hi


def _raw_regions(name: str, a: float, t: float) -> list[tuple[float, float]]:
    """Where ``|f'(x)| < t`` on the whole real line (endpoints may be infinite)."""
    inf = math.inf
    if name == "sigmoid":  # s(1 - s) < t, largest value 1/4 at x = 0
        if t > 0.25:
            return [(-inf, inf)]
        s = (1.0 + math.sqrt(1.0 - 4.0 * t)) / 2.0
        c = math.log(s / (1.0 - s)) if s < 1.0 else inf
        return [(-inf, -c), (c, inf)]
    if name == "tanh":  # 1 - tanh^2 < t  <=>  |tanh x| > sqrt(1 - t)
        if t > 1.0:
            return [(-inf, inf)]
        r = math.sqrt(1.0 - t)
        c = math.atanh(r) if r < 1.0 else inf
        return [(-inf, -c), (c, inf)]
    if name == "softplus":  # sigmoid(x) < t
        if t >= 1.0:
            return [(-inf, inf)]
        return [(-inf, math.log(t / (1.0 - t)))]
    if name == "linear":
        return [(-inf, inf)] if t > 1.0 else []
    regions = []
    if name == "relu" or (name == "leaky_relu" and a < t):
        regions.append((-inf, 0.0))
    if name == "elu":
        edge = 0.0 if a == 0 or a < t else math.log(t / a)  # a * exp(x) < t for x <= 0
        regions.append((-inf, min(0.0, edge)))
    if t > 1.0:
        regions.append((0.0, inf))
    return regions


def saturation_regions(
    name: str, x_range: tuple[float, float], alpha: float | None = None, threshold: float = DEFAULT_THRESHOLD
) -> list[tuple[float, float]]:
    """The intervals of ``x_range`` where the gradient vanishes, ``|f'(x)| < threshold``, sorted and merged.

    Computed in closed form (e.g. sigmoid: ``|x| > log(s / (1 - s))`` with
    ``s = (1 + sqrt(1 - 4 threshold)) / 2``), so the shading has exact edges.
    Defined in 02_neural_networks.
    """
    _check_name(name)
    a = _alpha(name, alpha)
    lo, hi = _check_range(x_range)
    t = float(threshold)
    if not math.isfinite(t) or t <= 0:
        raise ValueError(f"the saturation threshold must be a positive number, got {threshold!r}")
    clipped = sorted((max(lo, a_), min(hi, b_)) for a_, b_ in _raw_regions(name, a, t))
    merged: list[tuple[float, float]] = []
    for a_, b_ in clipped:
        if b_ <= a_:
            continue
        if merged and a_ <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b_))
        else:
            merged.append((a_, b_))
    return [(float(a_), float(b_)) for a_, b_ in merged]


def _describe(regions: list[tuple[float, float]], x_range: tuple[float, float]) -> str:
    lo, hi = x_range
    parts = []
    for a, b in regions:
        if a <= lo and b >= hi:
            return "everywhere"
        if a <= lo:
            parts.append(f"x < {b:.2f}")
        elif b >= hi:
            parts.append(f"x > {a:.2f}")
        else:
            parts.append(f"{a:.2f} < x < {b:.2f}")
    return " or ".join(parts) if parts else "nowhere"


def _nice_limits(lo: float, hi: float) -> tuple[float, float]:
    """Axis limits padded and snapped outward to a coarse grid, so small slider moves keep them (and the cached
    background of ticks and labels) unchanged."""
    span = hi - lo or 1.0
    step = 10.0 ** math.floor(math.log10(span)) / 5.0
    return (math.floor((lo - 0.05 * span) / step) * step, math.ceil((hi + 0.05 * span) / step) * step)


class ActivationExplorer(BlittedFigureWidget):
    """Functions (left) and derivatives (right), saturation regions shaded. Defined in 02_neural_networks."""

    title = "Activation function explorer"
    lets_you = "pick the activation functions, their α parameters and the x range, and mark where the slope falls below a threshold"
    n_points = 401

    def __init__(self, functions: tuple[str, ...] = ("sigmoid", "tanh", "relu")) -> None:
        for name in functions:
            _check_name(name)
        controls = {
            "functions": widgets.SelectMultiple(
                options=[(LABELS[n], n) for n in ACTIVATIONS], value=tuple(functions), rows=len(ACTIVATIONS),
                description="functions", layout=widgets.Layout(width="230px"),
            ),
            "leaky_alpha": widgets.FloatSlider(value=DEFAULT_ALPHA["leaky_relu"], min=0.0, max=1.0, step=0.01,
                                               description="leaky α"),
            "elu_alpha": widgets.FloatSlider(value=DEFAULT_ALPHA["elu"], min=0.0, max=3.0, step=0.05,
                                             description="ELU α"),
            "x_range": widgets.FloatRangeSlider(value=(-6.0, 6.0), min=-10.0, max=10.0, step=0.5,
                                                description="x range"),
            "threshold": widgets.FloatSlider(value=DEFAULT_THRESHOLD, min=0.005, max=0.3, step=0.005,
                                             description="|f′| <", readout_format=".3f"),
        }
        sliders = widgets.VBox([controls[k] for k in ("leaky_alpha", "elu_alpha", "x_range", "threshold")])
        super().__init__(controls, figsize=(9.5, 3.4), layout_rows=[["functions"]])
        # the functions list beside the sliders (the base put each row in an HBox)
        self.children = (widgets.HBox([controls["functions"], sliders]), *self.children[1:])
        self._enable_alphas()

    def _enable_alphas(self) -> None:
        """An alpha slider is greyed out while its function is not shown."""
        shown = self.controls["functions"].value
        self.controls["leaky_alpha"].disabled = "leaky_relu" not in shown
        self.controls["elu_alpha"].disabled = "elu" not in shown

    def _on_change(self, change: dict) -> None:
        if change.get("owner") is self.controls["functions"]:
            self._enable_alphas()
        self.refresh()

    def _setup_figure(self) -> None:
        self.ax_f, self.ax_d = self.fig.subplots(1, 2)
        self.fig.subplots_adjust(left=0.075, right=0.99, bottom=0.13, top=0.86, wspace=0.22)
        self.ax_f.set_ylabel("f(x)")
        self.ax_d.set_ylabel("f′(x)")
        self.lines: dict[str, dict[str, Any]] = {}
        shades, curves = [], []
        for name in ACTIVATIONS:
            entry = {}
            for key, ax in (("f", self.ax_f), ("d", self.ax_d)):
                (entry[key],) = ax.plot([], [], color=COLORS[name], lw=2, label=LABELS[name])
                shade = PolyCollection([], facecolors=COLORS[name], alpha=0.13, edgecolors="none",
                                       transform=ax.get_xaxis_transform())
                ax.add_collection(shade)
                entry["shade_" + key] = shade
                shades.append(shade)
                curves.append(entry[key])
            self.lines[name] = entry
        for ax in (self.ax_f, self.ax_d):
            ax.axhline(0, color="0.6", lw=0.8)
            ax.axvline(0, color="0.6", lw=0.8)
            ax.xaxis.set_major_locator(MaxNLocator(5))
            ax.yaxis.set_major_locator(MaxNLocator(5))
            ax.set_xlabel("x", labelpad=1)
        self.threshold_line = self.ax_d.axhline(0, color="0.3", lw=0.8, ls="--")
        self.legend = None
        self._set_animated([*shades, self.threshold_line, *curves])

    def _compute(self, functions: tuple[str, ...], leaky_alpha: float, elu_alpha: float,
                 x_range: tuple[float, float], threshold: float) -> dict[str, Any]:
        if not functions:
            raise ValueError("choose at least one function (Ctrl/Cmd-click to select several)")
        lo, hi = _check_range(x_range)
        x = np.linspace(lo, hi, self.n_points)
        alphas = {"leaky_relu": leaky_alpha, "elu": elu_alpha}
        values, derivs, regions, alpha_used = {}, {}, {}, {}
        for name in functions:
            alpha = alphas.get(name)
            values[name] = activation(name, x, alpha)
            derivs[name] = derivative(name, x, alpha)
            regions[name] = saturation_regions(name, (lo, hi), alpha, threshold)
            alpha_used[name] = alpha
        status = f"Saturated (|f′(x)| < {threshold:g}, shaded): " + " · ".join(
            f"{LABELS[n]}: {_describe(regions[n], (lo, hi))}" for n in functions)
        f_all = np.concatenate(list(values.values()))
        d_all = np.concatenate(list(derivs.values()))
        ylim_f = _nice_limits(min(float(f_all.min()), 0.0), max(float(f_all.max()), 1.0))
        ylim_d = _nice_limits(min(float(d_all.min()), 0.0), max(float(d_all.max()), 1.0))
        return {"x": x, "functions": tuple(functions), "values": values, "derivatives": derivs,
                "saturation": regions, "alpha": alpha_used, "threshold": float(threshold),
                "x_range": (lo, hi), "ylim_f": ylim_f, "ylim_d": ylim_d, "status": status}

    def _draw(self, data: dict[str, Any]) -> None:
        x, shown = data["x"], data["functions"]
        for name, entry in self.lines.items():
            visible = name in shown
            for key in ("f", "d"):
                entry[key].set_visible(visible)
                entry["shade_" + key].set_visible(visible)
            if not visible:
                continue
            entry["f"].set_data(x, data["values"][name])
            entry["d"].set_data(x, data["derivatives"][name])
            boxes = [[(a, 0.0), (b, 0.0), (b, 1.0), (a, 1.0)] for a, b in data["saturation"][name]]
            entry["shade_f"].set_verts(boxes)
            entry["shade_d"].set_verts(boxes)
        t = data["threshold"]
        self.threshold_line.set_ydata([t, t])
        if self._static_changed((shown, data["x_range"], data["ylim_f"], data["ylim_d"])):
            for ax in (self.ax_f, self.ax_d):
                ax.set_xlim(*data["x_range"])
            self.ax_f.set_ylim(*data["ylim_f"])
            self.ax_d.set_ylim(*data["ylim_d"])
            if self.legend is not None:
                self.legend.remove()
            self.legend = self.fig.legend(handles=[self.lines[n]["f"] for n in shown], loc="upper center",
                                          ncol=len(shown), fontsize=9, frameon=False)


def make_activation_explorer(functions: tuple[str, ...] = ("sigmoid", "tanh", "relu")) -> ActivationExplorer:
    """The activation function explorer, showing ``functions`` at first. Defined in 02_neural_networks."""
    return ActivationExplorer(functions)
