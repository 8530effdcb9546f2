"""Unit tests for course.bigdata (lecture 00_big_data_in_science)."""

from __future__ import annotations

import math
from collections import Counter

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib import pyplot as plt

from course import bigdata as bd


# ------------------------------------------------------------------ units and surveys


def test_units_are_decimal_si():
    assert bd.UNITS["kB"] == 1000
    assert bd.UNITS["TB"] == 10**12
    assert bd.UNITS["EB"] == bd.UNITS["PB"] * 1000


@pytest.mark.parametrize(
    "n, text",
    [(0, "0 B"), (999, "999 B"), (1000, "1 kB"), (50e12, "50 TB"), (4.6e18, "4.6 EB"), (2.3148e6, "2.31 MB"), (-2e9, "-2 GB")],
)
def test_format_bytes(n, text):
    assert bd.format_bytes(n) == text


def test_survey_numbers_are_the_lectures():
    assert (bd.SDSS.archive_bytes, bd.SDSS.rate_bytes_per_day) == (50e12, 200e9)
    assert (bd.LSST.archive_bytes, bd.LSST.rate_bytes_per_day) == (200e15, 10e12)
    assert (bd.SKA.archive_bytes, bd.SKA.rate_bytes_per_day) == (4.6e18, 150e12)
    assert [s.name for s in bd.SURVEYS] == ["SDSS", "LSST", "SKA"]


def test_survey_derived_quantities():
    assert bd.SDSS.days_of_stream == pytest.approx(250)
    assert bd.LSST.days_of_stream == pytest.approx(20_000)
    assert bd.SKA.rate_bytes_per_second == pytest.approx(150e12 / 86_400)


def test_survey_table_rows():
    table = bd.survey_table()
    assert list(table.index) == ["SDSS", "LSST", "SKA"]
    assert table.loc["SKA", "archive"] == "4.6 EB"
    assert table.loc["LSST", "sustained"] == "116 MB/s"
    assert table.loc["SDSS", "days of stream"] == 250


def test_plots_use_log_axes():
    fig = bd.plot_survey_volumes()
    assert [ax.get_yscale() for ax in fig.axes] == ["log", "log"]
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == [s.archive_bytes for s in bd.SURVEYS]
    plt.close(fig)
    fig = bd.plot_cumulative_volume(years=2)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    # One line per survey plus the disk line; the last point is two years of the daily rate.
    sdss = ax.get_lines()[0]
    assert sdss.get_ydata()[-1] == pytest.approx(200e9 * 2 * bd.DAYS_PER_YEAR)
    plt.close(fig)


# ------------------------------------------------------------------ numpy at scale


@pytest.mark.parametrize("shape, dtype", [((3, 4), np.float32), (7, np.int16), ((2, 0, 5), np.float64), ((5, 6), np.complex128)])
def test_array_nbytes_matches_numpy(shape, dtype):
    assert bd.array_nbytes(shape, dtype) == np.zeros(shape, dtype=dtype).nbytes


def test_array_nbytes_does_not_allocate_huge_arrays():
    assert bd.array_nbytes((10**9, 10), "float64") == 80 * 10**9
    with pytest.raises(ValueError):
        bd.array_nbytes((3, -1), float)


def test_footprint_table():
    table = bd.footprint_table((1000, 1000), ["uint8", "float32", "float64"])
    assert list(table["bytes per element"]) == [1, 4, 8]
    assert list(table["total"]) == ["1 MB", "4 MB", "8 MB"]


def test_iter_chunks_covers_the_array_in_order(tmp_path):
    path = tmp_path / "x.npy"
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(10, 2))
    mm[:] = np.arange(20).reshape(10, 2)
    mm.flush()
    ro = np.load(path, mmap_mode="r")
    chunks = list(bd.iter_chunks(ro, 4))
    assert [len(c) for c in chunks] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate(chunks), np.arange(20).reshape(10, 2))
    del mm, ro, chunks
    with pytest.raises(ValueError):
        next(bd.iter_chunks(np.zeros(3), 0))


# ------------------------------------------------------------------ streaming statistics


def test_running_stats_matches_numpy():
    x = np.random.default_rng(1).normal(3.0, 2.0, size=1000)
    stats = bd.RunningStats()
    stats.extend(x[:400])
    stats.extend(x[400:].tolist())
    assert stats.n == 1000
    assert stats.mean == pytest.approx(np.mean(x), rel=1e-12)
    assert stats.variance == pytest.approx(np.var(x), rel=1e-10)


def test_running_stats_empty_is_nan():
    assert math.isnan(bd.RunningStats().variance)
    n, mean, var = bd.welford([])
    assert n == 0 and math.isnan(mean) and math.isnan(var)


def test_naive_fails_and_welford_holds_with_a_large_offset():
    x = np.array([4.0, 7.0, 13.0, 16.0])
    assert bd.naive_moments(x)[2] == pytest.approx(22.5)
    shifted = x + 1e9
    _, _, v_naive = bd.naive_moments(shifted)
    _, mean, v_welford = bd.welford(shifted)
    assert mean == pytest.approx(1e9 + 10)
    assert v_welford == pytest.approx(22.5, rel=1e-9)
    assert abs(v_naive - 22.5) > 1.0


def test_cancellation_table_shows_growing_naive_error():
    table = bd.cancellation_table([1.0, 1e4, 1e8], n=2000, seed=3)
    assert list(table["offset"]) == [1.0, 1e4, 1e8]
    assert table["naive"].is_monotonic_increasing
    assert table["naive"].iloc[-1] > 1e-2
    assert (table["welford"] < 1e-6).all()
    fig = bd.plot_cancellation(table)
    assert fig.axes[0].get_xscale() == "log"
    plt.close(fig)


# ------------------------------------------------------------------ map-reduce


def test_partition_is_stable_and_in_range():
    keys = ["galaxy", "star", "qso", 42, ("a", 1)]
    parts = [bd.partition(k, 3) for k in keys]
    assert all(0 <= p < 3 for p in parts)
    assert parts == [bd.partition(k, 3) for k in keys]
    assert bd.partition("galaxy", 3) == 1  # crc32 of "'galaxy'" is fixed across processes
    with pytest.raises(ValueError):
        bd.partition("x", 0)


def test_shuffle_groups_values_by_key_in_first_seen_order():
    groups = bd.shuffle([("b", 1), ("a", 2), ("b", 3)])
    assert list(groups) == ["b", "a"]
    assert groups == {"b": [1, 3], "a": [2]}


WORDS = "the seeing was good the dome closed the seeing was poor".split()


@pytest.mark.parametrize("combiner", [None, lambda k, vs: sum(vs)])
@pytest.mark.parametrize("n_mappers, n_reducers", [(1, 1), (3, 2), (20, 5)])
def test_map_reduce_word_count_matches_counter(combiner, n_mappers, n_reducers):
    run = bd.map_reduce(
        WORDS, lambda w: [(w, 1)], lambda k, vs: sum(vs), n_mappers=n_mappers, n_reducers=n_reducers, combiner=combiner
    )
    assert run.output == dict(Counter(WORDS))
    assert sum(run.records_per_mapper) == len(WORDS)
    assert sum(run.pairs_per_mapper) == len(WORDS)
    assert len(run.keys_per_reducer) == n_reducers
    assert sum(run.keys_per_reducer) == len(set(WORDS))
    if combiner is None:
        assert run.pairs_sent_per_mapper == run.pairs_per_mapper
    else:
        assert sum(run.pairs_sent_per_mapper) < len(WORDS) or n_mappers >= len(WORDS)


def test_map_reduce_group_mean_and_trace():
    rows = [("star", 0.0), ("galaxy", 0.1), ("galaxy", 0.3), ("qso", 2.0)]
    run = bd.map_reduce(rows, lambda r: [r], lambda k, vs: sum(vs) / len(vs), n_mappers=2, n_reducers=2)
    assert run.output == {"star": 0.0, "galaxy": pytest.approx(0.2), "qso": 2.0}
    text = run.describe()
    assert "2 mappers read [2, 2] records" in text
    assert "combine" not in text
    assert "output:  3 keys" in text


def test_map_reduce_empty_input_and_bad_arguments():
    run = bd.map_reduce([], lambda w: [(w, 1)], lambda k, vs: sum(vs), n_mappers=3)
    assert run.output == {} and run.records_per_mapper == [0, 0, 0]
    with pytest.raises(ValueError):
        bd.map_reduce(WORDS, lambda w: [(w, 1)], lambda k, vs: sum(vs), n_mappers=0)


# ------------------------------------------------------------------ growth, sky, memory, features


def test_full_sky_is_about_41253_square_degrees():
    assert bd.FULL_SKY_DEG2 == pytest.approx(41_252.96, abs=0.01)
    # SDSS's 14 555 square degrees are about a third of the sky
    assert 14_555 / bd.FULL_SKY_DEG2 == pytest.approx(0.3528, abs=1e-4)


@pytest.mark.parametrize("factor, years, rate", [(10, 10, 0.2589254), (2, 1, 1.0), (1, 5, 0.0), (17 / 1.5, 5, 0.6251)])
def test_annual_growth(factor, years, rate):
    r = bd.annual_growth(factor, years)
    assert r == pytest.approx(rate, abs=1e-4)
    assert (1 + r) ** years == pytest.approx(factor)


@pytest.mark.parametrize("factor, years", [(0, 5), (-2, 5), (10, 0)])
def test_annual_growth_rejects_nonsense(factor, years):
    with pytest.raises(ValueError):
        bd.annual_growth(factor, years)


def test_peak_memory_sees_numpy_temporaries():
    x, y = np.ones(1_000_000), np.ones(1_000_000)
    out = np.empty_like(x)
    assert bd.peak_memory(lambda: np.add(np.multiply(x, 2.0, out=out), 1.0, out=out)) < 0.01 * x.nbytes
    two = bd.peak_memory(lambda: 2.0 * x + 3.0 * y)  # the result and one temporary at least
    assert 2 * x.nbytes <= two < 3.01 * x.nbytes
    assert bd.peak_memory(lambda: np.stack([x, y, x])) >= 3 * x.nbytes


def test_peak_memory_leaves_tracing_as_it_was():
    import tracemalloc

    assert not tracemalloc.is_tracing()
    bd.peak_memory(lambda: np.ones(1000))
    assert not tracemalloc.is_tracing()
    tracemalloc.start()
    try:
        assert bd.peak_memory(lambda: np.ones(100_000)) >= 800_000
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


def test_colour_features_are_neighbouring_band_differences_and_r():
    import pandas as pd

    cat = pd.DataFrame({"u": [20.0, 19.0], "g": [19.0, 18.5], "r": [18.5, 18.4], "i": [18.2, 18.4], "z": [18.0, 18.5]})
    np.testing.assert_allclose(bd.colour_features(cat), [[1.0, 0.5, 0.3, 0.2, 18.5], [0.5, 0.1, 0.0, -0.1, 18.4]],
                               atol=1e-12)
    from course import data

    assert bd.colour_features(data.sky_catalog(10, seed=1)).shape == (10, 5)
