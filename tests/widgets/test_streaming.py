"""course.widgets.streaming: the chunked statistics against NumPy, and the widget headless."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from course import bigdata
from course.widgets.streaming import (
    OFFSETS,
    chan_running,
    chunk_summaries,
    exact_moments,
    make_streaming_explorer,
    merge_running,
    naive_running,
    variance_errors,
)


def sample(n: int = 1000, seed: int = 0, loc: float = 5.0, scale: float = 2.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(loc, scale, size=n)


# --------------------------------------------------------------------------- maths


@pytest.mark.parametrize("chunk", [1, 7, 100, 250, 999, 1000, 5000])
def test_chunk_summaries_are_numpy_per_chunk(chunk: int) -> None:
    x = sample(1000)
    counts, means, m2s = chunk_summaries(x, chunk)
    pieces = [x[i:i + chunk] for i in range(0, x.size, chunk)]
    np.testing.assert_array_equal(counts, [len(p) for p in pieces])
    np.testing.assert_allclose(means, [np.mean(p) for p in pieces], rtol=1e-13)
    np.testing.assert_allclose(m2s, [np.var(p) * len(p) for p in pieces], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("chunk", [1, 3, 64, 333, 1000, 4096])
def test_chan_running_ends_at_np_mean_and_np_var_and_tracks_every_prefix(chunk: int) -> None:
    x = sample(2000, seed=chunk)
    n, mean, var = chan_running(x, chunk)
    assert n[-1] == x.size and n.size == math.ceil(x.size / chunk)
    np.testing.assert_allclose(mean[-1], np.mean(x), rtol=1e-12)
    np.testing.assert_allclose(var[-1], np.var(x), rtol=1e-10)
    for k in range(0, n.size, max(1, n.size // 7)):
        prefix = x[: n[k]]
        np.testing.assert_allclose(mean[k], np.mean(prefix), rtol=1e-12)
        np.testing.assert_allclose(var[k], np.var(prefix), rtol=1e-9, atol=1e-14)


def test_chunk_size_one_is_welfords_update() -> None:
    x = sample(500, seed=3, loc=1e6)
    _, mean, var = chan_running(x, 1)
    n_w, mean_w, var_w = bigdata.welford(x)
    assert mean[-1] == pytest.approx(mean_w, rel=1e-14)
    assert var[-1] == pytest.approx(var_w, rel=1e-8)


def test_merge_running_on_several_streams_equals_one_at_a_time() -> None:
    rows = np.stack([sample(700, seed=s) + off for s, off in [(0, 0.0), (1, 1e6), (2, 1e10)]])
    counts, means, m2s = chunk_summaries(rows, 128)
    n_all, mean_all, var_all = merge_running(counts, means, m2s)
    for r, row in enumerate(rows):
        n1, mean1, var1 = chan_running(row, 128)
        np.testing.assert_array_equal(n_all, n1)
        np.testing.assert_array_equal(mean_all[r], mean1)
        np.testing.assert_array_equal(var_all[r], var1)
        np.testing.assert_allclose(var_all[r, -1], np.var(row - row.mean()), rtol=1e-5)


def test_merge_running_two_chunks_by_hand() -> None:
    # [1, 2] and [3, 4, 5, 6]: merged mean 3.5, population variance 35 / 12
    n, mean, var = merge_running([2, 4], [1.5, 4.5], [0.5, 5.0])
    np.testing.assert_array_equal(n, [2, 6])
    np.testing.assert_allclose(mean, [1.5, 3.5])
    np.testing.assert_allclose(var, [0.25, 35 / 12])


@pytest.mark.parametrize("chunk", [1, 50, 1000])
def test_naive_running_agrees_with_numpy_without_an_offset(chunk: int) -> None:
    x = sample(1000, seed=9, loc=0.0)
    n, mean, var = naive_running(x, chunk)
    assert n[-1] == 1000
    np.testing.assert_allclose(mean[-1], np.mean(x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(var[-1], np.var(x), rtol=1e-10)
    k = n.size // 2
    np.testing.assert_allclose(var[k], np.var(x[: n[k]]), rtol=1e-10)


def test_naive_fails_and_chan_holds_with_a_large_offset() -> None:
    x = sample(5000, seed=1, loc=0.0, scale=1.0) + 1e9
    truth = np.var(x - 1e9)  # x - 1e9 is exact (Sterbenz), so this is the variance of x itself
    naive = naive_running(x, 500)[2][-1]
    chan = chan_running(x, 500)[2][-1]
    assert abs(naive - truth) / truth > 1e-3
    assert abs(chan - truth) / truth < 1e-6


def test_exact_moments_match_numpy_and_exact_fractions() -> None:
    x = sample(300, seed=4, loc=1e8, scale=0.5)
    n, mean, var = exact_moments(x)
    fr = [Fraction(v) for v in x.tolist()]
    m = sum(fr) / len(fr)
    v = sum((f - m) ** 2 for f in fr) / len(fr)
    assert n == 300
    assert mean == pytest.approx(float(m), rel=1e-16)
    assert var == pytest.approx(float(v), rel=1e-14)
    y = sample(300, seed=5)
    assert exact_moments(y)[1:] == pytest.approx((np.mean(y), np.var(y)), rel=1e-12)
    assert exact_moments([4.0, 7.0, 13.0, 16.0]) == (4, 10.0, 22.5)


def test_variance_errors_grow_like_offset_squared_for_naive_only() -> None:
    x = sample(2000, seed=2, loc=0.0, scale=1.0)
    err = variance_errors(x, OFFSETS, 200)
    assert set(err) == {"offset", "exact", "naive", "chan"}
    assert err["naive"].shape == err["chan"].shape == OFFSETS.shape
    big = OFFSETS >= 1e8
    assert np.all(err["naive"][big] > 1e-3)
    assert np.all(err["chan"] < 1e-3)
    assert np.all(err["naive"][OFFSETS <= 10] < 1e-12)
    # errors compare against the variance of each shifted sample, recomputed here with NumPy on exact deviations
    k = int(np.flatnonzero(OFFSETS == 1e9)[0])
    shifted = x + 1e9
    np.testing.assert_allclose(err["exact"][k], np.var(shifted - 1e9), rtol=1e-12)
    assert err["chan"][k] == pytest.approx(abs(chan_running(shifted, 200)[2][-1] - err["exact"][k]) / err["exact"][k])


@pytest.mark.parametrize("call,match", [
    (lambda: chunk_summaries([1.0, 2.0], 0), "chunk size"),
    (lambda: chunk_summaries([1.0, 2.0], 2.5), "chunk size"),
    (lambda: chunk_summaries([], 5), "empty"),
    (lambda: chunk_summaries([1.0, float("nan")], 1), "NaN"),
    (lambda: chunk_summaries(3.0, 1), "single number"),
    (lambda: naive_running(["a", "b"], 1), "numbers"),
    (lambda: merge_running([2, 2], [1.0], [0.0]), "one count"),
    (lambda: merge_running([2, 0], [1.0, 2.0], [0.0, 0.0]), "at least one value"),
    (lambda: exact_moments([[1.0, 2.0]]), "1-D"),
    (lambda: variance_errors([1.0], [1.0], 1), "at least two"),
    (lambda: variance_errors([2.0, 2.0], [1.0], 1), "no spread"),
    (lambda: make_streaming_explorer([1.0]), "at least two"),
    (lambda: make_streaming_explorer(offset=-1.0), "offset"),
])
def test_bad_inputs_raise_value_errors_that_explain(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


# --------------------------------------------------------------------------- widget


@pytest.fixture(scope="module")
def explorer():
    return make_streaming_explorer()


def check_data(w, offset: float, chunk: int, n: int) -> None:
    d = w.data
    base = w._base[:n]
    x = base + offset
    assert d["n"] == n and d["chunk_size"] == chunk and d["offset"] == offset
    assert d["seen"][-1] == n and d["seen"].size == math.ceil(n / chunk)
    assert d["exact_var"] == pytest.approx(np.var(x - offset) if offset >= 1e3 else np.var(x), rel=1e-9)
    # Chan's error grows only like eps * mu / sigma (1e-5 at an offset of 1e12): far below the naive eps (mu / sigma)**2
    bound = max(1e-12, 100 * np.finfo(float).eps * (offset + abs(base.mean())) / base.std())
    assert d["chan_error"] < bound
    assert d["chan_var"][-1] == pytest.approx(d["exact_var"], rel=bound)
    assert d["chan_mean"][-1] == pytest.approx(np.mean(x), rel=1e-12)
    assert d["naive_error"] == pytest.approx(abs(d["naive_var"][-1] - d["exact_var"]) / d["exact_var"])
    assert d["errors"]["naive"].shape == OFFSETS.shape


def test_default_sample_is_the_catalogue_r_magnitudes(explorer) -> None:
    from course.data import sky_catalog

    np.testing.assert_array_equal(explorer._base, sky_catalog(20_000, seed=0)["r"].to_numpy())
    assert explorer.error == ""
    check_data(explorer, 1e8, 1000, 10_000)
    assert explorer.data["naive_error"] > 1e-2  # at 1e8 the textbook formula is visibly wrong
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Chan merge" in explorer.message.value


def test_every_control_drives_the_numbers_and_the_picture(explorer) -> None:
    c = explorer.controls
    steps = [("offset", 1.0), ("offset", 1e4), ("offset", 1e12), ("chunk_size", 10), ("chunk_size", 2500),
             ("n_samples", 3000), ("n_samples", 20_000), ("offset", 1e6), ("chunk_size", 730)]
    last = explorer.image.value
    for name, value in steps:
        c[name].value = value
        assert explorer.error == "", explorer.error
        check_data(explorer, c["offset"].value, c["chunk_size"].value, c["n_samples"].value)
        assert explorer.image.value != last, (name, value)
        last = explorer.image.value
    c["offset"].value = 1.0
    small = explorer.data["naive_error"]
    c["offset"].value = 1e10
    assert explorer.data["naive_error"] > 1e6 * max(small, 1e-16)
    assert explorer.data["chan_error"] < 1e-3


def test_bad_offset_shows_an_error_and_the_widget_recovers(explorer) -> None:
    c = explorer.controls
    c["offset"].value = 1e3
    good_image, good_n = explorer.image.value, explorer.data["n"]
    c["offset"].value = float("nan")
    assert "offset" in explorer.error and "finite" in explorer.error
    assert "offset" in explorer.message.value
    assert explorer.image.value == good_image and explorer.data["n"] == good_n
    c["offset"].value = 1e5
    assert explorer.error == ""
    assert explorer.data["offset"] == 1e5
    assert explorer.image.value != good_image


def test_custom_sample_and_bad_sample_size() -> None:
    x = sample(3000, seed=8)
    w = make_streaming_explorer(x, offset=10.0, chunk_size=100, n_samples=2000)
    check_data(w, 10.0, 100, 2000)
    assert w.controls["n_samples"].max == 3000
    w._compute(offset=10.0, chunk_size=100, n_samples=3000)  # at the limit: fine
    with pytest.raises(ValueError, match="samples"):
        w._compute(offset=10.0, chunk_size=100, n_samples=5000)
    flat = make_streaming_explorer(np.full(50, 3.0))  # a sample without spread: a message, not a traceback
    assert "no spread" in flat.error


def test_static_picture_for_nbconvert(explorer) -> None:
    bundle = explorer._repr_mimebundle_()
    assert "image/png" in bundle and len(bundle["image/png"]) > 1000
    assert bundle["text/plain"].startswith("Streaming statistics explorer")


def test_importing_the_widgets_leaves_the_notebook_backend_alone() -> None:
    """A widget import must not switch matplotlib's backend: in a notebook that turns off inline figures."""
    import subprocess
    import sys

    code = ("import matplotlib; matplotlib.use('svg'); import matplotlib.pyplot as plt; "
            "import course.widgets.streaming, course.widgets.threshold; "
            "w = course.widgets.streaming.make_streaming_explorer(list(range(50))); "
            "print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().lower() == "svg"
