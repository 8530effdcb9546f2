"""The sequence-model lecture's helpers: survey light curves, example series, models and figures.

The lecture moves from sequences in science (light curves, spectrograms, sensor
series) through sliding windows, 1-D convolutions and recurrent networks to
LSTMs, and ends by classifying irregularly sampled, noisy survey light curves
(in the spirit of the PLAsTiCC challenge) with an MLP, a 1-D CNN and an LSTM.
The data generators, the three networks and the figures live here, so the
notebook reads like the lecture and the same networks can be trained elsewhere.

The lecture's exercises (sliding windows, a recurrent step and forward pass, an
LSTM step) are written by the students and checked against NumPy and Keras,
never against this module.

Importing this module does not import TensorFlow; the functions that need it
import it when called.

Defined in 06_sequence_models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course import plotting

if TYPE_CHECKING:  # pragma: no cover - for type hints only
    import keras

__all__ = [
    "SURVEY_CLASSES",
    "LightCurves",
    "survey_light_curves",
    "light_curve_features",
    "light_curve_split",
    "chirp",
    "sensor_series",
    "build_mlp",
    "build_cnn1d",
    "build_lstm",
    "build_sequence_model",
    "gradient_norms_by_lag",
    "plot_science_series",
    "plot_windows",
    "plot_forecast",
    "plot_matched_filter",
    "plot_unrolled_rnn",
    "plot_gradient_norms",
    "plot_survey_light_curves",
]

#: The classes of :func:`survey_light_curves`, in label order.
SURVEY_CLASSES = ("SN Ia", "SN II", "pulsator", "eclipsing binary", "AGN")


# ------------------------------------------------------------------------- data


@dataclass(frozen=True)
class LightCurves:
    """Irregularly sampled light curves of one survey band, one row per object.

    ``times`` are days since each object's first observation (increasing),
    ``flux`` is the difference flux (object minus a reference image, arbitrary
    units, so a quiet object is near 0), ``flux_err`` its 1-sigma uncertainty;
    all three are float32 of shape ``(n, length)``. ``labels`` (int64, ``(n,)``)
    index :data:`SURVEY_CLASSES`.

    Defined in 06_sequence_models.
    """

    times: np.ndarray
    flux: np.ndarray
    flux_err: np.ndarray
    labels: np.ndarray

    @property
    def classes(self) -> tuple[str, ...]:
        """The class names that ``labels`` index."""
        return SURVEY_CLASSES

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:  # short and stable: the notebook prints it
        n, length = self.flux.shape
        return f"LightCurves(n={n}, length={length}, classes={len(SURVEY_CLASSES)})"


def _cadence(rng: np.random.Generator, n: int, length: int) -> np.ndarray:
    # Gaps between visits: exponential around 2 days (the scheduler, several bands
    # sharing the nights), plus an occasional run of bad weather of 4-15 days.
    gaps = rng.exponential(2.0, (n, length - 1)) + 0.1
    gaps += (rng.random((n, length - 1)) < 0.04) * rng.uniform(4.0, 15.0, (n, length - 1))
    return np.concatenate([np.zeros((n, 1)), np.cumsum(gaps, axis=1)], axis=1)


def _bazin(t: np.ndarray, t0: np.ndarray, rise: np.ndarray, fall: np.ndarray) -> np.ndarray:
    # Bazin et al. (2009): the usual empirical supernova light-curve shape, peak ~1.
    x = (t - t0)
    return np.exp(-x / fall) / (1.0 + np.exp(-np.clip(x / rise, -50, 50)))


def _damped_random_walk(rng: np.random.Generator, t: np.ndarray, tau: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    # Ornstein-Uhlenbeck process sampled exactly at irregular times (Kelly et al. 2009).
    n, length = t.shape
    x = np.empty((n, length))
    x[:, 0] = rng.normal(0.0, 1.0, n) * sigma[:, 0]
    for j in range(1, length):
        a = np.exp(-(t[:, j] - t[:, j - 1]) / tau[:, 0])
        x[:, j] = a * x[:, j - 1] + sigma[:, 0] * np.sqrt(1.0 - a**2) * rng.normal(0.0, 1.0, n)
    return x


def survey_light_curves(n: int, length: int = 64, *, seed: int = 0) -> LightCurves:
    """Synthetic PLAsTiCC-like light curves: five classes, irregular cadence, heteroscedastic noise.

    Imitates one band of a wide-field survey such as LSST, as in the PLAsTiCC
    classification challenge (2018): ``length`` visits per object at irregular
    times (gaps drawn around 2 days, with occasional 4-15 day weather gaps, about
    150 days in all), difference flux in arbitrary units with a per-object noise
    level and per-visit errors. The classes (:data:`SURVEY_CLASSES`), a fifth each
    in random order:

    - ``SN Ia``: Bazin-shaped transient, rise 1-3 d, decline 10-25 d, peak 0.5-3;
    - ``SN II``: slower rise (2-6 d), a 50-100 d plateau that ends in a drop;
    - ``pulsator``: Cepheid-like saw-tooth (fast rise, slow decline), period 3-30 d;
    - ``eclipsing binary``: flat with narrow periodic dips of two depths, period 1-10 d;
    - ``AGN``: stochastic red noise (damped random walk, time scale 20-200 d).

    Supernovae explode anywhere from 30 days before the first visit to 30 days
    before the last, so a network must find the event wherever it is. Returns a
    :class:`LightCurves`. Deterministic for a given ``seed``.

    Defined in 06_sequence_models.
    """
    n, length = int(n), int(length)
    if n < 0 or length < 2:
        raise ValueError(f"need n >= 0 and length >= 2, got n={n}, length={length}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x06,)))
    labels = rng.permutation(np.arange(n) % len(SURVEY_CLASSES)).astype(np.int64)
    t = _cadence(rng, n, length)
    span = t[:, -1:]
    col = lambda lo, hi: rng.uniform(lo, hi, (n, 1))  # noqa: E731 - one draw per object

    amp = col(0.5, 3.0)
    t0 = -30.0 + rng.random((n, 1)) * span  # explosion: 30 d before the first visit .. 30 d before the last
    sn_ia = amp * _bazin(t, t0, col(1.0, 3.0), col(10.0, 25.0))
    plateau = col(50.0, 100.0)
    sn_ii = (amp * _bazin(t, t0, col(2.0, 6.0), col(150.0, 400.0))
             * (0.2 + 0.8 / (1.0 + np.exp(np.clip((t - t0 - plateau) / 4.0, -50, 50)))))
    period = col(3.0, 30.0)
    phase = (t / period + col(0.0, 1.0)) % 1.0
    saw = np.where(phase < 0.2, phase / 0.2, 1.0 - (phase - 0.2) / 0.8) - 0.5
    pulsator = col(0.4, 1.5) * saw
    period_eb = col(1.0, 10.0)
    phase_eb = (t / period_eb + col(0.0, 1.0)) % 1.0
    width = col(0.03, 0.08)
    depth = col(0.8, 2.5)
    eclipsing = -depth * (np.exp(-0.5 * ((phase_eb - 0.25) / width) ** 2)
                          + col(0.2, 0.6) * np.exp(-0.5 * ((phase_eb - 0.75) / width) ** 2))
    agn = _damped_random_walk(rng, t, col(20.0, 200.0), col(0.3, 1.0))

    signal = np.select([labels[:, None] == k for k in range(4)], [sn_ia, sn_ii, pulsator, eclipsing], agn)
    err = col(0.05, 0.2) * rng.uniform(0.7, 1.5, (n, length))
    flux = signal + err * rng.normal(0.0, 1.0, (n, length))
    return LightCurves(t.astype(np.float32), flux.astype(np.float32), err.astype(np.float32), labels)


def light_curve_features(curves: LightCurves) -> np.ndarray:
    """The network input: per visit ``(flux, flux_err, gap to the previous visit / 10 d)``.

    Shape ``(n, length, 3)``, float32. The gap channel tells a sequence model how
    far apart two consecutive visits are: the usual way to feed irregularly
    sampled series to a CNN or RNN without interpolating them (the first visit's
    gap is 0).

    Defined in 06_sequence_models.
    """
    gaps = np.diff(curves.times, axis=1, prepend=curves.times[:, :1]) / 10.0
    return np.stack([curves.flux, curves.flux_err, gaps], axis=-1).astype(np.float32)


def light_curve_split(n_train: int, n_test: int, length: int = 64, seed: int = 0
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)`` of :func:`light_curve_features` for the lecture's classifier.

    Training curves are drawn with ``seed``, test curves with ``seed + 1``: no
    object is in both.

    Defined in 06_sequence_models.
    """
    train = survey_light_curves(n_train, length, seed=seed)
    test = survey_light_curves(n_test, length, seed=seed + 1)
    return light_curve_features(train), train.labels, light_curve_features(test), test.labels


def chirp(duration: float = 8.0, rate: int = 512, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A gravitational-wave-like chirp in noise: ``(t, strain)``, ``rate`` samples per second.

    The frequency of a compact binary's inspiral rises as ``(t_c - t)^(-3/8)`` and
    the amplitude as ``(t_c - t)^(-1/4)`` until the merger at ``t_c`` (here 85 % of
    the way through), after which a short ring-down fades; white noise of standard
    deviation 1 is added. It is the signal LIGO/Virgo search for, and what a
    spectrogram turns into an image.

    Defined in 06_sequence_models.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration * rate)) / rate
    tc = 0.85 * duration
    tau = np.clip(tc - t, 1.0 / rate, None)
    freq = np.clip(30.0 * (tau / 4.0) ** (-3 / 8), None, 200.0)
    phase = 2 * np.pi * np.cumsum(freq) / rate
    amp = np.where(t < tc, (tau / 4.0) ** (-1 / 4), 0.0)
    amp = np.clip(amp, None, 4.0) + np.where(t >= tc, 4.0 * np.exp(-(t - tc) / 0.05), 0.0)
    return t, (1.5 * amp * np.sin(phase) + rng.normal(0.0, 1.0, t.size)).astype(np.float64)


def sensor_series(n_hours: int = 24 * 28, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An hourly sensor record: ``(hours, temperature)`` of a detector hall's cooling water.

    A daily cycle (the building heats up in the afternoon), a slow drift, weather
    that wanders for days (an AR(1) process with a 2-day memory) and read-out noise:
    the kind of series a monitoring system forecasts to raise an alarm before a
    threshold is crossed.

    Defined in 06_sequence_models.
    """
    rng = np.random.default_rng(seed)
    hours = np.arange(int(n_hours), dtype=np.float64)
    weather = np.empty(hours.size)
    weather[0] = 0.0
    a = np.exp(-1.0 / 48.0)
    for k in range(1, hours.size):
        weather[k] = a * weather[k - 1] + 0.25 * rng.normal()
    daily = 1.2 * np.sin(2 * np.pi * (hours - 9.0) / 24.0)
    series = 18.0 + daily + 0.002 * hours + weather + 0.15 * rng.normal(size=hours.size)
    return hours, series


# ----------------------------------------------------------------------- models


def build_mlp(length: int, n_features: int, n_classes: int, units: int = 64) -> "keras.Model":
    """An MLP on the flattened sequence: Flatten, Dense(units, ReLU) x 2, Dense softmax (float32).

    Every (time step, feature) gets its own weights: the network does not know
    that neighbouring steps are related, nor that a pattern may appear anywhere.

    Defined in 06_sequence_models.
    """
    import keras

    return keras.Sequential([
        keras.Input(shape=(length, n_features), name="sequence"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(units, activation="relu", name="dense1"),
        keras.layers.Dense(units, activation="relu", name="dense2"),
        keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="probabilities"),
    ], name="mlp")


def build_cnn1d(length: int, n_features: int, n_classes: int, filters: Sequence[int] = (32, 32),
                kernel_size: int = 5) -> "keras.Model":
    """A 1-D CNN: [Conv1D(f, k, same, ReLU), MaxPool 2] per ``f``, global max pooling, Dense softmax.

    The global max pooling makes the prediction (nearly) independent of *where*
    in the sequence a feature occurs, the property a transient at a random time needs.

    Defined in 06_sequence_models.
    """
    import keras

    layers: list[Any] = [keras.Input(shape=(length, n_features), name="sequence")]
    for i, f in enumerate(filters, start=1):
        layers.append(keras.layers.Conv1D(f, kernel_size, padding="same", activation="relu", name=f"conv{i}"))
        layers.append(keras.layers.MaxPooling1D(2, name=f"pool{i}"))
    layers.append(keras.layers.GlobalMaxPooling1D(name="global_max"))
    layers.append(keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="probabilities"))
    return keras.Sequential(layers, name="cnn1d")


def build_lstm(length: int, n_features: int, n_classes: int, units: int = 32, readout: str = "max") -> "keras.Model":
    """An LSTM classifier: LSTM(units) reads the sequence, a Dense softmax (float32) reads its states.

    ``readout="max"`` (the lecture's choice) keeps the hidden state of every step
    (``return_sequences=True``) and takes the maximum of each unit over time, so
    every step has a short gradient path to the loss; ``readout="last"`` uses only
    the final hidden state ``h_T``, the textbook many-to-one RNN, whose gradient
    must travel back through all steps (it trains more slowly, see the lecture's
    section on vanishing gradients).

    Defined in 06_sequence_models.
    """
    import keras

    if readout not in ("max", "last"):
        raise ValueError(f"readout must be 'max' or 'last', got {readout!r}")
    layers: list[Any] = [keras.Input(shape=(length, n_features), name="sequence"),
                         keras.layers.LSTM(units, return_sequences=readout == "max", name="lstm")]
    if readout == "max":
        layers.append(keras.layers.GlobalMaxPooling1D(name="max_over_time"))
    layers.append(keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="probabilities"))
    return keras.Sequential(layers, name="lstm")


_BUILDERS = {"MLP": build_mlp, "1-D CNN": build_cnn1d, "LSTM": build_lstm}


def build_sequence_model(kind: str, length: int, n_features: int, n_classes: int) -> "keras.Model":
    """One of the lecture's three classifiers by name: ``"MLP"``, ``"1-D CNN"`` or ``"LSTM"``.

    Defined in 06_sequence_models.
    """
    if kind not in _BUILDERS:
        raise ValueError(f"kind must be one of {sorted(_BUILDERS)}, got {kind!r}")
    return _BUILDERS[kind](length, n_features, n_classes)


def gradient_norms_by_lag(layer: "keras.layers.Layer", x: np.ndarray) -> np.ndarray:
    """How strongly the last output of a recurrent ``layer`` depends on each earlier input.

    For one sequence ``x`` of shape ``(T, features)`` returns, for lags
    ``k = 0 .. T-1``, the norm of the gradient of ``sum(h_T)`` with respect to the
    input ``x_{T-k}``: the signal backpropagation through time carries ``k`` steps
    back. ``layer`` must return only its last output (``return_sequences=False``).

    Defined in 06_sequence_models.
    """
    import tensorflow as tf

    xt = tf.Variable(np.asarray(x, dtype=np.float32)[None])
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(tf.cast(layer(xt), tf.float32))
    grad = tape.gradient(out, xt).numpy()[0]
    return np.linalg.norm(grad, axis=-1)[::-1].astype(np.float64)


# ---------------------------------------------------------------------- figures


def plot_science_series(seed: int = 0) -> Figure:
    """Three kinds of temporal data: light curves, a chirp's spectrogram and a sensor record.

    Defined in 06_sequence_models.
    """
    from scipy import signal

    curves = survey_light_curves(10, 64, seed=seed)
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.6))
    colors = plotting.class_colors(len(SURVEY_CLASSES))
    for k in (0, 2):
        i = int(np.flatnonzero(curves.labels == k)[0])
        axes[0].errorbar(curves.times[i], curves.flux[i], curves.flux_err[i], fmt="o", ms=3,
                         color=colors[k], label=SURVEY_CLASSES[k], elinewidth=0.8)
    axes[0].set(xlabel="time (days)", ylabel="difference flux", title="light curves (irregular visits)")
    axes[0].legend(fontsize=8)

    t, strain = chirp(seed=seed)
    rate = int(round(1 / (t[1] - t[0])))
    f, tt, power = signal.spectrogram(strain, fs=rate, nperseg=128, noverlap=96)
    axes[1].pcolormesh(tt, f, np.log10(power + 1e-6), shading="auto", cmap="magma")
    axes[1].set(xlabel="time (s)", ylabel="frequency (Hz)", ylim=(0, 250),
                title="spectrogram of a chirp in noise")

    hours, temp = sensor_series(24 * 14, seed=seed)
    axes[2].plot(hours / 24, temp, lw=0.8)
    axes[2].set(xlabel="time (days)", ylabel="temperature (°C)", title="hourly sensor record")
    fig.tight_layout()
    return fig


def plot_windows(series: np.ndarray, window: int, stride: int, horizon: int, n_show: int = 3) -> Figure:
    """The series, and below it the first ``n_show`` sliding windows with the step each must predict.

    Defined in 06_sequence_models.
    """
    series = np.asarray(series, dtype=float)
    steps = np.arange(len(series))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 4.2), sharex=True, gridspec_kw={"height_ratios": [2, 1.3]})
    top.plot(steps, series, color="0.55", lw=1, marker=".", ms=5)
    colors = plotting.class_colors(max(n_show, 2))
    shown = 0
    for i in range(n_show):
        s = i * stride
        target = s + window - 1 + horizon
        if target >= len(series):
            break
        idx = np.arange(s, s + window)
        top.plot(idx, series[idx], color=colors[i], lw=2.5, alpha=0.8)
        top.plot([target], [series[target]], marker="*", ms=13, color=colors[i], ls="none")
        bottom.plot([s, s + window - 1], [-i, -i], color=colors[i], lw=7, solid_capstyle="butt", alpha=0.8)
        bottom.plot([target], [-i], marker="*", ms=13, color=colors[i], ls="none")
        bottom.text(target + 0.8, -i, f"window {i}: inputs at steps {s}..{s + window - 1}, target at step {target}",
                    ha="left", va="center", fontsize=8)
        shown += 1
    top.set(ylabel="value", title=f"sliding windows: window={window}, stride={stride}, horizon={horizon}"
                                   " (bars: inputs, stars: targets)")
    bottom.set(xlabel="time step", yticks=[], ylim=(-shown + 0.4, 0.6))
    bottom.set_xlim(-0.5, len(series) - 0.5)
    for side in ("left", "right", "top"):
        bottom.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def plot_forecast(hours: np.ndarray, truth: np.ndarray, forecasts: Mapping[str, np.ndarray], title: str = "") -> Figure:
    """A stretch of a series and one or more forecasts of it.

    Defined in 06_sequence_models.
    """
    fig, ax = plt.subplots(figsize=(11, 3.2))
    ax.plot(hours / 24, truth, color="k", lw=1.2, label="measured")
    for name, values in forecasts.items():
        ax.plot(hours / 24, values, lw=1, label=name)
    ax.set(xlabel="time (days)", ylabel="temperature (°C)", title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_matched_filter(t: np.ndarray, flux: np.ndarray, kernel: np.ndarray, response: np.ndarray,
                        shifted: np.ndarray, shifted_response: np.ndarray) -> Figure:
    """A 1-D convolution as a detector: the series, the kernel, and the responses before and after a shift.

    Defined in 06_sequence_models.
    """
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.3), gridspec_kw={"width_ratios": [3, 1, 3]})
    axes[0].plot(t, flux, ".", ms=3, color="0.5", label="flux")
    axes[0].plot(t, shifted, ".", ms=3, color="tab:orange", alpha=0.6, label="same, shifted")
    axes[0].set(xlabel="time step", ylabel="flux", title="a noisy series with a transit dip")
    axes[0].legend(fontsize=8)
    axes[1].stem(np.arange(len(kernel)), kernel, basefmt=" ")
    axes[1].set(xlabel="tap", title="kernel (box dip)")
    axes[2].plot(t[: len(response)], response, color="tab:blue", label="response")
    axes[2].plot(t[: len(shifted_response)], shifted_response, color="tab:orange", label="response to shifted")
    axes[2].set(xlabel="time step", title="Conv1D output: peaks where the dip is")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_unrolled_rnn(steps: int = 4) -> Figure:
    """The recurrent neuron folded (a loop) and unrolled over ``steps`` time steps.

    Defined in 06_sequence_models.
    """
    fig, ax = plt.subplots(figsize=(1.8 * (steps + 2), 3.2))
    ax.set_xlim(-0.5, steps + 1.0)
    ax.set_ylim(-0.9, 2.0)
    ax.axis("off")

    def box(x: float, y: float, text: str, color: str) -> None:
        ax.text(x, y, text, ha="center", va="center", fontsize=11,
                bbox={"boxstyle": "round,pad=0.35", "fc": color, "ec": "0.3"})

    def arrow(x0: float, y0: float, x1: float, y1: float, label: str = "") -> None:
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops={"arrowstyle": "->", "color": "0.25"})
        if label:
            ax.text((x0 + x1) / 2 + 0.05, (y0 + y1) / 2 + 0.08, label, fontsize=9, color="tab:red")

    # folded
    box(0, 0.6, r"$h$", "#cfe2f3")
    box(0, -0.6, r"$x_t$", "#fff2cc")
    box(0, 1.7, r"$y_t$", "#d9ead3")
    arrow(0, -0.4, 0, 0.4, r"$W_{xh}$")
    arrow(0, 0.8, 0, 1.5, r"$W$")
    ax.annotate("", xy=(0.13, 0.52), xytext=(0.13, 0.68),
                arrowprops={"arrowstyle": "->", "color": "0.25",
                            "connectionstyle": "arc,angleA=0,angleB=0,armA=28,armB=28,rad=6"})
    ax.text(0.42, 0.6, r"$W_{hh}$", fontsize=9, color="tab:red", va="center")
    ax.text(0.78, 0.6, "=", fontsize=18, ha="center", va="center")
    ax.text(1.05, 0.6, r"$h_0$", fontsize=11, ha="center", va="center")
    # unrolled
    for j in range(steps):
        x = 1.5 + j
        box(x, 0.6, rf"$h_{{{j + 1}}}$", "#cfe2f3")
        box(x, -0.6, rf"$x_{{{j + 1}}}$", "#fff2cc")
        box(x, 1.7, rf"$y_{{{j + 1}}}$", "#d9ead3")
        arrow(x, -0.4, x, 0.4)
        arrow(x, 0.8, x, 1.5)
        arrow(x - (0.35 if j == 0 else 0.8), 0.6, x - 0.2, 0.6, r"$W_{hh}$" if j else "")
    ax.set_title("a recurrent layer, folded (left) and unrolled in time: the same weights at every step")
    fig.tight_layout()
    return fig


def plot_gradient_norms(norms: Mapping[str, np.ndarray], title: str = "") -> Figure:
    """Gradient norm against time lag on a log scale, one line per network.

    Exact zeros (a gradient that underflowed) are left out, so such a line ends there.

    Defined in 06_sequence_models.
    """
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    for name, values in norms.items():
        values = np.asarray(values, dtype=float)
        shown = np.where(values > 0, values, np.nan)  # a gradient that underflowed to 0 ends its line
        ax.semilogy(np.arange(len(values)), shown, label=name)
    ax.set(xlabel=r"time lag $k$ (steps back from the last one)",
           ylabel=r"$\|\partial\, \Sigma h_T / \partial x_{T-k}\|$", title=title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_survey_light_curves(curves: LightCurves, per_class: int = 2) -> Figure:
    """``per_class`` example light curves of every class, with error bars at the irregular visit times.

    Defined in 06_sequence_models.
    """
    n_classes = len(SURVEY_CLASSES)
    fig, axes = plt.subplots(per_class, n_classes, figsize=(3.2 * n_classes, 2.4 * per_class),
                             sharex=True, squeeze=False)
    colors = plotting.class_colors(n_classes)
    for k, name in enumerate(SURVEY_CLASSES):
        rows = np.flatnonzero(curves.labels == k)[:per_class]
        for r, i in enumerate(rows):
            ax = axes[r, k]
            ax.errorbar(curves.times[i], curves.flux[i], curves.flux_err[i], fmt="o", ms=2.5,
                        color=colors[k], elinewidth=0.7)
            if r == 0:
                ax.set_title(name)
            if r == per_class - 1:
                ax.set_xlabel("time (days)")
        axes[0, 0].set_ylabel("difference flux")
    fig.tight_layout()
    return fig
