"""Learning-rate descent demo: gradient descent, momentum and Adam on 1-D and 2-D losses, with a verdict.

The 1-D loss is the lecture's worked example: ``dL/dw = 4.5 w - 1.5``, so
``L(w) = 2.25 w^2 - 1.5 w + 0.25 = 2.25 (w - 1/3)^2`` (the constant is chosen
so that the minimum is 0). From ``w = 0.8`` with learning rate 0.1 the
iterates are 0.59, 0.4745, 0.410975, ... -> 1/3: each step multiplies the
distance to 1/3 by ``1 - 4.5 lr``, so ``4.5 lr < 1`` approaches monotonically,
``1 < 4.5 lr < 2`` overshoots back and forth while converging, ``4.5 lr > 2``
diverges.

The updates are exactly Keras's (so the notebook can compare them with
``keras.optimizers``): momentum ``v <- mu v - lr g; w <- w + v``; Adam
``m <- m + (1 - b1)(g - m)``, ``s <- s + (1 - b2)(g^2 - s)``,
``w <- w - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(s) + eps)`` (Keras puts
``eps`` outside the bias correction, the paper's "epsilon hat"). In the widget
the momentum slider is also Adam's ``beta1`` (both are the same running average
of the gradient); a new loss surface starts from its own start point.

The verdict ("too small", "stable", "oscillating", "diverging") follows the
rules written out in :func:`verdict`.

Defined in 03_training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from course.widgets._base import BlittedFigureWidget

__all__ = [
    "OPTIMIZERS",
    "VERDICTS",
    "VERDICT_TEXT",
    "SURFACES",
    "Surface",
    "quadratic_loss",
    "quadratic_grad",
    "bowl",
    "bowl_grad",
    "valley",
    "valley_grad",
    "wells",
    "wells_grad",
    "descend",
    "verdict",
    "make_descent_demo",
    "DescentDemo",
]

OPTIMIZERS = ("gd", "momentum", "adam")
VERDICTS = ("too small", "stable", "oscillating", "diverging")
VERDICT_TEXT = {
    "too small": "too small: after these steps it is still far from converged "
                 "(less than 90 % of the way); raise the learning rate or take more steps",
    "stable": "stable: it settles into the minimum",
    "oscillating": "oscillating: the step keeps reversing direction (it overshoots and swings back) "
                   "but the loss still comes down",
    "diverging": "diverging: the loss grows or does not come down (or blows up); lower the learning rate",
}
VERDICT_COLORS = {"too small": "#E69F00", "stable": "#009E73", "oscillating": "#0072B2", "diverging": "#D55E00"}

# The thresholds the verdict uses (see verdict()).
NEGLIGIBLE_STEP = 1e-9      # steps below this fraction of the largest step are rounding noise
CONVERGED_FRACTION = 0.9    # "too small" below this estimated fraction of the way to the minimum
REVERSALS = 3               # oscillating: at least this many direction reversals (or half of a short run)


# ----------------------------------------------------------------------------- losses


def quadratic_loss(w: np.ndarray | float) -> np.ndarray:
    """The lecture's 1-D loss ``L(w) = 2.25 w^2 - 1.5 w + 0.25``, minimum 0 at w = 1/3. Defined in 03_training."""
    w = np.asarray(w, dtype=float)
    return 2.25 * w**2 - 1.5 * w + 0.25


def quadratic_grad(w: np.ndarray | float) -> np.ndarray:
    """``dL/dw = 4.5 w - 1.5`` (the lecture's gradient). Defined in 03_training."""
    return 4.5 * np.asarray(w, dtype=float) - 1.5


def _xy(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p, dtype=float)
    if p.shape[-1:] != (2,):
        raise ValueError(f"a 2-D loss takes points of shape (..., 2), got shape {p.shape}")
    return p[..., 0], p[..., 1]


def bowl(p: np.ndarray) -> np.ndarray:
    """A convex bowl ``L(x, y) = x^2 + y^2`` (both curvatures 2: stable for lr < 1). Defined in 03_training."""
    x, y = _xy(p)
    return x**2 + y**2


def bowl_grad(p: np.ndarray) -> np.ndarray:
    """Gradient of :func:`bowl`, same shape as ``p``. Defined in 03_training."""
    x, y = _xy(p)
    return np.stack([2 * x, 2 * y], axis=-1)


VALLEY_STEEPNESS = 15.0


def valley(p: np.ndarray) -> np.ndarray:
    """An ill-conditioned valley along the diagonal: ``((x + y)^2 + 15 (x - y)^2) / 4``.

    Curvature 1 along the valley floor and 15 across it (condition number 15):
    plain gradient descent zig-zags across and crawls along. Defined in 03_training.
    """
    x, y = _xy(p)
    return ((x + y) ** 2 + VALLEY_STEEPNESS * (x - y) ** 2) / 4


def valley_grad(p: np.ndarray) -> np.ndarray:
    """Gradient of :func:`valley`. Defined in 03_training."""
    x, y = _xy(p)
    along, across = (x + y) / 2, VALLEY_STEEPNESS * (x - y) / 2
    return np.stack([along + across, along - across], axis=-1)


# (depth, centre, width) of three Gaussian wells on a shallow bowl: three minima of different depths.
WELLS = ((-1.3, (1.5, 1.2), 0.8), (-0.9, (-1.6, -0.9), 0.7), (-0.7, (1.0, -1.8), 0.6))
WELLS_BOWL = 0.06


def wells(p: np.ndarray) -> np.ndarray:
    """A loss with several local minima: a shallow bowl ``0.06 (x^2 + y^2)`` plus three Gaussian wells.

    Minima near (1.42, 1.13) (global, L = -1.09), (-1.50, -0.84) (L = -0.71) and
    (0.94, -1.69) (L = -0.46): where descent ends depends on the start and the
    optimizer. Defined in 03_training.
    """
    x, y = _xy(p)
    out = WELLS_BOWL * (x**2 + y**2)
    for depth, (cx, cy), width in WELLS:
        out = out + depth * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * width**2))
    return out


def wells_grad(p: np.ndarray) -> np.ndarray:
    """Gradient of :func:`wells`. Defined in 03_training."""
    x, y = _xy(p)
    gx, gy = 2 * WELLS_BOWL * x, 2 * WELLS_BOWL * y
    for depth, (cx, cy), width in WELLS:
        e = depth * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * width**2)) / width**2
        gx, gy = gx - e * (x - cx), gy - e * (y - cy)
    return np.stack([gx, gy], axis=-1)


@dataclass(frozen=True)
class Surface:
    """A loss to descend: its function, gradient, dimension, default start and known minimum."""

    label: str
    loss: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    dim: int
    start: tuple[float, float]
    minimum: tuple[float, ...]


SURFACES: dict[str, Surface] = {
    "quadratic": Surface("1-D: L(w) = 2.25w² − 1.5w + 0.25", quadratic_loss, quadratic_grad, 1, (0.8, 0.0), (1 / 3,)),
    "bowl": Surface("2-D: convex bowl", bowl, bowl_grad, 2, (-2.4, 1.6), (0.0, 0.0)),
    "valley": Surface("2-D: ill-conditioned valley", valley, valley_grad, 2, (-2.5, -1.0), (0.0, 0.0)),
    "wells": Surface("2-D: several local minima", wells, wells_grad, 2, (-2.4, 2.6), (1.416, 1.132)),
}


@lru_cache(maxsize=None)
def _min_loss(key: str) -> float:
    """The lowest loss of a surface (refined from its stored minimum with a few plain GD steps)."""
    s = SURFACES[key]
    start = s.minimum[0] if s.dim == 1 else np.array(s.minimum)
    return float(np.min(s.loss(descend(s.grad, start, 0.05, 2000)[-1])))


# -------------------------------------------------------------------------- optimizers


def _check_unit(name: str, value: float) -> float:
    value = float(value)
    if not (0.0 <= value < 1.0):
        raise ValueError(f"{name} must be in [0, 1), got {value:g}")
    return value


def descend(
    grad_fn: Callable[[np.ndarray], np.ndarray],
    w0: float | np.ndarray,
    lr: float,
    steps: int,
    optimizer: str = "gd",
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-7,
) -> np.ndarray:
    """The iterates ``w_0 .. w_steps`` of ``optimizer`` ("gd", "momentum" or "adam") from ``w0``.

    Returns an array of shape ``(steps + 1,) + shape(w0)``. Updates are Keras's
    (``SGD(learning_rate, momentum)``, ``Adam(learning_rate, beta_1, beta_2,
    epsilon)``). Once an iterate overflows the rest of the path is NaN.
    Defined in 03_training.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}: choose one of {', '.join(OPTIMIZERS)}")
    lr = float(lr)
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a positive number, got {lr:g}")
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
    steps = int(steps)
    momentum, beta1, beta2 = _check_unit("momentum", momentum), _check_unit("beta1", beta1), _check_unit("beta2", beta2)
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    w = np.array(w0, dtype=float)
    if not np.all(np.isfinite(w)):
        raise ValueError(f"the start point must be finite, got {w0!r}")
    path = np.full((steps + 1,) + w.shape, np.nan)
    path[0] = w
    v, m, s = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):
            g = np.asarray(grad_fn(w), dtype=float)
            if g.shape != w.shape:
                raise ValueError(f"the gradient has shape {g.shape}, the point {w.shape}")
            if optimizer == "gd":
                w = w - lr * g
            elif optimizer == "momentum":
                v = momentum * v - lr * g
                w = w + v
            else:
                t = k + 1
                m = m + (g - m) * (1 - beta1)
                s = s + (g * g - s) * (1 - beta2)
                w = w - lr * math.sqrt(1 - beta2**t) / (1 - beta1**t) * m / (np.sqrt(s) + eps)
            if not np.all(np.isfinite(w)):
                break
            path[k + 1] = w
    return path


# ----------------------------------------------------------------------------- verdict


def _progress(lengths: np.ndarray) -> float:
    """Estimated fraction of the way covered, if the step lengths keep shrinking at their recent rate.

    For a window of ``h`` steps, the rate per step ``q`` compares the largest of the
    last ``h`` step lengths (``B``, an envelope that rides over momentum's swings) with
    the largest of the ``h`` before; what is left is ``B`` carried forward to now plus
    the geometric tail, ``B q^h / (1 - q)`` (infinite when the steps are not shrinking).
    Only the steps from the largest one on are used (before it the run was still
    speeding up), and the estimate is the most pessimistic over windows h = 1, 2, 4,
    ... n // 2: short windows see a slow mode that took over late (a valley floor),
    long ones the envelope of a swing. For plain GD on a quadratic every window
    gives ``1 - r^n``.
    """
    total = float(lengths.sum())
    floor = NEGLIGIBLE_STEP * float(lengths.max())
    lengths = lengths[int(np.argmax(lengths)):]
    n = len(lengths)
    if n < 2:
        return 0.0 if lengths[-1] > floor else 1.0  # the last step is the largest: still speeding up
    windows = sorted({1, *(2**i for i in range(1, 16) if 2**i <= n // 2), max(1, n // 2)})
    worst = 1.0
    for h in windows:
        before, recent = float(lengths[n - 2 * h:n - h].max()), float(lengths[n - h:].max())
        if recent <= floor:
            continue  # converged to rounding noise
        q = recent / before if before > 0 else math.inf
        q = q ** (1.0 / h) if math.isfinite(q) else q
        if q >= 1.0:
            return 0.0
        remaining = recent * q**h / (1.0 - q)
        worst = min(worst, total / (total + remaining))
    return worst


def verdict(losses: np.ndarray, path: np.ndarray) -> str:
    """Judge a run in plain words: "diverging", "oscillating", "too small" or "stable" (checked in that order).

    With steps ``d_k = w_{k+1} - w_k`` (``n >= 2`` of them):

    - **diverging**: a loss or iterate is not finite, or the loss did not come down
      (last loss >= first, up to rounding, 1e-12 relative) although the point moved.
    - **oscillating**: the step reverses direction (``d_k . d_{k+1} < 0``) at least 3 times,
      or in at least half of the consecutive pairs of a short run; steps smaller than
      1e-9 of the largest one are rounding noise and not counted.
    - **too small**: less than 90 % of the way covered, estimating what is left from
      the recent shrink rate ``q`` of the step length (a geometric tail; infinite
      when the steps are not shrinking), see ``_progress``.
    - **stable**: otherwise.

    On the 1-D quadratic, GD with ``4.5 lr < 1`` is monotone (stable, or too small
    when ``(1 - 4.5 lr)^n > 0.1``), ``1 < 4.5 lr < 2`` oscillates, ``4.5 lr > 2`` diverges.
    Defined in 03_training.
    """
    losses = np.asarray(losses, dtype=float).reshape(-1)
    path = np.asarray(path, dtype=float)
    if len(path) != len(losses):
        raise ValueError(f"losses ({len(losses)}) and path ({len(path)}) must have one entry per iterate")
    if len(path) < 3:
        raise ValueError("the verdict needs at least 2 steps")
    path = path.reshape(len(path), -1)
    if not (np.all(np.isfinite(losses)) and np.all(np.isfinite(path))):
        return "diverging"
    d = np.diff(path, axis=0)
    lengths = np.linalg.norm(d, axis=1)
    if lengths.max() == 0.0:
        return "stable"  # started at a stationary point
    if losses[-1] >= losses[0] - 1e-12 * max(1.0, abs(losses[0])):
        return "diverging"
    significant = lengths > NEGLIGIBLE_STEP * lengths.max()
    pairs = significant[:-1] & significant[1:]
    n_pairs = int(pairs.sum())
    reversals = int(((np.einsum("ij,ij->i", d[:-1], d[1:]) < 0) & pairs).sum())
    if reversals >= 1 and reversals >= min(REVERSALS, math.ceil(n_pairs / 2)):
        return "oscillating"
    if _progress(lengths) < CONVERGED_FRACTION:
        return "too small"
    return "stable"


# ------------------------------------------------------------------------------ widget


def _loss_axis_top(highest: float) -> float:
    """Top of the log loss axis: a power of 1000 above ``highest``, so it changes rarely (and with it the
    cached background); the bottom is always GAP_FLOOR."""
    return 10.0 ** (3 * max(1, math.ceil(math.log10(max(highest, GAP_FLOOR)) / 3)))


GAP_FLOOR = 1e-12   # the loss plot shows L - L_min on a log axis; below this counts as converged
STEP_AXIS = (10, 20, 30, 50, 75, 100, 150, 200)  # loss-axis lengths: the axis changes only at these


def _step_axis(steps: int) -> int:
    return next((n for n in STEP_AXIS if n >= steps), steps)


class DescentDemo(BlittedFigureWidget):
    """Path on the loss (left), loss above the minimum per step (right), verdict on top. Defined in 03_training."""

    title = "Learning-rate descent demo"
    lets_you = "choose the loss surface, the optimizer, the learning rate, the momentum, the number of steps and the starting point"

    def __init__(self, surface: str = "quadratic") -> None:
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}: choose one of {', '.join(SURFACES)}")
        s = SURFACES[surface]
        self._syncing = False
        slider = dict(continuous_update=True, style={"description_width": "95px"})
        controls = {
            "surface": widgets.Dropdown(options=[(v.label, k) for k, v in SURFACES.items()], value=surface,
                                        description="loss", style={"description_width": "95px"},
                                        layout=widgets.Layout(width="340px")),
            "optimizer": widgets.ToggleButtons(options=[("GD", "gd"), ("momentum", "momentum"), ("Adam", "adam")],
                                               value="gd", description="optimizer",
                                               style={"button_width": "80px", "description_width": "70px"}),
            "lr": widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0.5, step=0.05, description="learning rate",
                                         readout_format=".3g", **slider),
            "steps": widgets.IntSlider(value=20, min=2, max=200, description="steps", **slider),
            "momentum": widgets.FloatSlider(value=0.9, min=0.0, max=0.99, step=0.01, description="momentum / β₁",
                                            disabled=True, **slider),
            "start_x": widgets.FloatSlider(value=s.start[0], min=-3, max=3, step=0.05, description="start w / x",
                                           **slider),
            "start_y": widgets.FloatSlider(value=s.start[1], min=-3, max=3, step=0.05, description="start y",
                                           disabled=s.dim == 1, **slider),
        }
        super().__init__(controls, figsize=(9.5, 3.8), layout_rows=[
            ["surface", "optimizer"], ["lr", "steps", "momentum"], ["start_x", "start_y"]])

    # keep the controls consistent: a new surface starts from its own start point
    def _on_change(self, change: dict) -> None:
        if self._syncing:
            return
        owner = change.get("owner")
        if owner is self.controls["surface"]:
            s = SURFACES[change["new"]]
            self._syncing = True
            try:
                self.controls["start_x"].value, self.controls["start_y"].value = s.start
            finally:
                self._syncing = False
            self.controls["start_y"].disabled = s.dim == 1
        if owner is self.controls["optimizer"]:
            self.controls["momentum"].disabled = change["new"] == "gd"
        self.refresh()

    def _setup_figure(self) -> None:
        self.ax_path, self.ax_loss = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.86, wspace=0.25)
        w = np.linspace(-3.6, 3.6, 400)
        (self.curve,) = self.ax_path.plot(w, quadratic_loss(w), color="0.5", lw=1.5)
        self.ax_path.plot([1 / 3], [0.0], marker="*", color="k", ms=9, ls="none")
        grid = np.linspace(-3, 3, 121)
        gx, gy = np.meshgrid(grid, grid)
        pts = np.stack([gx, gy], axis=-1)
        self.contours = {}
        for key, s in SURFACES.items():
            if s.dim != 2:
                continue
            z = s.loss(pts)
            levels = np.quantile(z, np.linspace(0.0, 1.0, 18) ** 2)[1:]
            cs = self.ax_path.contour(gx, gy, z, levels=np.unique(levels), cmap="viridis", linewidths=0.9)
            star = self.ax_path.plot(*s.minimum, marker="*", color="k", ms=9, ls="none")[0]
            self.contours[key] = (cs, star)
        self.one_d = [self.curve, self.ax_path.lines[1]]
        (self.path_line,) = self.ax_path.plot([], [], "-o", color="#D55E00", ms=3, lw=1.2)
        (self.start_dot,) = self.ax_path.plot([], [], "o", color="k", ms=6)
        (self.loss_line,) = self.ax_loss.plot([], [], "-o", color="#D55E00", ms=2.5, lw=1.2)
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_ylabel("L − L_min")
        self.ax_loss.xaxis.set_major_locator(MaxNLocator(6, integer=True))
        self.ax_loss.yaxis.set_major_locator(LogLocator(numticks=6))
        self.ax_loss.yaxis.set_minor_formatter(NullFormatter())
        # plain "1e-6" labels: mathtext superscripts cost ~1 ms each per full redraw
        self.ax_loss.yaxis.set_major_formatter(
            FuncFormatter(lambda v, _: f"1e{round(math.log10(v)):d}" if v > 0 else ""))
        self.verdict_text = self.fig.text(0.5, 0.95, "", ha="center", va="center", fontsize=12, weight="bold")
        self._set_animated([self.path_line, self.start_dot, self.loss_line, self.verdict_text])

    def _compute(self, surface: str, optimizer: str, lr: float, steps: int, momentum: float,
                 start_x: float, start_y: float) -> dict[str, Any]:
        s = SURFACES[surface]
        start = start_x if s.dim == 1 else np.array([start_x, start_y])
        path = descend(s.grad, start, lr, steps, optimizer, momentum=momentum, beta1=momentum)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging path overflows the loss: inf is fine
            losses = s.loss(path)
            gaps = np.maximum(losses - _min_loss(surface), GAP_FLOOR)
        label = verdict(losses, path)
        where = f"w = {path[-1]:.4g}" if s.dim == 1 else f"(x, y) = ({path[-1][0]:.3g}, {path[-1][1]:.3g})"
        status = f"After {steps} steps: {where}, loss {losses[-1]:.4g}. Verdict: {VERDICT_TEXT[label]}."
        return {"surface": surface, "optimizer": optimizer, "lr": float(lr), "steps": int(steps),
                "momentum": float(momentum), "start": start, "path": path, "losses": losses, "gaps": gaps,
                "verdict": label, "status": status}

    def _draw(self, data: dict[str, Any]) -> None:
        s = SURFACES[data["surface"]]
        path, gaps, steps = data["path"], data["gaps"], data["steps"]
        if s.dim == 1:
            self.path_line.set_data(path, data["losses"])
            self.start_dot.set_data([path[0]], [data["losses"][0]])
            lo, hi = min(-1.2, path[0] - 0.4), max(1.9, path[0] + 0.4)
            lo, hi = math.floor(lo * 2) / 2, math.ceil(hi * 2) / 2
            top = 1.05 * float(max(quadratic_loss(lo), quadratic_loss(hi)))
            limits = (lo, hi, -0.05 * top, top)
        else:
            self.path_line.set_data(path[:, 0], path[:, 1])
            self.start_dot.set_data([path[0, 0]], [path[0, 1]])
            limits = (-3.0, 3.0, -3.0, 3.0)
        self.loss_line.set_data(np.arange(len(gaps)), gaps)
        finite = gaps[np.isfinite(gaps)]
        ylim = (GAP_FLOOR, _loss_axis_top(float(min(finite.max(), 1e30))))
        label = data["verdict"]
        self.verdict_text.set_text(f"learning rate {data['lr']:.3g}: {label}")
        self.verdict_text.set_color(VERDICT_COLORS[label])
        if self._static_changed((data["surface"], limits, _step_axis(steps), ylim)):
            for h in self.one_d:
                h.set_visible(s.dim == 1)
            for key, (cs, star) in self.contours.items():
                cs.set_visible(key == data["surface"])
                star.set_visible(key == data["surface"])
            self.ax_path.set_xlim(limits[0], limits[1])
            self.ax_path.set_ylim(limits[2], limits[3])
            self.ax_path.set_xlabel("w" if s.dim == 1 else "x")
            self.ax_path.set_ylabel("L(w)" if s.dim == 1 else "y")
            self.ax_loss.set_xlim(0, _step_axis(steps))
            self.ax_loss.set_ylim(*ylim)


def make_descent_demo(surface: str = "quadratic") -> DescentDemo:
    """The learning-rate descent demo, starting on ``surface`` (a key of :data:`SURFACES`). Defined in 03_training."""
    return DescentDemo(surface)
