"""Big data in science: survey volumes, arrays at scale, streaming statistics, map-reduce.

The lecture's reference code, kept here so the notebook reads like a lecture:
byte arithmetic and figures for the sky surveys, memory footprints and chunk
iteration for NumPy arrays, one-value-at-a-time statistics (Welford's stable
update and the naive sum-of-squares it replaces), and a tiny in-process
map-reduce runner whose stages (map, shuffle, reduce) can be watched.

Defined in 00_big_data_in_science.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

__all__ = [
    "UNITS",
    "SECONDS_PER_DAY",
    "DAYS_PER_YEAR",
    "FULL_SKY_DEG2",
    "annual_growth",
    "colour_features",
    "Survey",
    "SDSS",
    "LSST",
    "SKA",
    "SURVEYS",
    "format_bytes",
    "survey_table",
    "plot_survey_volumes",
    "plot_cumulative_volume",
    "array_nbytes",
    "footprint_table",
    "iter_chunks",
    "peak_memory",
    "RunningStats",
    "welford",
    "naive_moments",
    "cancellation_table",
    "plot_cancellation",
    "partition",
    "shuffle",
    "MapReduceRun",
    "map_reduce",
]

# ------------------------------------------------------------------ units

#: Decimal (SI) byte units, as data volumes of surveys are quoted: 1 TB = 10**12 B.
UNITS: dict[str, int] = {
    "B": 1,
    "kB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "PB": 10**15,
    "EB": 10**18,
}
SECONDS_PER_DAY = 86_400
DAYS_PER_YEAR = 365.25
#: The whole celestial sphere in square degrees: 4 pi steradians times (180 / pi)**2, about 41 253.
FULL_SKY_DEG2 = 4 * math.pi * (180 / math.pi) ** 2


def format_bytes(n_bytes: float, digits: int = 3) -> str:
    """``n_bytes`` in the largest SI unit that keeps the number >= 1, e.g. ``'4.6 EB'``.

    Survey volumes span fifteen orders of magnitude; printing them all in bytes hides
    the comparison the lecture is about.  Defined in 00_big_data_in_science.
    """
    if n_bytes < 0:
        return "-" + format_bytes(-n_bytes, digits)
    unit = "B"
    for name, size in UNITS.items():
        if n_bytes >= size:
            unit = name
    value = n_bytes / UNITS[unit]
    return f"{value:.{digits}g} {unit}"


# ---------------------------------------------------------------- surveys


@dataclass(frozen=True)
class Survey:
    """A survey's data volume: its whole archive and the rate new data arrive.

    Defined in 00_big_data_in_science.
    """

    name: str
    archive_bytes: float
    rate_bytes_per_day: float
    description: str = ""

    @property
    def rate_bytes_per_second(self) -> float:
        """The sustained bandwidth the daily rate needs, around the clock."""
        return self.rate_bytes_per_day / SECONDS_PER_DAY

    @property
    def days_of_stream(self) -> float:
        """Days the daily stream alone would take to reach the archive's size."""
        return self.archive_bytes / self.rate_bytes_per_day


# Integer products, then one conversion: 4.6 * 10**18 in floats would round to 4.5999...e18.
SDSS = Survey("SDSS", float(50 * UNITS["TB"]), float(200 * UNITS["GB"]), "Sloan Digital Sky Survey")
LSST = Survey("LSST", float(200 * UNITS["PB"]), float(10 * UNITS["TB"]), "Rubin Observatory Legacy Survey of Space and Time")
SKA = Survey("SKA", float(4_600 * UNITS["PB"]), float(150 * UNITS["TB"]), "Square Kilometre Array")
#: The three surveys of the lecture, smallest first.
SURVEYS: tuple[Survey, ...] = (SDSS, LSST, SKA)


def survey_table(surveys: Sequence[Survey] = SURVEYS) -> pd.DataFrame:
    """One row per survey: archive, daily rate, sustained bandwidth, days of stream.

    Defined in 00_big_data_in_science.
    """
    rows = [
        {
            "survey": s.name,
            "archive": format_bytes(s.archive_bytes),
            "per day": format_bytes(s.rate_bytes_per_day),
            "sustained": format_bytes(s.rate_bytes_per_second) + "/s",
            "days of stream": round(s.days_of_stream),
        }
        for s in surveys
    ]
    return pd.DataFrame(rows).set_index("survey")


def _log_bars(ax: Any, names: list[str], values: list[float], colors: list[str], title: str) -> None:
    bars = ax.bar(names, values, color=colors)
    ax.set_yscale("log")
    ax.set_title(title)
    for bar, v in zip(bars, values):
        ax.annotate(format_bytes(v), (bar.get_x() + bar.get_width() / 2, v), ha="center", va="bottom", fontsize=9)
    ax.set_ylim(min(values) / 10, max(values) * 20)


_COLORS = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3"]


def plot_survey_volumes(surveys: Sequence[Survey] = SURVEYS) -> Figure:
    """Two log-scale bar charts: each survey's archive and its daily data rate.

    A linear axis would show SKA alone; on a log axis every factor of ten is the same
    height, so the jumps SDSS -> LSST -> SKA can be read off.  Defined in 00_big_data_in_science.
    """
    names = [s.name for s in surveys]
    colors = [_COLORS[i % len(_COLORS)] for i in range(len(surveys))]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    _log_bars(ax1, names, [s.archive_bytes for s in surveys], colors, "Archive size (bytes, log scale)")
    _log_bars(ax2, names, [s.rate_bytes_per_day for s in surveys], colors, "New data per day (bytes, log scale)")
    fig.tight_layout()
    return fig


def plot_cumulative_volume(
    surveys: Sequence[Survey] = SURVEYS, years: float = 10.0, disk_bytes: float = 20 * UNITS["TB"]
) -> Figure:
    """Data accumulated by each survey's daily stream over ``years``, on a log axis.

    A dashed line marks one disk of ``disk_bytes``: where a curve crosses it is how long
    the survey takes to fill that disk.  Defined in 00_big_data_in_science.
    """
    days = np.linspace(1, years * DAYS_PER_YEAR, 400)
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, s in enumerate(surveys):
        ax.plot(days / DAYS_PER_YEAR, s.rate_bytes_per_day * days, color=_COLORS[i % len(_COLORS)], label=s.name)
    ax.axhline(disk_bytes, color="0.3", ls="--", lw=1)
    ax.annotate(f"one {format_bytes(disk_bytes)} disk", (years * 0.98, disk_bytes), ha="right", va="bottom")
    ax.set_yscale("log")
    ax.set_xlabel("years of operation")
    ax.set_ylabel("bytes accumulated (log scale)")
    ax.set_title("Raw data accumulated at each survey's daily rate")
    ax.legend()
    fig.tight_layout()
    return fig


def annual_growth(factor: float, years: float) -> float:
    """The constant yearly growth rate that multiplies a quantity by ``factor`` in ``years`` years.

    ``annual_growth(10, 10)`` is about 0.259: ten times as much after a decade is 26 % more every
    year.  Data volumes and launch counts are quoted as "x times in y years"; a rate per year is
    easier to compare.  Defined in 00_big_data_in_science.
    """
    if factor <= 0 or years <= 0:
        raise ValueError(f"factor and years must be positive, got {factor} and {years}")
    return float(factor ** (1.0 / years) - 1.0)


def colour_features(catalog: pd.DataFrame, bands: Sequence[str] = ("u", "g", "r", "i", "z")) -> np.ndarray:
    """Features of a photometric catalogue: the colours of neighbouring bands and the r magnitude.

    A colour is a difference of magnitudes (``u - g``, ``g - r``, ...): a ratio of fluxes, which
    does not depend on how far away or how bright the object is, only on its spectrum.  Returns an
    ``(n, len(bands))`` array: ``len(bands) - 1`` colours, then ``r``.
    Defined in 00_big_data_in_science (the analytics pipeline).
    """
    mags = catalog[list(bands)].to_numpy(dtype=float)
    return np.column_stack([mags[:, :-1] - mags[:, 1:], catalog["r"].to_numpy(dtype=float)])


# ------------------------------------------------------------ numpy at scale


def array_nbytes(shape: int | Sequence[int], dtype: Any) -> int:
    """Bytes an array of ``shape`` and ``dtype`` needs: itemsize times the number of elements.

    Computed without allocating, so it works for arrays that would not fit in memory.
    Defined in 00_big_data_in_science.
    """
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(int(d) < 0 for d in dims):
        raise ValueError(f"negative dimension in shape {dims}")
    return math.prod(int(d) for d in dims) * np.dtype(dtype).itemsize


def footprint_table(shape: int | Sequence[int], dtypes: Iterable[Any]) -> pd.DataFrame:
    """Memory needed by an array of ``shape`` for each dtype (bytes and readable).

    Defined in 00_big_data_in_science.
    """
    rows = []
    for dt in dtypes:
        d = np.dtype(dt)
        n = array_nbytes(shape, d)
        rows.append({"dtype": d.name, "bytes per element": d.itemsize, "total": format_bytes(n)})
    return pd.DataFrame(rows).set_index("dtype")


def iter_chunks(array: np.ndarray, chunk_size: int) -> Iterator[np.ndarray]:
    """Consecutive slices of ``chunk_size`` rows along the first axis (the last may be shorter).

    Slicing a ``np.memmap`` reads only that slice from disk, so a loop over these
    chunks touches the whole file while holding one chunk in memory.
    Defined in 00_big_data_in_science.
    """
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    for start in range(0, len(array), chunk_size):
        yield array[start : start + chunk_size]


def peak_memory(job: Callable[[], Any]) -> int:
    """Bytes allocated at the peak while ``job()`` runs, above what was allocated before it.

    Measured with :mod:`tracemalloc`, which NumPy reports its array buffers to, so it sees the
    temporaries of an expression such as ``2.0 * x + 3.0 * y``.  The result of ``job`` is
    dropped.  Defined in 00_big_data_in_science.
    """
    import tracemalloc

    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = job()
        peak = tracemalloc.get_traced_memory()[1]
        del result
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return max(0, peak - before)


# ----------------------------------------------------- streaming statistics


@dataclass
class RunningStats:
    """Welford's one-pass mean and variance: one value in, O(1) memory.

    Keeps the count ``n``, the running mean and ``m2``, the sum of squared deviations
    from the current mean.  Each update moves the mean by ``delta / n`` and adds
    ``delta * (x - new_mean)`` to ``m2``: no large sums are subtracted, so there is no
    catastrophic cancellation.  Defined in 00_big_data_in_science.
    """

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def update(self, x: float) -> None:
        """Fold one value into the statistics."""
        x = float(x)
        self.n += 1
        delta = x - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (x - self.mean)

    def extend(self, values: Iterable[float]) -> None:
        """Fold every value of an iterable in, one at a time."""
        for x in values:
            self.update(x)

    @property
    def variance(self) -> float:
        """Population variance ``m2 / n`` (NaN before the first value)."""
        return self.m2 / self.n if self.n else math.nan


def welford(values: Iterable[float]) -> tuple[int, float, float]:
    """``(n, mean, population variance)`` in one stable pass (Python floats, so reproducible).

    Defined in 00_big_data_in_science.
    """
    stats = RunningStats()
    stats.extend(_floats(values))
    return stats.n, (stats.mean if stats.n else math.nan), stats.variance


def _floats(values: Iterable[float]) -> Iterable[float]:
    # Arrays become Python floats in one go (much faster than iterating NumPy scalars).
    return values.ravel().tolist() if isinstance(values, np.ndarray) else values


def naive_moments(values: Iterable[float]) -> tuple[int, float, float]:
    """``(n, mean, population variance)`` from running sums of x and x**2: the textbook formula
    ``E[x**2] - E[x]**2`` that fails when the mean is large compared with the spread.

    Shown only to be beaten.  Python floats, summed in order, so the failure is
    reproducible on every machine.  Defined in 00_big_data_in_science.
    """
    n, s, s2 = 0, 0.0, 0.0
    for x in _floats(values):
        x = float(x)
        n += 1
        s += x
        s2 += x * x
    if n == 0:
        return 0, math.nan, math.nan
    mean = s / n
    return n, mean, s2 / n - mean * mean


def cancellation_table(offsets: Iterable[float], n: int = 10_000, scale: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """Relative error of the naive and Welford variances on ``offset + N(0, scale**2)`` data.

    The same normal sample is shifted by each offset.  The reference is a two-pass variance
    with exactly rounded sums (``math.fsum``) of the shifted values themselves, so the errors
    measure the formulas, not the rounding of the data.
    Defined in 00_big_data_in_science.
    """
    base = np.random.default_rng(seed).normal(0.0, scale, size=n)
    rows = []
    for off in offsets:
        shifted = base + off
        truth = _exact_variance(shifted)
        _, _, v_naive = naive_moments(shifted)
        _, _, v_welford = welford(shifted)
        rows.append(
            {
                "offset": float(off),
                "naive": abs(v_naive - truth) / truth,
                "welford": abs(v_welford - truth) / truth,
            }
        )
    return pd.DataFrame(rows)


def _exact_variance(values: np.ndarray) -> float:
    xs = values.ravel().tolist()
    mean = math.fsum(xs) / len(xs)
    return math.fsum((x - mean) ** 2 for x in xs) / len(xs)


def plot_cancellation(table: pd.DataFrame) -> Figure:
    """Relative variance error against the data's offset, for the naive and Welford formulas.

    Zero errors are drawn at 1e-17 (below double precision's 1.1e-16) so they stay on the log
    axis.  Defined in 00_big_data_in_science.
    """
    fig, ax = plt.subplots(figsize=(7, 4))
    floor = 1e-17
    for col, style in (("naive", "o-"), ("welford", "s-")):
        ax.plot(table["offset"], np.maximum(table[col], floor), style, label=col)
    ax.axhline(np.finfo(float).eps, color="0.5", ls=":", lw=1)
    ax.annotate("machine epsilon", (table["offset"].min(), np.finfo(float).eps), va="bottom")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("offset of the data (mean / standard deviation)")
    ax.set_ylabel("relative error of the variance")
    ax.set_title("Catastrophic cancellation in E[x²] − E[x]²")
    ax.legend()
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- map-reduce

Pair = tuple[Hashable, Any]


def partition(key: Hashable, n_reducers: int) -> int:
    """The reducer a key goes to: a CRC-32 of its text modulo ``n_reducers``.

    Python's own ``hash`` of a string changes from process to process, so two machines
    would disagree on where a key lives; a fixed hash does not.
    Defined in 00_big_data_in_science.
    """
    if n_reducers <= 0:
        raise ValueError("n_reducers must be positive")
    return zlib.crc32(repr(key).encode("utf-8")) % n_reducers


def shuffle(pairs: Iterable[Pair]) -> dict[Hashable, list[Any]]:
    """Group ``(key, value)`` pairs by key: the "shuffle" between map and reduce.

    Keys come out in the order they were first seen; values keep their order.
    Defined in 00_big_data_in_science.
    """
    groups: dict[Hashable, list[Any]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return groups


@dataclass
class MapReduceRun:
    """What one :func:`map_reduce` run produced, stage by stage.

    Defined in 00_big_data_in_science.
    """

    output: dict[Hashable, Any]
    records_per_mapper: list[int]
    pairs_per_mapper: list[int]
    pairs_sent_per_mapper: list[int]
    keys_per_reducer: list[int]
    values_per_reducer: list[int] = field(default_factory=list)

    def describe(self) -> str:
        """A few lines that trace the data through map, shuffle and reduce."""
        lines = [
            f"map:     {len(self.records_per_mapper)} mappers read {self.records_per_mapper} records",
            f"         and emitted {self.pairs_per_mapper} (key, value) pairs",
        ]
        if self.pairs_sent_per_mapper != self.pairs_per_mapper:
            lines.append(f"combine: each mapper pre-reduced its pairs and sent {self.pairs_sent_per_mapper}")
        lines += [
            f"shuffle: {sum(self.pairs_sent_per_mapper)} pairs moved to {len(self.keys_per_reducer)} reducers"
            f" by hash(key) % {len(self.keys_per_reducer)}",
            f"reduce:  reducers got {self.values_per_reducer} values in {self.keys_per_reducer} keys",
            f"output:  {len(self.output)} keys",
        ]
        return "\n".join(lines)


def _split(records: Sequence[Any], n: int) -> list[Sequence[Any]]:
    size = -(-len(records) // n) if records else 0
    return [records[i * size : (i + 1) * size] for i in range(n)] if size else [records[:0]] * n


def map_reduce(
    records: Sequence[Any],
    mapper: Callable[[Any], Iterable[Pair]],
    reducer: Callable[[Hashable, list[Any]], Any],
    *,
    n_mappers: int = 4,
    n_reducers: int = 2,
    combiner: Callable[[Hashable, list[Any]], Any] | None = None,
) -> MapReduceRun:
    """Run map -> (combine) -> shuffle -> reduce in this process, keeping per-stage counts.

    ``records`` are split into ``n_mappers`` contiguous input splits; ``mapper(record)``
    yields ``(key, value)`` pairs; an optional ``combiner(key, values)`` pre-reduces each
    mapper's pairs (valid when the reduction is associative, like a sum); every pair goes to
    reducer :func:`partition` ``(key)``; ``reducer(key, values)`` turns one key's values into
    one result.  On a cluster each mapper and reducer is a separate machine; here they run
    one after another, which is enough to see what moves where.
    Defined in 00_big_data_in_science.
    """
    if n_mappers <= 0 or n_reducers <= 0:
        raise ValueError("n_mappers and n_reducers must be positive")
    records_per_mapper, pairs_per_mapper, sent_per_mapper = [], [], []
    inboxes: list[list[Pair]] = [[] for _ in range(n_reducers)]
    for split in _split(records, n_mappers):
        emitted = [pair for record in split for pair in mapper(record)]
        records_per_mapper.append(len(split))
        pairs_per_mapper.append(len(emitted))
        if combiner is not None:
            emitted = [(k, combiner(k, vs)) for k, vs in shuffle(emitted).items()]
        sent_per_mapper.append(len(emitted))
        for key, value in emitted:
            inboxes[partition(key, n_reducers)].append((key, value))
    output: dict[Hashable, Any] = {}
    keys_per_reducer, values_per_reducer = [], []
    for inbox in inboxes:
        groups = shuffle(inbox)
        keys_per_reducer.append(len(groups))
        values_per_reducer.append(len(inbox))
        for key in sorted(groups, key=repr):
            output[key] = reducer(key, groups[key])
    return MapReduceRun(output, records_per_mapper, pairs_per_mapper, sent_per_mapper, keys_per_reducer, values_per_reducer)
