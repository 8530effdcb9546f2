"""Tests for course.sequences: the survey light curves, the example series, the three models and the figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course import device, sequences  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def keras():
    """Keras, imported quietly and seeded by device.setup (CPU sizes, float32)."""
    device.setup(profile="cpu", verbose=False)
    import keras as k

    return k


@pytest.fixture(scope="module")
def curves():
    return sequences.survey_light_curves(1000, 64, seed=3)


# ------------------------------------------------------------------ light curves


def test_survey_light_curves_shapes_and_types(curves):
    for name in ("times", "flux", "flux_err"):
        arr = getattr(curves, name)
        assert arr.shape == (1000, 64) and arr.dtype == np.float32, name
    assert curves.labels.shape == (1000,) and curves.labels.dtype == np.int64
    assert len(curves) == 1000
    assert curves.classes == sequences.SURVEY_CLASSES
    assert repr(curves) == "LightCurves(n=1000, length=64, classes=5)"


def test_survey_light_curves_balanced_classes(curves):
    assert np.bincount(curves.labels, minlength=5).tolist() == [200] * 5


def test_survey_light_curves_irregular_increasing_times(curves):
    gaps = np.diff(curves.times, axis=1)
    assert np.all(curves.times[:, 0] == 0)
    assert np.all(gaps > 0)
    assert gaps.std() > 0.5 * gaps.mean()  # irregular, not a grid
    assert 0.1 <= gaps.min() and gaps.max() > 4  # weather gaps happen
    assert 80 < np.median(curves.times[:, -1]) < 250


def test_survey_light_curves_errors_positive_and_heteroscedastic(curves):
    assert np.all(curves.flux_err > 0)
    per_object = curves.flux_err.mean(axis=1)
    assert per_object.max() > 2 * per_object.min()


def test_survey_light_curves_are_deterministic():
    a = sequences.survey_light_curves(50, 32, seed=7)
    b = sequences.survey_light_curves(50, 32, seed=7)
    c = sequences.survey_light_curves(50, 32, seed=8)
    for name in ("times", "flux", "flux_err", "labels"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.flux, c.flux)


def test_survey_light_curves_class_signatures(curves):
    flux, labels = curves.flux, curves.labels
    peak = flux.max(axis=1)
    low = flux.min(axis=1)
    med = np.median(flux, axis=1)
    by = lambda k, v: v[labels == k]  # noqa: E731
    # supernovae: a positive flash well above the noise
    assert np.median(by(0, peak)) > 0.5 and np.median(by(1, peak)) > 0.5
    # eclipsing binaries: dips only, never bright excursions
    assert np.median(by(3, low)) < -0.5
    assert np.median(by(3, peak)) < np.median(by(0, peak))
    # pulsators oscillate around zero
    assert abs(np.median(by(2, med))) < 0.2
    # SN II stay bright longer than SN Ia: more visits above half their peak
    bright = (flux > 0.5 * peak[:, None]).sum(axis=1)
    assert np.median(by(1, bright)) > 1.5 * np.median(by(0, bright))


@pytest.mark.parametrize("n,length", [(-1, 64), (10, 1)])
def test_survey_light_curves_rejects_bad_sizes(n, length):
    with pytest.raises(ValueError):
        sequences.survey_light_curves(n, length)


def test_survey_light_curves_empty():
    empty = sequences.survey_light_curves(0, 16)
    assert empty.flux.shape == (0, 16) and len(empty) == 0


def test_light_curve_features(curves):
    x = sequences.light_curve_features(curves)
    assert x.shape == (1000, 64, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(x[..., 0], curves.flux)
    np.testing.assert_array_equal(x[..., 1], curves.flux_err)
    assert np.all(x[:, 0, 2] == 0)
    np.testing.assert_allclose(x[:, 1:, 2], np.diff(curves.times, axis=1) / 10.0, rtol=1e-6)


def test_light_curve_split_uses_different_objects():
    x_train, y_train, x_test, y_test = sequences.light_curve_split(40, 15, length=20, seed=1)
    assert x_train.shape == (40, 20, 3) and x_test.shape == (15, 20, 3)
    assert y_train.shape == (40,) and y_test.shape == (15,)
    np.testing.assert_array_equal(x_test, sequences.light_curve_features(sequences.survey_light_curves(15, 20, seed=2)))
    assert not np.array_equal(x_train[:15], x_test)


# ------------------------------------------------------------ other example series


def test_chirp_frequency_rises_until_merger():
    t, strain = sequences.chirp(8.0, 512, seed=0)
    assert t.shape == strain.shape == (8 * 512,)
    clean_t, clean = sequences.chirp(8.0, 512, seed=0)
    np.testing.assert_array_equal(strain, clean)

    def peak_frequency(start: float) -> float:
        seg = strain[int(start * 512): int(start * 512) + 256]
        spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
        return float(np.fft.rfftfreq(len(seg), 1 / 512)[spectrum.argmax()])

    early, late = peak_frequency(0.5), peak_frequency(6.3)
    assert 20 < early < 45
    assert late > 2 * early


def test_sensor_series_has_a_daily_cycle():
    hours, temp = sequences.sensor_series(24 * 20, seed=2)
    assert hours.shape == temp.shape == (480,)
    np.testing.assert_array_equal(hours, np.arange(480))
    d = temp - temp.mean()
    corr = lambda lag: float(np.corrcoef(d[:-lag], d[lag:])[0, 1])  # noqa: E731
    assert corr(24) > corr(12) + 0.3
    assert 14 < temp.mean() < 22
    np.testing.assert_array_equal(temp, sequences.sensor_series(24 * 20, seed=2)[1])


# ------------------------------------------------------------------------ models


def _expected_params(kind: str, length: int, f: int, c: int) -> int:
    if kind == "MLP":
        return (length * f * 64 + 64) + (64 * 64 + 64) + (64 * c + c)
    if kind == "1-D CNN":
        return (5 * f * 32 + 32) + (5 * 32 * 32 + 32) + (32 * c + c)
    return 4 * (32 * (f + 32) + 32) + (32 * c + c)


@pytest.mark.parametrize("kind", ["MLP", "1-D CNN", "LSTM"])
def test_models_output_probabilities(keras, kind):
    model = sequences.build_sequence_model(kind, 24, 3, 5)
    assert model.count_params() == _expected_params(kind, 24, 3, 5)
    x = np.random.default_rng(0).normal(size=(4, 24, 3)).astype(np.float32)
    p = np.asarray(model.predict(x, verbose=0))
    assert p.shape == (4, 5) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    assert model.layers[-1].dtype_policy.compute_dtype == "float32"


def test_lstm_readouts(keras):
    last = sequences.build_lstm(10, 2, 3, units=8, readout="last")
    pooled = sequences.build_lstm(10, 2, 3, units=8, readout="max")
    assert last.count_params() == pooled.count_params() == 4 * (8 * (2 + 8) + 8) + 8 * 3 + 3
    assert not last.get_layer("lstm").return_sequences
    assert pooled.get_layer("lstm").return_sequences
    assert isinstance(pooled.get_layer("max_over_time"), keras.layers.GlobalMaxPooling1D)
    with pytest.raises(ValueError):
        sequences.build_lstm(10, 2, 3, readout="mean")


def test_build_sequence_model_rejects_unknown_kind(keras):
    with pytest.raises(ValueError):
        sequences.build_sequence_model("GRU", 10, 1, 2)


def test_cnn1d_prediction_does_not_depend_on_where_the_pattern_is(keras):
    # Global max pooling: a pattern in the middle gives the same prediction wherever it sits,
    # as long as it stays clear of the zero-padded ends.
    keras.utils.set_random_seed(0)
    model = sequences.build_cnn1d(64, 1, 2)
    x = np.zeros((1, 64, 1), np.float32)
    x[0, 16:24, 0] = np.linspace(1, 0, 8)
    shifted = np.roll(x, 24, axis=1)
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(shifted, verbose=0), rtol=1e-5)


def test_light_curve_classifier_learns(keras):
    from course import cnn

    x_train, y_train, x_test, y_test = sequences.light_curve_split(600, 200, length=32, seed=0)
    keras.utils.set_random_seed(0)
    model = sequences.build_cnn1d(32, 3, 5)
    _, accuracy, _ = cnn.fit_classifier(model, x_train, y_train, x_test, y_test, epochs=4, batch_size=64, curves=False)
    assert accuracy > 0.5  # chance is 0.2


# ------------------------------------------------------------- gradients by lag


def test_gradient_norms_by_lag_linear_rnn(keras):
    # One linear unit: h_T = sum_t (x_t . k) r^(T-t), so |d h_T / d x_(T-j)| = |k| * |r|^j.
    layer = keras.layers.SimpleRNN(1, activation=None, dtype="float32")
    layer.build((None, None, 2))
    k = np.array([[0.6], [-0.8]])
    r = 0.7
    layer.set_weights([k, np.array([[r]]), np.zeros(1)])
    x = np.random.default_rng(0).normal(size=(12, 2))
    norms = sequences.gradient_norms_by_lag(layer, x)
    assert norms.shape == (12,) and norms.dtype == np.float64
    np.testing.assert_allclose(norms, np.linalg.norm(k) * r ** np.arange(12), rtol=1e-5)


def test_gradient_norms_stay_exact_where_float32_squares_underflow(keras):
    # r = 0.3 over 60 steps: the gradient reaches 0.3^59 ~ 1e-31, a normal float32 number, whose square
    # (1e-62) is 0 in float32. The norm must still be |k| r^j, not 0.
    layer = keras.layers.SimpleRNN(1, activation=None, dtype="float32")
    layer.build((None, None, 2))
    k = np.array([[0.6], [-0.8]])
    layer.set_weights([k, np.array([[0.3]]), np.zeros(1)])
    x = np.random.default_rng(1).normal(size=(60, 2))
    grads = sequences.input_gradients_by_lag(layer, x)
    assert grads.shape == (60, 2) and grads.dtype == np.float32
    np.testing.assert_allclose(grads, np.tile(k.T, (60, 1)) * 0.3 ** np.arange(60)[:, None], rtol=1e-4)
    assert np.linalg.norm(grads[-1]) == 0.0          # the float32 pitfall the float64 norm avoids
    norms = sequences.gradient_norms_by_lag(layer, x)
    np.testing.assert_allclose(norms, 0.3 ** np.arange(60), rtol=1e-4)
    assert norms[-1] > 1e-32


@pytest.mark.parametrize("chunk", [None, 7, 20, 30])
def test_truncated_bptt_keeps_the_forward_pass_and_cuts_the_backward_pass(keras, chunk):
    keras.utils.set_random_seed(0)
    layer = keras.layers.SimpleRNN(5, return_state=True)
    x = np.random.default_rng(2).normal(size=(30, 3))
    h_full, g_full = sequences.truncated_bptt(layer, x, None)
    h, g = sequences.truncated_bptt(layer, x, chunk)
    np.testing.assert_allclose(h, h_full, rtol=1e-5, atol=1e-6)     # the state is carried over every chunk
    assert h.shape == (5,) and g.shape == (30,)
    last = 30 if chunk is None else (30 - 1) % chunk + 1               # steps in the last chunk
    np.testing.assert_allclose(g[:last], g_full[:last], rtol=1e-5)
    assert np.all(g[:last] > 0) and np.all(g[last:] == 0)


def test_truncated_bptt_lstm_and_bad_chunk(keras):
    layer = keras.layers.LSTM(4, return_state=True)
    x = np.random.default_rng(3).normal(size=(12, 2))
    h_full, _ = sequences.truncated_bptt(layer, x)
    h, g = sequences.truncated_bptt(layer, x, 5)
    np.testing.assert_allclose(h, h_full, rtol=1e-5, atol=1e-6)
    assert np.count_nonzero(g) == 2                                    # 12 = 5 + 5 + 2
    with pytest.raises(ValueError, match="chunk"):
        sequences.truncated_bptt(layer, x, 0)


def test_gru_step_is_keras_gru_cell(keras):
    import tensorflow as tf

    cell = keras.layers.GRUCell(4, dtype="float64")
    cell.build((None, 3))
    rng = np.random.default_rng(4)
    weights = [rng.normal(0, 0.7, w.shape) for w in cell.get_weights()]
    assert [w.shape for w in weights] == [(3, 12), (4, 12), (2, 12)]
    cell.set_weights(weights)
    x, h = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    want, _ = cell(tf.constant(x), [tf.constant(h)])
    np.testing.assert_allclose(sequences.gru_step(x, h, *weights), np.asarray(want), rtol=1e-10, atol=1e-12)


def test_gru_step_update_gate_keeps_the_state():
    # Update-gate bias +30: z = 1, so h_t = h_{t-1} whatever the input.
    u, f = 3, 2
    bias = np.zeros((2, 3 * u))
    bias[0, :u] = 30.0
    rng = np.random.default_rng(5)
    h = rng.normal(size=(4, u))
    np.testing.assert_allclose(sequences.gru_step(rng.normal(size=(4, f)), h, rng.normal(size=(f, 3 * u)),
                                                  rng.normal(size=(u, 3 * u)), bias), h, atol=1e-12)


# --------------------------------------------------------------------- sounds


@pytest.fixture(scope="module")
def sounds():
    return sequences.urban_sounds(80, seed=3)


def test_urban_sounds_shapes_balance_and_seed(sounds):
    waves, labels = sounds
    assert waves.shape == (80, 8000) and waves.dtype == np.float32
    assert labels.dtype == np.int64 and np.bincount(labels).tolist() == [20] * 4
    assert np.all(np.isfinite(waves)) and 0.2 < np.abs(waves).max(axis=1).min()
    again, labels2 = sequences.urban_sounds(80, seed=3)
    np.testing.assert_array_equal(again, waves)
    np.testing.assert_array_equal(labels2, labels)
    other, _ = sequences.urban_sounds(80, seed=4)
    assert not np.allclose(other, waves)
    assert sequences.urban_sounds(0)[0].shape == (0, 8000)
    assert sequences.urban_sounds(4, rate=16000, duration=0.5)[0].shape == (4, 8000)
    with pytest.raises(ValueError, match="8000"):
        sequences.urban_sounds(3, rate=4000)


def test_urban_sounds_class_signatures(sounds):
    waves, labels = sounds
    freqs, _, _ = sequences.log_spectrograms(waves[:1], 8000)
    from scipy import signal

    _, _, power = signal.spectrogram(waves.astype(float), fs=8000, nperseg=256, noverlap=128, axis=-1)
    spectrum = power.mean(axis=-1)                                       # (n, freq)
    high = spectrum[:, (freqs >= 1500) & (freqs <= 3500)].sum(axis=1) / spectrum.sum(axis=1)
    peak = freqs[spectrum.argmax(axis=1)]
    loud = power.sum(axis=1)                                            # (n, frames)
    active = (loud > 0.1 * loud.max(axis=1, keepdims=True)).mean(axis=1)
    by = lambda values, k: values[labels == k]  # noqa: E731
    assert np.median(by(high, 2)) > 2 * max(np.median(by(high, k)) for k in (0, 1, 3))  # drilling: 1.5-3.5 kHz
    assert np.all((by(peak, 0) > 300) & (by(peak, 0) < 650))            # horn: its fundamental, 330-600 Hz
    assert np.median(by(active, 1)) < np.median(by(active, 3))           # barks are short, sirens fill the clip
    # a siren's dominant frequency moves from frame to frame; a horn's does not
    track = freqs[power.argmax(axis=1)]                                  # (n, frames)
    spread = lambda k: np.median([np.ptp(row[a > 0.3]) for row, a in  # noqa: E731
                                  zip(track[labels == k], (loud / loud.max(axis=1, keepdims=True))[labels == k])])
    assert spread(3) > 300 > spread(0)


def test_log_spectrograms_axes_and_standardisation():
    rate = 8000
    t = np.arange(rate) / rate
    tone = np.sin(2 * np.pi * 1000 * t) + 0.1 * np.random.default_rng(0).normal(size=rate)
    freqs, times, spec = sequences.log_spectrograms(np.stack([tone, 0.01 * tone]), rate)
    assert spec.shape == (2, 129, 61) and spec.dtype == np.float32
    assert freqs[0] == 0 and freqs[-1] == rate / 2 and len(times) == 61
    assert freqs[spec[0].mean(axis=1).argmax()] == pytest.approx(1000, abs=freqs[1])
    np.testing.assert_allclose(spec.mean(axis=(1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(spec.std(axis=(1, 2)), 1, rtol=1e-4)
    np.testing.assert_allclose(spec[0], spec[1], atol=1e-3)              # loudness does not matter
    assert sequences.log_spectrograms(tone, rate)[2].shape == (129, 61)
    with pytest.raises(ValueError, match="shorter"):
        sequences.log_spectrograms(np.zeros(100), rate)


def test_spectrogram_cnn_learns_the_sounds(keras):
    from course import cnn

    waves, labels = sequences.urban_sounds(240, seed=5)
    test_waves, test_labels = sequences.urban_sounds(80, seed=6)
    _, _, x = sequences.log_spectrograms(waves, 8000)
    _, _, x_test = sequences.log_spectrograms(test_waves, 8000)
    keras.utils.set_random_seed(0)
    model = sequences.build_spectrogram_cnn(x.shape[1], x.shape[2], len(sequences.SOUND_CLASSES))
    assert model.output_shape == (None, 4)
    _, accuracy, _ = cnn.fit_classifier(model, x[..., None], labels, x_test[..., None], test_labels, epochs=6,
                                        batch_size=32, curves=False)
    assert accuracy > 0.8


# ----------------------------------------------------------------------- figures


def test_figures_are_drawn(curves):
    assert len(sequences.plot_science_series(seed=0).axes) == 3
    _, temp = sequences.sensor_series(100, seed=0)
    fig = sequences.plot_windows(temp[:40], 8, 4, 3, n_show=3)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert len(fig.axes[1].texts) == 3
    assert len(sequences.plot_windows(temp[:12], 8, 4, 3, n_show=3).axes[1].texts) == 1
    hours = np.arange(10.0)
    assert isinstance(sequences.plot_forecast(hours, hours, {"a": hours + 1}, title="t"), Figure)
    t = np.arange(30.0)
    fig = sequences.plot_matched_filter(t, t, -np.ones(3) / 3, t[:28], t, t[:28])
    assert len(fig.axes) == 3
    assert isinstance(sequences.plot_unrolled_rnn(3), Figure)
    fig = sequences.plot_survey_light_curves(curves, per_class=2)
    assert len(fig.axes) == 10
    assert [ax.get_title() for ax in fig.axes[:5]] == list(sequences.SURVEY_CLASSES)


def test_sound_figures(sounds):
    waves, labels = sounds
    fig = sequences.plot_sounds(waves, labels, 8000)
    assert len(fig.axes) == 8 and [ax.get_title() for ax in fig.axes[:4]] == list(sequences.SOUND_CLASSES)
    fig = sequences.plot_sound_prediction(waves[0], 8000, np.array([0.1, 0.7, 0.1, 0.1]), title="t")
    assert len(fig.axes) == 3
    assert [t.get_text() for t in fig.axes[2].get_yticklabels()][1] == "dog bark (0.70)"


def test_plot_gradient_norms_drops_exact_zeros():
    fig = sequences.plot_gradient_norms({"a": np.array([1.0, 0.1, 0.0, 0.0]), "b": np.ones(4)}, title="g")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    ya = ax.lines[0].get_ydata()
    assert np.isnan(ya[2:]).all() and ya[1] == pytest.approx(0.1)
