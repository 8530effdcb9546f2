"""Streaming statistics explorer: a mean and a variance built chunk by chunk, and where the textbook formula breaks.

A sample (r-band magnitudes from ``course.data.sky_catalog``, plus an
adjustable offset) is streamed in chunks. After every chunk two one-pass
estimates of the variance are updated:

- the **Chan, Golub & LeVeque merge**: each chunk's summary ``(n, mean, M2)``
  is computed with NumPy and merged into the running one (chunk size 1 is
  Welford's update);
- the **naive formula**: running sums of ``x`` and ``x**2``, then
  ``E[x**2] - E[x]**2``, whose relative error grows like ``eps (mu / sigma)**2``.

The widget shows both converging (or not) to the exact values, and the relative
error of each as the offset grows from 1 to 1e12.

The maths lives in plain functions (:func:`chunk_summaries`,
:func:`merge_running`, :func:`chan_running`, :func:`naive_running`,
:func:`exact_moments`, :func:`exact_variances`, :func:`variance_errors`) that agree with ``np.mean`` /
``np.var``; :func:`make_streaming_explorer` wraps them in a widget. They are the
vectorised, chunked relatives of ``course.bigdata.welford`` / ``naive_moments``
(which visit one value at a time in Python: too slow to redraw on every slider move).

Defined in 00_big_data_in_science.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
import numpy as np

from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from course.widgets._base import BlittedFigureWidget
from course.widgets._text import power_of_ten

__all__ = [
    "OFFSETS",
    "StreamingExplorer",
    "chan_running",
    "chunk_summaries",
    "exact_moments",
    "exact_variances",
    "make_streaming_explorer",
    "merge_running",
    "naive_running",
    "variance_errors",
]

#: Offsets of the error-versus-offset panel: half decades from 1 to 1e12.
OFFSETS = 10.0 ** np.arange(0.0, 12.01, 0.5)
EPS = float(np.finfo(float).eps)
_FLOOR = 1e-17  # zero errors are drawn here, below double precision, to stay on the log axis
_CHAN, _NAIVE, _EXACT = "#0072B2", "#D55E00", "0.25"


# --------------------------------------------------------------------------- maths


def _values(values: Any, what: str = "values") -> np.ndarray:
    """A float array with at least one value along its last axis, all finite (ValueError otherwise)."""
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"the {what} must be numbers") from None
    if x.ndim == 0:
        raise ValueError(f"the {what} must be an array of numbers, not a single number")
    if x.shape[-1] == 0:
        raise ValueError(f"the {what} are empty: stream at least one value")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"the {what} contain NaN or infinite values")
    return x


def _chunk_size(chunk_size: Any) -> int:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"the chunk size must be a whole number >= 1 (1 = one value at a time), got {chunk_size!r}")
    return int(chunk_size)


def _split(x: np.ndarray, chunk_size: int) -> list[np.ndarray]:
    """Blocks of shape (..., m, chunk_size) for the full chunks, and (..., 1, r) for a shorter last one."""
    n = x.shape[-1]
    m, r = divmod(n, chunk_size)
    blocks = []
    if m:
        blocks.append(x[..., : m * chunk_size].reshape(*x.shape[:-1], m, chunk_size))
    if r:
        blocks.append(x[..., m * chunk_size :].reshape(*x.shape[:-1], 1, r))
    return blocks


def chunk_summaries(values: Any, chunk_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(counts, means, m2s)`` of consecutive chunks of ``chunk_size`` values (the last may be shorter).

    Each chunk's mean is ``np.mean`` of the chunk and its ``M2`` the sum of squared
    deviations from that mean: what a worker holding one chunk in memory computes.
    ``values`` may have leading axes (e.g. one row per offset); chunks run along the last.

    Defined in 00_big_data_in_science.
    """
    x = _values(values)
    c = _chunk_size(chunk_size)
    blocks = _split(x, c)
    counts = np.concatenate([np.full(b.shape[-2], b.shape[-1]) for b in blocks])
    means = np.concatenate([b.mean(axis=-1) for b in blocks], axis=-1)
    m2s = np.concatenate([((b - b.mean(axis=-1, keepdims=True)) ** 2).sum(axis=-1) for b in blocks], axis=-1)
    return counts, means, m2s


def merge_running(counts: Any, means: Any, m2s: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Running ``(n, mean, population variance)`` after each chunk, merging summaries one at a time.

    The merge of Chan, Golub & LeVeque (1979): with ``delta = mean_B - mean_A``,
    ``mean = mean_A + delta n_B / n`` and ``M2 = M2_A + M2_B + delta**2 n_A n_B / n``.
    It is the reduce step of a streaming (or map-reduce) variance, and never
    subtracts large numbers from each other. ``means`` and ``m2s`` may have
    leading axes (several streams merged at once); ``counts`` is shared.

    Defined in 00_big_data_in_science.
    """
    counts = np.asarray(counts)
    means = np.asarray(means, dtype=float)
    m2s = np.asarray(m2s, dtype=float)
    if counts.ndim != 1 or counts.size == 0 or means.shape[-1:] != counts.shape or m2s.shape != means.shape:
        raise ValueError(f"one count, mean and M2 per chunk: got shapes {counts.shape}, {means.shape}, {m2s.shape}")
    if np.any(counts < 1):
        raise ValueError("every chunk needs at least one value (skip empty chunks)")
    totals = np.cumsum(counts)
    n_a = (totals - counts).astype(float)
    w_b = counts / totals                     # n_B / n
    w_ab = n_a * counts / totals              # n_A n_B / n
    out_mean = np.empty_like(means)
    out_m2 = np.empty_like(m2s)
    if means.ndim == 1:  # one stream: plain Python floats are several times faster than NumPy scalars
        mean, m2 = 0.0, 0.0
        ms, qs, wb, wab = means.tolist(), m2s.tolist(), w_b.tolist(), w_ab.tolist()
        res_m, res_q = [], []
        for k in range(len(ms)):
            delta = ms[k] - mean
            mean = mean + delta * wb[k]
            m2 = m2 + qs[k] + delta * delta * wab[k]
            res_m.append(mean)
            res_q.append(m2)
        out_mean[:], out_m2[:] = res_m, res_q
    else:
        mean = np.zeros(means.shape[:-1])
        m2 = np.zeros(means.shape[:-1])
        for k in range(counts.size):
            delta = means[..., k] - mean
            mean = mean + delta * w_b[k]
            m2 = m2 + m2s[..., k] + delta * delta * w_ab[k]
            out_mean[..., k], out_m2[..., k] = mean, m2
    return totals, out_mean, out_m2 / totals


def chan_running(values: Any, chunk_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Running ``(n, mean, variance)`` after each chunk: :func:`chunk_summaries` merged by :func:`merge_running`.

    The last entries equal ``np.mean`` / ``np.var`` of all the values (up to rounding),
    whatever the chunk size and the offset of the data.

    Defined in 00_big_data_in_science.
    """
    return merge_running(*chunk_summaries(values, chunk_size))


def naive_running(values: Any, chunk_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Running ``(n, mean, variance)`` after each chunk from running sums of ``x`` and ``x**2``.

    ``variance = S2 / n - (S / n)**2``: the textbook one-pass formula. Both terms
    are about ``mean**2``; when the mean is large compared with the spread their
    difference loses every digit (it can even come out negative). Shown to be beaten.

    Defined in 00_big_data_in_science.
    """
    x = _values(values)
    blocks = _split(x, _chunk_size(chunk_size))
    counts = np.concatenate([np.full(b.shape[-2], b.shape[-1]) for b in blocks])
    sums = np.concatenate([b.sum(axis=-1) for b in blocks], axis=-1)
    squares = np.concatenate([(b * b).sum(axis=-1) for b in blocks], axis=-1)
    totals = np.cumsum(counts)
    mean = np.cumsum(sums, axis=-1) / totals
    return totals, mean, np.cumsum(squares, axis=-1) / totals - mean * mean


def exact_moments(values: Any) -> tuple[int, float, float]:
    """``(n, mean, population variance)`` of 1-D ``values``, correct to double precision.

    Two passes with exactly rounded sums (``math.fsum``): the reference the
    one-pass estimates are compared with. The mean is refined by the exact mean
    of the deviations, so even a huge offset leaves no cancellation.

    Defined in 00_big_data_in_science.
    """
    x = _values(values)
    if x.ndim != 1:
        raise ValueError(f"exact_moments takes a 1-D array, got shape {x.shape}")
    n = x.size
    m0 = math.fsum(x.tolist()) / n
    d = x - m0
    shift = math.fsum(d.tolist()) / n        # exact mean = m0 + shift (m0 is the rounded mean)
    mean = m0 + shift
    m2 = math.fsum((d * d).tolist()) - n * shift * shift
    return n, mean, max(m2, 0.0) / n


def exact_variances(values: Any, offsets: Any) -> np.ndarray:
    """The exact population variance of ``values + offset`` (rounded to float64 first) for each offset.

    Defined in 00_big_data_in_science.
    """
    x = _values(values)
    if x.ndim != 1:
        raise ValueError(f"exact_variances takes a 1-D sample, got shape {x.shape}")
    offs = _values(offsets, "offsets").ravel()
    return np.array([exact_moments(x + off)[2] for off in offs.tolist()])


def variance_errors(values: Any, offsets: Any, chunk_size: int, exact: Any = None) -> dict[str, np.ndarray]:
    """Relative errors of the final naive and Chan-merge variances of ``values + offset``, per offset.

    Returns ``{"offset", "exact", "naive", "chan"}`` arrays: the exact variance of
    each shifted sample (:func:`exact_variances`, or ``exact`` when already known)
    and ``|estimate - exact| / exact`` for :func:`naive_running` and
    :func:`chan_running` streamed in chunks of ``chunk_size``.

    Defined in 00_big_data_in_science.
    """
    x = _values(values)
    if x.ndim != 1 or x.size < 2:
        raise ValueError("variance_errors needs a 1-D sample of at least two values")
    offs = _values(offsets, "offsets").ravel()
    shifted = x[None, :] + offs[:, None]
    exact = exact_variances(x, offs) if exact is None else np.asarray(exact, dtype=float)
    if exact.shape != offs.shape:
        raise ValueError(f"one exact variance per offset: got {exact.shape} for {offs.shape} offsets")
    if np.any(exact <= 0):
        raise ValueError("the sample has no spread (all values equal): relative errors are undefined")
    naive = naive_running(shifted, chunk_size)[2][:, -1]
    chan = chan_running(shifted, chunk_size)[2][:, -1]
    return {"offset": offs, "exact": exact, "naive": np.abs(naive - exact) / exact, "chan": np.abs(chan - exact) / exact}


# --------------------------------------------------------------------------- widget


def _default_sample(n: int) -> np.ndarray:
    from course.data import sky_catalog  # pandas and the generator: only when the widget is built

    return sky_catalog(n, seed=0)["r"].to_numpy()


def _check_offset(offset: Any) -> float:
    try:
        off = float(offset)
    except (TypeError, ValueError):
        raise ValueError(f"the offset must be a number, got {offset!r}") from None
    if not math.isfinite(off) or off < 0:
        raise ValueError(f"the offset must be a finite number >= 0, got {offset!r}")
    return off


class StreamingExplorer(BlittedFigureWidget):
    """Running mean | running variance (Chan merge vs naive) | relative error against the offset.

    Defined in 00_big_data_in_science.
    """

    title = "Streaming statistics explorer"
    lets_you = "set the data's offset, the chunk size and the number of samples, and compare the naive variance with Welford's"

    def __init__(self, values: np.ndarray, offset: float, chunk_size: int, n_samples: int, label: str) -> None:
        self._base = values
        self._label = label
        self._exact_cache: dict[int, np.ndarray] = {}                   # n -> exact variance per offset
        self._static_cache: dict[tuple[int, int], dict[str, Any]] = {}  # (n, chunk) -> errors and axis limits
        n_max = values.size
        controls = {
            "offset": widgets.FloatLogSlider(value=offset, base=10, min=0, max=12, step=0.25, description="offset",
                                             readout_format=".0e"),
            # These two redraw the axes and rerun the stream for every offset: update on release, not while dragging.
            "chunk_size": widgets.IntSlider(value=chunk_size, min=min(10, n_max), max=min(5000, n_max), step=10,
                                            description="chunk size", continuous_update=False),
            "n_samples": widgets.IntSlider(value=n_samples, min=min(1000, n_max), max=n_max,
                                           step=1000 if n_max >= 2000 else 1, description="samples",
                                           continuous_update=False),
        }
        super().__init__(controls, figsize=(12.0, 3.7), dpi=80)

    # ------------------------------------------------------------------ figure

    def _setup_figure(self) -> None:
        fig = self.fig
        fig.subplots_adjust(left=0.06, right=0.985, top=0.88, bottom=0.15, wspace=0.32)
        self.ax_mean, self.ax_var, self.ax_err = fig.subplots(1, 3)
        for ax in (self.ax_mean, self.ax_var):  # few ticks: text is the slow part of a redraw
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
        ax = self.ax_mean
        (self.mean_line,) = ax.plot([], [], "o-", color=_CHAN, ms=3, lw=1.5)
        self.mean_exact = ax.axhline(0.0, color=_EXACT, ls="--", lw=1)
        self._frame_text(ax, "running mean (dashed: exact)", "values seen")
        ax.set_ylabel("mean − offset")
        ax = self.ax_var
        (self.chan_line,) = ax.plot([], [], "o-", color=_CHAN, ms=3, lw=1.5, label="Chan merge")
        (self.naive_line,) = ax.plot([], [], "s:", color=_NAIVE, ms=3, lw=1.5, label="naive E[x²] − E[x]²")
        self.var_exact = ax.axhline(1.0, color=_EXACT, ls="--", lw=1, label="exact variance")
        self.off_scale = ax.text(0.03, 0.04, "", transform=ax.transAxes, fontsize=8, color=_NAIVE,
                                 bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5})
        self._frame_text(ax, "running variance", "values seen")
        ax.set_ylabel("variance")
        self.var_legend = ax.legend(loc="upper right", fontsize=8)  # animated: drawn over the curves
        ax = self.ax_err
        (self.err_naive,) = ax.plot([], [], "s-", color=_NAIVE, ms=3, label="naive")
        (self.err_chan,) = ax.plot([], [], "o-", color=_CHAN, ms=3, label="Chan merge")
        (self.err_guide,) = ax.plot([], [], ":", color=_NAIVE, lw=1, label="ε (μ/σ)²")
        (self.err_guide1,) = ax.plot([], [], ":", color=_CHAN, lw=1, label="ε μ/σ")
        self.err_now = ax.axvline(1.0, color="k", lw=1, alpha=0.5)
        (self.err_points,) = ax.plot([], [], "D", color="k", ms=5, ls="none")
        ax.axhline(EPS, color="0.7", lw=0.8)
        ax.text(1.5e12, EPS * 1.5, "machine ε", fontsize=7, color="0.45", va="bottom", ha="right")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, numticks=7))
        ax.yaxis.set_major_locator(LogLocator(base=10, numticks=6))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(power_of_ten))
        ax.yaxis.set_major_formatter(FuncFormatter(power_of_ten))
        ax.set_xlim(0.5, 2e12)
        ax.set_ylim(_FLOOR / 2, 1e9)
        ax.set_xlabel("offset added to the data")
        ax.set_ylabel("relative error of the variance")
        ax.set_title("error of the final variance", fontsize=10)
        ax.legend(loc="upper left", fontsize=8)
        # Three layers (blitting). The offset slider moves only the animated artists: the curves of the first
        # two panels and everything drawn on the third. The first two panels' axes (limits, ticks) change with
        # the chunk size and the number of samples; the third panel's frame never changes.
        self._set_animated([self.mean_line, self.mean_exact, self.chan_line, self.naive_line, self.var_exact,
                            self.off_scale, self.err_naive, self.err_chan, self.err_guide, self.err_guide1,
                            self.err_now, self.err_points])
        self._set_overlays([self.var_legend])  # over the curves, but the same picture every time
        # A new chunk size or sample count redraws only the first two panels' axes over a cached frame of the
        # rest (the third panel never changes its axes): about half the cost of a full draw.
        self._set_changing([self.ax_mean, self.ax_var])

    # ------------------------------------------------------------------ maths

    def _static(self, n: int, chunk: int) -> dict[str, Any]:
        """What does not depend on the offset: the error curves and the axis limits (cached)."""
        key = (n, chunk)
        if key not in self._static_cache:
            if len(self._static_cache) > 64:
                self._static_cache.clear()
            base = self._base[:n]
            if n not in self._exact_cache:
                self._exact_cache[n] = exact_variances(base, OFFSETS)
            errors = variance_errors(base, OFFSETS, chunk, exact=self._exact_cache[n])
            # Limits from the stream without offset: Chan's curves hardly move with the offset (the naive one
            # is clipped), so the axes, ticks and labels stay put and only the lines are redrawn (blitting).
            _, mean, var = chan_running(base, chunk)
            _, exact_mean, exact_var = exact_moments(base)
            lo, hi = min(float(mean.min()), exact_mean), max(float(mean.max()), exact_mean)
            pad = max(hi - lo, 0.02 * math.sqrt(exact_var)) * 0.15
            vlo, vhi = min(float(var.min()), exact_var), max(float(var.max()), exact_var)
            vpad = max(vhi - vlo, 0.05 * exact_var) * 0.2
            self._static_cache[key] = {"errors": errors, "mean_lim": (lo - pad, hi + pad),
                                       "var_lim": (vlo - vpad, vhi + vpad)}
        return self._static_cache[key]

    def _compute(self, offset: float, chunk_size: int, n_samples: int) -> dict[str, Any]:
        off = _check_offset(offset)
        chunk = _chunk_size(chunk_size)
        n = int(n_samples)
        if not 2 <= n <= self._base.size:
            raise ValueError(f"the number of samples must be between 2 and {self._base.size}, got {n_samples!r}")
        x = self._base[:n] + off
        seen, chan_mean, chan_var = chan_running(x, chunk)
        _, naive_mean, naive_var = naive_running(x, chunk)
        _, exact_mean, exact_var = exact_moments(x)
        if exact_var <= 0:
            raise ValueError("all the values are equal: there is no spread, so no relative error to show")
        chan_err = abs(chan_var[-1] - exact_var) / exact_var
        naive_err = abs(naive_var[-1] - exact_var) / exact_var
        sigma = math.sqrt(exact_var)
        ratio = abs(exact_mean) / sigma
        status = (f"{n} {self._label} in {seen.size} chunk{'s' if seen.size != 1 else ''} of ≤ {chunk} · "
                  f"offset {off:.0e} (μ/σ ≈ {ratio:.1e}) · exact variance {exact_var:.6f} · "
                  f"Chan merge {chan_var[-1]:.6f} (relative error {chan_err:.1e}) · "
                  f"naive E[x²] − E[x]² {naive_var[-1]:.6g} (relative error {naive_err:.1e})")
        return {"offset": off, "chunk_size": chunk, "n": n, "seen": seen, "chan_mean": chan_mean,
                "chan_var": chan_var, "naive_mean": naive_mean, "naive_var": naive_var, "exact_mean": exact_mean,
                "exact_var": exact_var, "chan_error": chan_err, "naive_error": naive_err, "mu_over_sigma": ratio,
                **self._static(n, chunk), "status": status}

    # ------------------------------------------------------------------ drawing

    def _draw(self, d: dict[str, Any]) -> None:
        off, seen, n, exact_var = d["offset"], d["seen"], d["n"], d["exact_var"]
        err = d["errors"]
        if self._static_changed((n, d["chunk_size"])):
            for ax in (self.ax_mean, self.ax_var):
                ax.set_xlim(0, n * 1.03)
            self.ax_mean.set_ylim(*d["mean_lim"])
            self.ax_var.set_ylim(*d["var_lim"])
            self.err_naive.set_data(err["offset"], np.clip(err["naive"], _FLOOR, 1e9))
            self.err_chan.set_data(err["offset"], np.clip(err["chan"], _FLOOR, 1e9))
            base_mean = float(np.mean(self._base[:n]))
            ratio = (err["offset"] + base_mean) / math.sqrt(float(err["exact"][0]))
            self.err_guide.set_data(err["offset"], np.clip(EPS * ratio**2, _FLOOR, 1e9))
            self.err_guide1.set_data(err["offset"], np.clip(EPS * ratio, _FLOOR, 1e9))

        # What moves with the offset (animated artists, drawn over the cached background).
        self.mean_line.set_data(seen, d["chan_mean"] - off)
        self.mean_exact.set_ydata([d["exact_mean"] - off] * 2)
        ylo, yhi = d["var_lim"]
        naive = d["naive_var"]
        outside = (naive < ylo) | (naive > yhi)
        self.chan_line.set_data(seen, d["chan_var"])
        self.naive_line.set_data(seen, np.clip(naive, ylo, yhi))  # off-scale values sit on the frame
        self.var_exact.set_ydata([exact_var] * 2)
        if outside.any():
            self.off_scale.set_text(f"naive off the scale at {int(outside.sum())} of {seen.size} chunks "
                                    f"(final {naive[-1]:.3g})")
        else:
            self.off_scale.set_text("")
        self.err_now.set_xdata([off, off])
        self.err_points.set_data([off, off], np.clip([d["naive_error"], d["chan_error"]], _FLOOR, 1e9))


def make_streaming_explorer(values: Any = None, *, offset: float = 1e8, chunk_size: int = 1000,
                            n_samples: int = 10_000) -> StreamingExplorer:
    """Sliders for the data's offset (1 to 1e12, log scale), the chunk size and the number of samples.

    ``values`` is the sample to stream (default: 20 000 r-band magnitudes of
    ``course.data.sky_catalog(20_000, seed=0)``); the widget adds the offset,
    streams the first ``n_samples`` values in chunks, and compares the Chan-merge
    and naive variances with the exact one.

    Defined in 00_big_data_in_science.
    """
    if values is None:
        base, label = _default_sample(20_000), "r magnitudes"
    else:
        base, label = _values(values), "values"
        if base.ndim != 1 or base.size < 2:
            raise ValueError(f"values must be a 1-D sample of at least two numbers, got shape {base.shape}")
    n_samples = min(int(n_samples), base.size)
    chunk_size = max(min(10, base.size), min(int(chunk_size), 5000, base.size))
    return StreamingExplorer(base, _check_offset(offset), chunk_size, n_samples, label)
