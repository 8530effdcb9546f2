"""The sequence-model lecture's helpers: survey light curves, example series, models and figures.

The lecture moves from sequences in science (light curves, spectrograms, sensor
series) through sliding windows, 1-D convolutions and recurrent networks to
LSTMs, and ends by classifying irregularly sampled, noisy survey light curves
(in the spirit of the PLAsTiCC challenge) with an MLP, a 1-D CNN and an LSTM.
On the way it classifies short sounds (waveform -> spectrogram -> CNN) and
measures how far back gradients reach (full and truncated backpropagation
through time). The data generators, the networks and the figures live here, so
the notebook reads like the lecture and the same networks can be trained elsewhere.

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
    "SOUND_CLASSES",
    "LightCurves",
    "survey_light_curves",
    "light_curve_features",
    "light_curve_split",
    "chirp",
    "sensor_series",
    "urban_sounds",
    "log_spectrograms",
    "build_mlp",
    "build_cnn1d",
    "build_lstm",
    "build_sequence_model",
    "build_spectrogram_cnn",
    "gru_step",
    "input_gradients_by_lag",
    "gradient_norms_by_lag",
    "truncated_bptt",
    "plot_science_series",
    "plot_windows",
    "plot_forecast",
    "plot_matched_filter",
    "plot_unrolled_rnn",
    "plot_gradient_norms",
    "plot_survey_light_curves",
    "plot_sounds",
    "plot_sound_prediction",
]

#: The classes of :func:`survey_light_curves`, in label order.
SURVEY_CLASSES = ("SN Ia", "SN II", "pulsator", "eclipsing binary", "AGN")
#: The classes of :func:`urban_sounds`, in label order (four of the ten classes of UrbanSound8K).
SOUND_CLASSES = ("car horn", "dog bark", "drilling", "siren")


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


def _tone_stack(phase: np.ndarray, n_harmonics: int, fundamental: np.ndarray, rate: float) -> np.ndarray:
    # Harmonics h * phase with amplitude 1/h, leaving out those above the Nyquist frequency.
    out = np.zeros_like(phase)
    for h in range(1, n_harmonics + 1):
        out += np.where(h * fundamental < rate / 2 - 100, np.sin(h * phase) / h, 0.0)
    return out


def urban_sounds(n: int, rate: int = 8000, duration: float = 1.0, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic one-second street sounds: ``(waves, labels)``, float32 ``(n, rate * duration)`` and int64 ``(n,)``.

    Four of the ten classes of the UrbanSound8K data set (Salamon et al. 2014),
    :data:`SOUND_CLASSES`, a quarter each in random order, built from what tells
    them apart in a spectrogram:

    - ``car horn``: two steady notes a major third apart (330-480 Hz and 5/4 of
      it) with five harmonics each, lasting 0.3-0.8 s;
    - ``dog bark``: one to three barks of 70-150 ms, a noisy harmonic stack
      whose pitch (350-700 Hz) falls by 30 % during the bark;
    - ``drilling``: a motor whine (500-1100 Hz, three harmonics) plus broadband
      noise between 1.5 and 3.5 kHz, buzzing at 20-40 Hz, lasting 0.5-1 s;
    - ``siren``: a tone (plus its second harmonic) sweeping up and down between
      500-800 Hz and 1.5-2 times that, with a period of 0.4-1.2 s.

    Start times, pitches and loudness are random; every clip gets reddish street
    noise (an AR(1) process) at a random level. Sampled at ``rate`` Hz, at least
    8 kHz (telephone quality, enough for these sounds). Deterministic for a given ``seed``.

    Defined in 06_sequence_models.
    """
    from scipy import signal

    n, rate = int(n), int(rate)
    m = int(round(rate * duration))
    if n < 0 or rate < 8000 or m < 256:
        raise ValueError(f"need n >= 0, rate >= 8000 Hz (the drill's noise reaches 3.5 kHz) and at least 256 samples, "
                         f"got n={n}, rate={rate}, {m} samples")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x06, 2)))
    labels = rng.permutation(np.arange(n) % len(SOUND_CLASSES)).astype(np.int64)
    t = np.arange(m) / rate
    waves = np.zeros((n, m))
    col = lambda k, lo, hi: rng.uniform(lo, hi, (k, 1))  # noqa: E731 - one draw per clip
    smooth = np.ones(int(0.01 * rate)) / int(0.01 * rate)  # 10 ms onsets and offsets

    def on_off(start: np.ndarray, length: np.ndarray) -> np.ndarray:
        box = ((t >= start) & (t < start + length)).astype(float)
        return np.apply_along_axis(np.convolve, 1, box, smooth, mode="same")

    rows = np.flatnonzero(labels == 0)  # car horn
    k = len(rows)
    if k:
        f0 = col(k, 330.0, 480.0)
        env = on_off(col(k, 0.0, 0.5), col(k, 0.3, 0.8))
        for f in (f0, 1.25 * f0):
            waves[rows] += env * _tone_stack(2 * np.pi * f * t + col(k, 0.0, 2 * np.pi), 5, f, rate)
    rows = np.flatnonzero(labels == 1)  # dog bark
    k = len(rows)
    if k:
        n_barks = rng.integers(1, 4, (k, 1))
        for j in range(3):
            start, length, f0 = col(k, 0.0, 0.85), col(k, 0.07, 0.15), col(k, 350.0, 700.0)
            tau = np.clip(t - start, 0.0, None)
            env = (t >= start) * np.exp(-tau / (length / 3)) * (1 - np.exp(-tau / 0.005)) * (j < n_barks)
            f = f0 * (1 - 0.3 * np.clip(tau / length, 0.0, 1.0))
            bark = _tone_stack(2 * np.pi * np.cumsum(f, axis=1) / rate, 5, f0, rate) + 0.6 * rng.normal(size=(k, m))
            waves[rows] += env * bark
    rows = np.flatnonzero(labels == 2)  # drilling
    k = len(rows)
    if k:
        f0 = col(k, 500.0, 1100.0)
        env = on_off(col(k, 0.0, 0.3), col(k, 0.5, 1.0))
        buzz = 0.6 + 0.4 * np.sin(2 * np.pi * col(k, 20.0, 40.0) * t)
        band = signal.sosfilt(signal.butter(4, [1500, 3500], btype="band", fs=rate, output="sos"),
                              rng.normal(size=(k, m)), axis=1)
        waves[rows] += env * buzz * (_tone_stack(2 * np.pi * f0 * t, 3, f0, rate) + 1.5 * band)
    rows = np.flatnonzero(labels == 3)  # siren
    k = len(rows)
    if k:
        low = col(k, 500.0, 800.0)
        high = low * col(k, 1.5, 2.0)
        f = low + (high - low) * 0.5 * (1 - np.cos(2 * np.pi * t / col(k, 0.4, 1.2) + col(k, 0.0, 2 * np.pi)))
        phase = 2 * np.pi * np.cumsum(f, axis=1) / rate
        waves[rows] += np.sin(phase) + 0.3 * np.sin(2 * phase)
    if n:
        waves *= rng.uniform(0.3, 1.0, (n, 1)) / np.abs(waves).max(axis=1, keepdims=True)
        noise = signal.lfilter([1.0], [1.0, -0.95], rng.normal(size=(n, m)), axis=1)
        waves += rng.uniform(0.02, 0.15, (n, 1)) * noise / noise.std(axis=1, keepdims=True)
    return waves.astype(np.float32), labels


def log_spectrograms(waves: np.ndarray, rate: int, nperseg: int = 256, noverlap: int = 128
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Short-time Fourier power of each clip in decibels: ``(frequencies, times, spectrograms)``.

    ``waves`` is ``(n, samples)`` (or one clip, ``(samples,)``). Each clip is cut
    into segments of ``nperseg`` samples that overlap by ``noverlap`` (Hann window,
    ``scipy.signal.spectrogram``), and the power of each segment's Fourier
    transform is taken in decibels, ``10 log10(power)`` (floored 100 dB below the
    clip's loudest value, so that silence does not give -inf). The result is an image
    per clip, ``(n, nperseg // 2 + 1, n_frames)`` float32: frequency along the
    rows (0 to ``rate / 2``), time along the columns. Each image is standardised
    (mean 0, standard deviation 1) so that a loud and a quiet clip of the same
    sound look alike to a network.

    Defined in 06_sequence_models.
    """
    from scipy import signal

    waves = np.asarray(waves, dtype=np.float64)
    if waves.shape[-1] < nperseg:
        raise ValueError(f"a clip of {waves.shape[-1]} samples is shorter than one segment ({nperseg})")
    freqs, times, power = signal.spectrogram(waves, fs=rate, nperseg=nperseg, noverlap=noverlap, axis=-1)
    db = 10.0 * np.log10(power + 1e-10 * power.max(axis=(-2, -1), keepdims=True) + 1e-30)  # floor: 100 dB down
    db = (db - db.mean(axis=(-2, -1), keepdims=True)) / db.std(axis=(-2, -1), keepdims=True)
    return freqs, times, db.astype(np.float32)


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


def build_spectrogram_cnn(n_freq: int, n_frames: int, n_classes: int, filters: Sequence[int] = (8, 16)
                          ) -> "keras.Model":
    """A small 2-D CNN on spectrograms: [Conv2D(f, 3, ReLU), MaxPool 2] per ``f``, global max pooling, Dense softmax.

    Input ``(n_freq, n_frames, 1)``: a spectrogram is an image with frequency and
    time as its axes, so the convolutions learn local time-frequency patterns (a
    harmonic stack, a sweep, a burst) and the global max pooling asks whether
    each pattern occurs anywhere in the clip. The softmax is float32.

    Defined in 06_sequence_models.
    """
    import keras

    layers: list[Any] = [keras.Input(shape=(n_freq, n_frames, 1), name="spectrogram")]
    for i, f in enumerate(filters, start=1):
        layers.append(keras.layers.Conv2D(f, 3, activation="relu", name=f"conv{i}"))
        layers.append(keras.layers.MaxPooling2D(2, name=f"pool{i}"))
    layers.append(keras.layers.GlobalMaxPooling2D(name="global_max"))
    layers.append(keras.layers.Dense(n_classes, activation="softmax", dtype="float32", name="probabilities"))
    return keras.Sequential(layers, name="spectrogram_cnn")


def gru_step(x_t: Any, h_prev: Any, kernel: Any, recurrent_kernel: Any, bias: Any) -> np.ndarray:
    """One step of a GRU exactly as Keras computes it (``keras.layers.GRUCell``, default ``reset_after=True``).

    Keras layout, as for its LSTM: ``kernel`` ``(F, 3U)``, ``recurrent_kernel``
    ``(U, 3U)``, ``bias`` ``(2, 3U)`` (one row for the input side, one for the
    recurrent side), blocks in the order **z, r, h** (update gate, reset gate,
    candidate). With ``x = x_t K + b_0`` and ``m = h_{t-1} R + b_1`` split into
    the three blocks::

        z = sigmoid(x_z + m_z)            update gate
        r = sigmoid(x_r + m_r)            reset gate
        h~ = tanh(x_h + r * m_h)          candidate: the reset gate scales the recurrent part
        h_t = z * h_{t-1} + (1 - z) * h~  z near 1 keeps the old state

    ``reset_after=True`` (the reset applied after the matrix product) is the
    variant cuDNN implements; Cho et al. (2014) apply it before, ``(r * h_{t-1}) R``.
    Returns ``h_t`` as float64 ``(batch, U)``.

    Defined in 06_sequence_models.
    """
    x_t, h_prev = np.asarray(x_t, dtype=float), np.asarray(h_prev, dtype=float)
    bias = np.asarray(bias, dtype=float).reshape(2, -1)
    x = x_t @ np.asarray(kernel, dtype=float) + bias[0]
    m = h_prev @ np.asarray(recurrent_kernel, dtype=float) + bias[1]
    x_z, x_r, x_h = np.split(x, 3, axis=-1)
    m_z, m_r, m_h = np.split(m, 3, axis=-1)
    z = 1.0 / (1.0 + np.exp(-(x_z + m_z)))
    r = 1.0 / (1.0 + np.exp(-(x_r + m_r)))
    candidate = np.tanh(x_h + r * m_h)
    return z * h_prev + (1.0 - z) * candidate


def input_gradients_by_lag(layer: "keras.layers.Layer", x: np.ndarray) -> np.ndarray:
    """The gradient of ``sum(h_T)`` with respect to every input of one sequence, row ``k`` for lag ``k``.

    For one sequence ``x`` of shape ``(T, features)`` returns the float32 array
    ``g`` of shape ``(T, features)`` with ``g[k] = d sum(h_T) / d x_{T-k}``, as
    ``tf.GradientTape`` computes it (in the layer's float32). ``layer`` must
    return only its last output (``return_sequences=False``).

    Defined in 06_sequence_models.
    """
    import tensorflow as tf

    xt = tf.Variable(np.asarray(x, dtype=np.float32)[None])
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(tf.cast(layer(xt), tf.float32))
    return tape.gradient(out, xt).numpy()[0][::-1]


def gradient_norms_by_lag(layer: "keras.layers.Layer", x: np.ndarray) -> np.ndarray:
    """How strongly the last output of a recurrent ``layer`` depends on each earlier input.

    For one sequence ``x`` of shape ``(T, features)`` returns, for lags
    ``k = 0 .. T-1``, the Euclidean norm of the gradient of ``sum(h_T)`` with
    respect to the input ``x_{T-k}`` (:func:`input_gradients_by_lag`): the signal
    backpropagation through time carries ``k`` steps back. The norm is computed
    in float64: a norm squares its entries, and in float32 the square of a value
    below about 2.6e-23 rounds to 0, so a tiny but perfectly representable
    float32 gradient (float32's smallest normal number is 1.2e-38) would get the
    norm 0. ``layer`` must return only its last output (``return_sequences=False``).

    Defined in 06_sequence_models.
    """
    return np.linalg.norm(input_gradients_by_lag(layer, x).astype(np.float64), axis=-1)


def truncated_bptt(layer: "keras.layers.Layer", x: np.ndarray, chunk: int | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Run a recurrent ``layer`` over one long sequence in chunks, carrying the state: ``(h_T, gradient norms)``.

    ``layer`` must be built with ``return_state=True`` (and ``return_sequences=False``).
    The sequence ``x`` (``(T, features)``) is read ``chunk`` steps at a time; the
    final state of each chunk is the initial state of the next, so the forward
    pass computes exactly the same ``h_T`` as one pass over all ``T`` steps. With
    ``chunk`` set, the state handed on is cut from the gradient
    (``tf.stop_gradient``): truncated backpropagation through time, whose backward
    pass never goes further back than the current chunk. ``chunk=None`` is full
    BPTT. Returns the last output (float64 ``(units,)``) and, per lag ``k =
    0 .. T-1``, the float64 norm of ``d sum(h_T) / d x_{T-k}`` (exactly 0 beyond
    the last chunk when truncated).

    Defined in 06_sequence_models.
    """
    import tensorflow as tf

    x = np.asarray(x, dtype=np.float32)
    steps = len(x)
    size = steps if chunk is None else int(chunk)
    if size < 1:
        raise ValueError(f"chunk must be a positive number of steps, got {chunk!r}")
    xt = tf.Variable(x[None])
    with tf.GradientTape() as tape:
        states = None
        for start in range(0, steps, size):
            piece = xt[:, start:start + size]
            out, *states = layer(piece) if states is None else layer(piece, initial_state=states)
            if chunk is not None:
                states = [tf.stop_gradient(s) for s in states]
        total = tf.reduce_sum(tf.cast(out, tf.float32))
    grad = tape.gradient(total, xt).numpy()[0][::-1].astype(np.float64)
    return np.asarray(out, dtype=np.float64)[0], np.linalg.norm(grad, axis=-1)


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

    A norm of exactly 0 cannot be drawn on a log axis: it is left out, so such a
    line ends there (with :func:`gradient_norms_by_lag`'s float64 norms it happens
    only when the gradient itself is 0).

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


def plot_sounds(waves: np.ndarray, labels: np.ndarray, rate: int) -> Figure:
    """One clip of every class of :data:`SOUND_CLASSES`: its waveform (top) and its spectrogram (bottom).

    Defined in 06_sequence_models.
    """
    n_classes = len(SOUND_CLASSES)
    fig, axes = plt.subplots(2, n_classes, figsize=(3.3 * n_classes, 4.8), sharex=True, squeeze=False)
    colors = plotting.class_colors(n_classes)
    for k, name in enumerate(SOUND_CLASSES):
        rows = np.flatnonzero(np.asarray(labels) == k)
        if not len(rows):
            axes[0, k].set_title(f"{name} (no clip)", fontsize=10)
            continue
        wave = np.asarray(waves[rows[0]], dtype=float)
        t = np.arange(len(wave)) / rate
        axes[0, k].plot(t, wave, lw=0.3, color=colors[k])
        axes[0, k].set_title(name, fontsize=10)
        freqs, times, spec = log_spectrograms(wave, rate)
        axes[1, k].pcolormesh(times, freqs / 1000, spec, shading="auto", cmap="magma")
        axes[1, k].set_xlabel("time (s)")
    axes[0, 0].set_ylabel("waveform")
    axes[1, 0].set_ylabel("frequency (kHz)")
    fig.tight_layout()
    return fig


def plot_sound_prediction(wave: np.ndarray, rate: int, probabilities: np.ndarray, title: str = "") -> Figure:
    """The audio pipeline for one clip: waveform -> spectrogram -> the CNN's class probabilities.

    Defined in 06_sequence_models.
    """
    wave = np.asarray(wave, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.2), gridspec_kw={"width_ratios": [3, 3, 2]})
    axes[0].plot(np.arange(len(wave)) / rate, wave, lw=0.3, color="0.3")
    axes[0].set(xlabel="time (s)", title=f"waveform: {len(wave):,} samples at {rate:,} Hz")
    freqs, times, spec = log_spectrograms(wave, rate)
    axes[1].pcolormesh(times, freqs / 1000, spec, shading="auto", cmap="magma")
    axes[1].set(xlabel="time (s)", ylabel="frequency (kHz)",
                title=f"spectrogram: {spec.shape[0]} frequencies x {spec.shape[1]} frames")
    colors = plotting.class_colors(len(SOUND_CLASSES))
    y = np.arange(len(SOUND_CLASSES))
    axes[2].barh(y, probabilities, color=colors)
    axes[2].set_yticks(y, [f"{name} ({p:.2f})" for name, p in zip(SOUND_CLASSES, probabilities)])
    axes[2].invert_yaxis()
    axes[2].set(xlim=(0, 1), xlabel="probability", title="CNN -> softmax")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
