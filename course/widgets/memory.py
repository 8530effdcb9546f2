"""Gradient memory explorer: why a simple RNN forgets what it saw long ago and an LSTM can remember.

Backpropagation through time sends the gradient of the last state back one step at a
time. For the simple recurrence ``h_t = phi(W h_{t-1} + U x_t)`` each step back
multiplies it by the transposed Jacobian ``(diag(phi'(a_t)) W)^T``, so after ``k``
steps its size behaves like ``rho^k`` (``rho``: the spectral radius of ``W``) times
the product of the ``k`` activation slopes ``phi'(a_t)``: below 1 per step it
vanishes exponentially, above 1 it explodes. Along an LSTM's cell state,
``c_t = f_t * c_{t-1} + i_t * c~_t``, one step back multiplies the gradient only by
the forget gate ``f_t = sigma(b_f + ...)``: no weight matrix, no ``tanh'``, and a
forget-gate bias of +1..+3 keeps ``f`` close to 1.

The maths lives in plain NumPy functions: :func:`recurrent_matrix` (a random
recurrent matrix with a chosen spectral radius), :func:`rnn_forward`,
:func:`activation_slope`, :func:`rnn_gradient_by_lag` (BPTT by hand, the same
quantity as ``course.sequences.gradient_norms_by_lag`` computes with TensorFlow),
:func:`lstm_forget_product` (the cell-state carry), :func:`rho_power_reference`
(the ``rho^k`` guide), :func:`per_step_factor` and :func:`memory_verdict`.
:func:`make_memory_explorer` wraps them in a widget.

Defined in 06_sequence_models.
"""

from __future__ import annotations

import math
from functools import lru_cache
from numbers import Integral, Real
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from course.widgets._base import BlittedFigureWidget
from course.widgets._text import power_of_ten

__all__ = [
    "ACTIVATIONS",
    "HIDDEN_SIZES",
    "MemoryExplorer",
    "activation_slope",
    "lstm_forget_product",
    "make_memory_explorer",
    "memory_verdict",
    "per_step_factor",
    "recurrent_matrix",
    "rho_power_reference",
    "rnn_forward",
    "rnn_gradient_by_lag",
]

#: The activations of the simple RNN (the names Keras uses).
ACTIVATIONS = ("tanh", "relu", "linear", "sigmoid")
#: The hidden sizes the widget offers.
HIDDEN_SIZES = (4, 8, 16, 32, 64, 128)
#: Relative gradients below this count as vanished, above its inverse as exploded (:func:`memory_verdict`).
VANISHED = 1e-2

_Y_LIM = (1e-12, 1e6)          # fixed y axis of the lag plot: the axes never change with the sliders
_CLIP = (1e-13, 1e7)           # values outside the axis are drawn just outside it (off the frame)
LAG_AXIS = (10, 20, 30, 40, 60, 80, 100, 150, 200)  # lag-axis lengths: the axis changes only at these
_RNN, _GUIDE, _LSTM, _EIG = "#0072B2", "0.35", "#009E73", "#56B4E9"
_FEATURES = 3                  # input features per step, as in the lecture's measurement
_LSTM_NOISE = 0.5              # spread of the forget gate's pre-activation around its bias


# --------------------------------------------------------------------------- maths


def _whole(value: Any, what: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"the {what} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _positive(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"the {what} must be a finite number > 0, got {value!r}")
    return float(value)


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"the {what} must be a finite number, got {value!r}")
    return float(value)


def _matrix(value: Any, what: str, ndim: int = 2) -> np.ndarray:
    try:
        m = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an array of numbers") from None
    if m.ndim != ndim:
        raise ValueError(f"{what} must be a {ndim}-D array, got shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{what} contains NaN or infinite values")
    return m


def _row_norms(m: np.ndarray) -> np.ndarray:
    """Euclidean norm of each row, scaled first so that tiny (1e-200) or huge entries do not under- or overflow."""
    scale = np.max(np.abs(m), axis=1)
    safe = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
    return np.where(np.isfinite(scale), safe * np.sqrt(np.sum((m / safe[:, None]) ** 2, axis=1)), np.inf) * (scale > 0)


def _activation(activation: Any) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}: choose one of {', '.join(ACTIVATIONS)}")
    return activation


@lru_cache(maxsize=16)
def _orthogonal(hidden: int, seed: int) -> np.ndarray:
    """A random orthogonal matrix, uniform over the orthogonal group (QR of a Gaussian, signs fixed)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x06, 1)))
    q, r = np.linalg.qr(rng.standard_normal((hidden, hidden)))
    q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
    q.setflags(write=False)
    return q


def recurrent_matrix(hidden: int, radius: float, seed: int = 0) -> np.ndarray:
    """A random ``hidden x hidden`` matrix of spectral radius ``radius``: ``radius`` times a random orthogonal matrix.

    Why orthogonal: it is what Keras's ``SimpleRNN`` and ``LSTM`` start from
    (``keras.initializers.Orthogonal(gain)``, the lecture's "gain" is the radius
    here), and every eigenvalue *and* every singular value of ``radius * Q`` equals
    ``radius`` in size. So ``||W^k|| = radius^k`` exactly and the spectral radius is
    the whole story of one step back; a Gaussian matrix divided by its spectral
    radius has singular values above and below it, whose transient growth would
    blur the ``rho^k`` law. The orthogonal factor depends only on ``(hidden, seed)``,
    so changing ``radius`` only rescales the same matrix.

    Defined in 06_sequence_models.
    """
    h = _whole(hidden, "number of hidden units")
    r = _positive(radius, "spectral radius")
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"the seed must be a whole number >= 0, got {seed!r}")
    return r * _orthogonal(h, int(seed))


def activation_slope(a: Any, activation: str) -> np.ndarray:
    """``phi'(a)``, the slope of the activation at the pre-activations ``a``: the diagonal of each step's Jacobian.

    ``tanh' = 1 - tanh^2`` (1 at 0, smaller everywhere else), ``sigmoid' =
    s (1 - s) <= 1/4``, ``relu' = 1`` where ``a > 0`` and 0 elsewhere (TensorFlow's
    choice at 0), ``linear' = 1``.

    Defined in 06_sequence_models.
    """
    act = _activation(activation)
    a = np.asarray(a, dtype=float)
    if act == "tanh":
        return 1.0 - np.tanh(a) ** 2
    if act == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-a))
        return s * (1.0 - s)
    if act == "relu":
        return (a > 0).astype(float)
    return np.ones_like(a)


def _apply(a: np.ndarray, act: str) -> np.ndarray:
    if act == "tanh":
        return np.tanh(a)
    if act == "sigmoid":
        return 1.0 / (1.0 + np.exp(-a))
    if act == "relu":
        return np.maximum(a, 0.0)
    return a


def _check_rnn(W: Any, U: Any, x: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    W = _matrix(W, "W (the recurrent matrix)")
    U = _matrix(U, "U (the input matrix)")
    x = _matrix(x, "x (the sequence, shape (T, features))")
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be square (hidden x hidden), got shape {W.shape}")
    if U.shape[0] != W.shape[0]:
        raise ValueError(f"U must have one row per hidden unit: W is {W.shape}, U is {U.shape}")
    if x.shape[1] != U.shape[1]:
        raise ValueError(f"x has {x.shape[1]} features per step but U expects {U.shape[1]} (U is {U.shape})")
    if x.shape[0] < 1:
        raise ValueError("the sequence x is empty: it needs at least one step")
    return W, U, x


def rnn_forward(W: Any, U: Any, x: Any, activation: str = "tanh") -> tuple[np.ndarray, np.ndarray]:
    """Pre-activations ``a_t = W h_{t-1} + U x_t`` and states ``h_t = phi(a_t)`` of a simple RNN, from ``h_0 = 0``.

    ``W`` is ``(hidden, hidden)``, ``U`` is ``(hidden, features)``, ``x`` is
    ``(T, features)``; returns two ``(T, hidden)`` arrays (row ``t`` is step
    ``t + 1``). No bias. Keras's ``SimpleRNN`` computes the same with
    ``kernel = U.T`` and ``recurrent_kernel = W.T`` (row vectors:
    ``h_t = phi(x_t @ kernel + h_{t-1} @ recurrent_kernel)``).

    Defined in 06_sequence_models.
    """
    W, U, x = _check_rnn(W, U, x)
    act = _activation(activation)
    T, hidden = x.shape[0], W.shape[0]
    drive = x @ U.T                             # U x_t for every step at once
    a = np.empty((T, hidden))
    h = np.empty((T, hidden))
    state = np.zeros(hidden)
    with np.errstate(over="ignore", invalid="ignore"):  # an exploding state overflows to inf: shown, not raised
        for t in range(T):
            a[t] = W @ state + drive[t]
            state = h[t] = _apply(a[t], act)
    return a, h


def rnn_gradient_by_lag(W: Any, U: Any, x: Any, activation: str = "tanh", wrt: str = "input") -> np.ndarray:
    """Backpropagation through time by hand: how strongly ``sum(h_T)`` depends on what happened ``k`` steps back.

    For ``k = 0 .. T-1`` returns the norm of ``d sum(h_T) / d x_{T-k}`` (``wrt="input"``,
    the quantity ``course.sequences.gradient_norms_by_lag`` measures with
    ``tf.GradientTape``) or of ``d sum(h_T) / d h_{T-k}`` (``wrt="state"``; lag 0 is
    the vector of ones, norm ``sqrt(hidden)``). One vector-Jacobian product per step
    back, ``O(T hidden^2)``: with ``g = d sum(h_T) / d h_t``,

    - ``delta_t = g * phi'(a_t)`` (through the activation),
    - ``d / d x_t = U^T delta_t`` and ``d / d h_{t-1} = W^T delta_t`` (through the two weights).

    So ``k`` steps back the gradient has been multiplied by ``k`` factors
    ``diag(phi'(a_t)) W``: ``rho^k`` times the activation slopes for an orthogonal ``W``
    of spectral radius ``rho``.

    Defined in 06_sequence_models.
    """
    if wrt not in ("input", "state"):
        raise ValueError(f"wrt must be 'input' or 'state', got {wrt!r}")
    a, _ = rnn_forward(W, U, x, activation)
    W, U, _ = _check_rnn(W, U, x)
    slope = activation_slope(a, activation)
    T, hidden = a.shape
    deltas = np.empty((T, hidden))              # row k: delta at lag k (step T - k)
    states = np.empty((T, hidden))              # row k: d sum(h_T) / d h_{T-k}
    g = np.ones(hidden)                         # d sum(h_T) / d h_T
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(T):
            states[k] = g
            deltas[k] = g * slope[T - 1 - k]
            g = W.T @ deltas[k]
        return _row_norms(states if wrt == "state" else deltas @ U)


def lstm_forget_product(forget_bias: float, T: int, hidden: int = 32, noise: float = _LSTM_NOISE,
                        seed: int = 0) -> np.ndarray:
    """The LSTM's cell-state carry: the gradient along ``c`` after ``k`` steps back, relative to lag 0.

    Along the cell state ``d c_t / d c_{t-1} = diag(f_t)`` (the paths through the
    gates are left out: the lecture's "plus smaller terms"), so ``k`` steps back
    the gradient of ``sum(c_T)`` is the vector of products ``f_T f_{T-1} ... f_{T-k+1}``.
    The forget gates are modelled as ``f = sigma(forget_bias + noise * z)`` with ``z``
    standard normal per unit and step (seeded): the bias is what training sets, the
    noise stands for the parts ``W_f x_t + U_f h_{t-1}`` that change from step to step.
    Row ``k`` of the noise belongs to the gate ``k`` steps before the end, so a longer
    sequence adds older gates and keeps the recent ones.

    Returns, for ``k = 0 .. T-1``, ``||prod f|| / sqrt(hidden)`` (1 at lag 0); with
    ``noise = 0`` it is exactly ``sigma(forget_bias)^k``.

    Defined in 06_sequence_models.
    """
    b = _finite(forget_bias, "forget-gate bias")
    n = _whole(T, "sequence length")
    h = _whole(hidden, "number of hidden units")
    if isinstance(noise, bool) or not isinstance(noise, Real) or not math.isfinite(noise) or noise < 0:
        raise ValueError(f"the noise must be a finite number >= 0, got {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"the seed must be a whole number >= 0, got {seed!r}")
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(0x06, 3)))
    z = rng.standard_normal((max(n - 1, 0), h))   # row k: the gate k steps before the end
    f = 1.0 / (1.0 + np.exp(-(b + float(noise) * z)))
    carry = np.ones((n, h))
    if n > 1:
        carry[1:] = np.cumprod(f, axis=0)
    return _row_norms(carry) / math.sqrt(h)


def rho_power_reference(radius: float, T: int) -> np.ndarray:
    """``radius**k`` for ``k = 0 .. T-1``: the guide line of a gradient multiplied by ``rho`` per step.

    Exactly the state gradient's decay for a linear RNN with an orthogonal ``W`` of
    spectral radius ``radius`` (relative to lag 0); every other activation only
    multiplies it by slopes ``<= 1`` (``<= 1/4`` for the sigmoid).

    Defined in 06_sequence_models.
    """
    r = _positive(radius, "spectral radius")
    n = _whole(T, "sequence length")
    with np.errstate(over="ignore"):
        return r ** np.arange(n, dtype=float)


def per_step_factor(relative: Any) -> float:
    """The geometric-mean factor per step of a relative gradient curve: ``relative[-1] ** (1 / (T - 1))``.

    The number the gradient is multiplied by on an average step back (``rho`` for
    the ``rho^k`` line). 0 when the gradient died out completely, ``nan`` for a
    curve of one point.

    Defined in 06_sequence_models.
    """
    r = np.asarray(relative, dtype=float)
    if r.ndim != 1 or r.size < 1:
        raise ValueError(f"relative must be a 1-D curve with at least one value, got shape {r.shape}")
    if r.size == 1:
        return float("nan")
    last = float(r[-1])
    if last <= 0:
        return 0.0
    return float(math.exp(math.log(last) / (r.size - 1)))


def memory_verdict(kept: float) -> str:
    """``"vanishing"`` below :data:`VANISHED` of the lag-0 gradient, ``"exploding"`` above 1 / VANISHED, else ``"carried"``.

    Defined in 06_sequence_models.
    """
    if not kept < 1 / VANISHED:   # inf and nan explode too
        return "exploding"
    return "vanishing" if kept < VANISHED else "carried"


# --------------------------------------------------------------------------- widget


def _amount(value: float) -> str:
    """A relative gradient in words-friendly form: 0.37, 4e-9, 2e+12, 0."""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "∞ (overflow)"
    if 0.01 <= value < 100:
        return f"{value:.2g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


class MemoryExplorer(BlittedFigureWidget):
    """Gradient against lag (RNN, rho^k guide, LSTM carry) | eigenvalues and per-step factors in the complex plane.

    Defined in 06_sequence_models.
    """

    title = "Gradient memory explorer"
    lets_you = "set the recurrent matrix's spectral radius, the LSTM's forget bias, the activation, the sequence length and the number of hidden units"

    def __init__(self, sequence_length: int, hidden: int, radius: float, activation: str, forget_bias: float,
                 seed: int, max_length: int = 200) -> None:
        self._seed = seed
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x06, 2)))
        # One fixed input sequence (rows in time order); a length of T uses its last T steps.
        self._inputs = rng.standard_normal((max_length, _FEATURES))[::-1].copy()
        for size in HIDDEN_SIZES:  # the 128 x 128 QR and eigenvalues once, here, not on the first menu change
            _unit_eigenvalues(size, seed)
            _input_weights(size, seed)
        slider = dict(continuous_update=True, style={"description_width": "120px"},
                      layout=widgets.Layout(width="360px"))
        controls = {
            "radius": widgets.FloatSlider(value=radius, min=0.5, max=1.5, step=0.05, description="spectral radius ρ",
                                          readout_format=".2f", **slider),
            "forget_bias": widgets.FloatSlider(value=forget_bias, min=-2.0, max=4.0, step=0.25,
                                               description="LSTM forget bias", readout_format="+.2f", **slider),
            "activation": widgets.ToggleButtons(options=list(ACTIVATIONS), value=activation, description="activation",
                                                style={"button_width": "80px", "description_width": "120px"}),
            "sequence_length": widgets.IntSlider(value=sequence_length, min=10, max=max_length, step=5,
                                                 description="sequence length", **slider),
            "hidden": widgets.Dropdown(options=list(HIDDEN_SIZES), value=hidden, description="hidden units",
                                       style={"description_width": "120px"}, layout=widgets.Layout(width="230px")),
        }
        super().__init__(controls, figsize=(10.5, 3.7), dpi=80,
                         layout_rows=[["radius", "forget_bias"], ["activation"], ["sequence_length", "hidden"]])

    # ------------------------------------------------------------------ figure

    def _setup_figure(self) -> None:
        fig = self.fig
        gs = fig.add_gridspec(1, 2, width_ratios=[2.6, 1], left=0.07, right=0.80, top=0.84, bottom=0.14,
                              wspace=0.13)
        ax = self.ax_lag = fig.add_subplot(gs[0])
        rnn_label = r"simple RNN: $\|\partial\, \Sigma h_T / \partial x_{T-k}\|$"  # mathtext: drawn once, with the frame
        (self.rnn_line,) = ax.plot([], [], color=_RNN, lw=1.8, label=rnn_label)
        (self.guide_line,) = ax.plot([], [], color=_GUIDE, lw=1.2, ls="--", label="ρᵏ: the spectral radius alone")
        (self.lstm_line,) = ax.plot([], [], color=_LSTM, lw=1.8, label="LSTM cell state: product of forget gates")
        ax.axhline(1.0, color="0.8", lw=0.8, zorder=0)
        ax.set_yscale("log")
        ax.set_ylim(*_Y_LIM)
        ax.yaxis.set_major_locator(FixedLocator(10.0 ** np.arange(-12, 7, 3)))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(FuncFormatter(power_of_ten))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.grid(True, which="major", alpha=0.25)
        ax.set_ylabel("gradient, relative to lag 0")
        self._frame_text(ax, "how much gradient reaches k steps back", "lag k (steps back from the last one)",
                         title_gap=0.025, xlabel_gap=0.085)

        ax = self.ax_eig = fig.add_subplot(gs[1])
        angle = np.linspace(0.0, 2 * np.pi, 181)
        self._circle = np.stack([np.cos(angle), np.sin(angle)])
        ax.plot(*self._circle, color="0.3", lw=1.0, ls="--", label="unit circle: ×1 per step")
        self.eig_dots = ax.scatter([], [], s=14, color=_EIG, edgecolors=_RNN, linewidths=0.5, zorder=3,
                                   label="eigenvalues of W")
        (self.rnn_ring,) = ax.plot([], [], color=_RNN, lw=1.6, ls=":", label="RNN per step")
        (self.lstm_ring,) = ax.plot([], [], color=_LSTM, lw=1.6, label="LSTM per step")
        ax.set_xlim(-1.65, 1.65)
        ax.set_ylim(-1.65, 1.65)
        ax.set_aspect("equal")
        ax.xaxis.set_major_locator(FixedLocator([-1, 0, 1]))
        ax.yaxis.set_major_locator(FixedLocator([-1, 0, 1]))
        ax.tick_params(labelsize=8)
        ax.set_title("per-step factors", fontsize=10)
        ax.set_xlabel("inside: shrinks · outside: grows", fontsize=8.5)
        # Legends before the lines turn animated: their handles copy the flag, and should be drawn with the frame.
        fig.legend(handles=[self.rnn_line, self.guide_line, self.lstm_line], loc="upper left", ncol=3, fontsize=8.5,
                   bbox_to_anchor=(0.06, 1.0), frameon=False)
        fig.legend(handles=[self.eig_dots, self.rnn_ring, self.lstm_ring, ax.lines[0]], loc="center left",
                   fontsize=8, bbox_to_anchor=(0.805, 0.5), frameon=False, handlelength=1.8,
                   title="complex plane", title_fontsize=8.5)
        self._set_changing([self.ax_lag])  # a new lag axis redraws only the lag panel over the cached rest
        self._set_animated([self.rnn_line, self.guide_line, self.lstm_line, self.eig_dots, self.rnn_ring,
                            self.lstm_ring])

    # ------------------------------------------------------------------ maths

    def _compute(self, radius: float, forget_bias: float, activation: str, sequence_length: int,
                 hidden: int) -> dict[str, Any]:
        T = _whole(sequence_length, "sequence length", minimum=2)
        if T > self._inputs.shape[0]:
            raise ValueError(f"the sequence length must be at most {self._inputs.shape[0]}, got {T}")
        W = recurrent_matrix(hidden, radius, self._seed)
        U = _input_weights(int(hidden), self._seed)
        x = self._inputs[-T:]
        a, _ = rnn_forward(W, U, x, activation)
        norms = rnn_gradient_by_lag(W, U, x, activation)
        lstm = lstm_forget_product(forget_bias, T, int(hidden), seed=self._seed)
        guide = rho_power_reference(radius, T)
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = norms / norms[0] if norms[0] > 0 else np.zeros(T)
        slope = activation_slope(a, activation)
        lag = T - 1
        kept, lstm_kept = float(relative[-1]), float(lstm[-1])
        rnn_factor, lstm_factor = per_step_factor(relative), per_step_factor(lstm)
        # The rms slope: with W mixing the units every step, the squared gradient is multiplied by about the mean
        # of phi'^2 per step, so rho * rms(phi') predicts the measured per-step factor (tested).
        rms_slope = float(np.sqrt(np.mean(slope**2)))
        verdict, lstm_verdict = memory_verdict(kept), memory_verdict(lstm_kept)
        if norms[0] == 0:
            rnn = f"the {activation} RNN passes no gradient at all: every unit is off at the last step"
        elif kept == 0:
            rnn = (f"after {lag} steps back the {activation} RNN keeps exactly 0 of the gradient (vanishing): at some "
                   f"step every unit it reached was switched off (ρ^{lag} alone would keep {_amount(float(guide[-1]))})")
        else:
            rnn = (f"after {lag} steps back the {activation} RNN keeps {_amount(kept)} of the gradient ({verdict}): "
                   f"ρ^{lag} alone would keep {_amount(float(guide[-1]))}, the slopes φ′ (rms {rms_slope:.2f}) do the "
                   f"rest; per step ×{rnn_factor:.2f} ≈ ρ × rms φ′ = {radius * rms_slope:.2f}")
        status = (f"{rnn}. The LSTM's cell state keeps {_amount(lstm_kept)} ({lstm_verdict}): forget gate ≈ "
                  f"σ({forget_bias:+.2f}) = {_sigmoid(forget_bias):.2f}, per step ×{lstm_factor:.2f}.")
        return {"radius": float(radius), "activation": activation, "T": T, "hidden": int(hidden),
                "forget_bias": float(forget_bias), "lags": np.arange(T), "gradient": norms, "relative": relative,
                "guide": guide, "lstm": lstm, "eigenvalues": float(radius) * _unit_eigenvalues(int(hidden), self._seed),
                "kept": kept, "lstm_kept": lstm_kept, "rnn_factor": rnn_factor, "lstm_factor": lstm_factor,
                "rms_slope": rms_slope, "verdict": verdict, "lstm_verdict": lstm_verdict, "status": status}

    # ------------------------------------------------------------------ drawing

    def _draw(self, d: dict[str, Any]) -> None:
        axis = _lag_axis(d["T"] - 1)
        if self._static_changed(axis):
            self.ax_lag.set_xlim(0, axis)
        lags = d["lags"]
        clip = lambda v: np.clip(np.nan_to_num(v, nan=_CLIP[1], posinf=_CLIP[1]), *_CLIP)  # noqa: E731
        self.rnn_line.set_data(lags, clip(d["relative"]))
        self.guide_line.set_data(lags, clip(d["guide"]))
        self.lstm_line.set_data(lags, clip(d["lstm"]))
        eig = d["eigenvalues"]
        self.eig_dots.set_offsets(np.column_stack([eig.real, eig.imag]))
        for ring, factor in ((self.rnn_ring, d["rnn_factor"]), (self.lstm_ring, d["lstm_factor"])):
            r = min(factor, 1.6) if math.isfinite(factor) else 1.6
            ring.set_data(*(r * self._circle))


def _lag_axis(lag: int) -> int:
    """The end of the lag axis: the first of :data:`LAG_AXIS` that holds ``lag`` (so most length changes keep it)."""
    return next((n for n in LAG_AXIS if n >= lag), lag)


@lru_cache(maxsize=16)
def _input_weights(hidden: int, seed: int) -> np.ndarray:
    """Keras's default input kernel (Glorot uniform) as ``U``, shape (hidden, features)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x06, 4, hidden)))
    limit = math.sqrt(6.0 / (_FEATURES + hidden))
    return rng.uniform(-limit, limit, (hidden, _FEATURES))


@lru_cache(maxsize=16)
def _unit_eigenvalues(hidden: int, seed: int) -> np.ndarray:
    """Eigenvalues of the orthogonal factor of :func:`recurrent_matrix` (all of modulus 1)."""
    return np.linalg.eigvals(_orthogonal(hidden, seed))


def make_memory_explorer(sequence_length: int = 60, hidden: int = 32, seed: int = 0, *, radius: float = 1.0,
                         activation: str = "tanh", forget_bias: float = 1.0) -> MemoryExplorer:
    """The gradient memory explorer: sliders for ``rho``, the LSTM forget-gate bias and the length; activation; hidden size.

    The RNN is ``h_t = phi(W h_{t-1} + U x_t)`` with ``W = recurrent_matrix(hidden, radius, seed)``,
    ``U`` Keras's Glorot-uniform input kernel and one fixed random input sequence of
    3 features per step (as in the lecture's measurement); the LSTM curve is
    :func:`lstm_forget_product`. Defaults: Keras's own starting point (orthogonal
    recurrent weights of gain 1, tanh, forget-gate bias 1).

    Defined in 06_sequence_models.
    """
    T = _whole(sequence_length, "sequence length", minimum=10)
    if T > 200:
        raise ValueError(f"the sequence length must be between 10 and 200, got {sequence_length!r}")
    if hidden not in HIDDEN_SIZES:
        raise ValueError(f"hidden must be one of {', '.join(map(str, HIDDEN_SIZES))}, got {hidden!r}")
    recurrent_matrix(1, radius, seed)  # validates the radius and the seed
    if not 0.5 <= radius <= 1.5:
        raise ValueError(f"the widget's spectral radius runs from 0.5 to 1.5, got {radius!r}")
    _activation(activation)
    b = _finite(forget_bias, "forget-gate bias")
    if not -2.0 <= b <= 4.0:
        raise ValueError(f"the widget's forget-gate bias runs from -2 to 4, got {forget_bias!r}")
    return MemoryExplorer(T, int(hidden), float(radius), activation, b, int(seed))
