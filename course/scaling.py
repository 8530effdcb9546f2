"""The scaling lecture's helpers: compute budgets, parallel-speed-up models, tf.data and tf.distribute.

Lecture 09 argues with numbers (how many FLOPs and how much text GPT-3 took, how
fast the compute of the largest training runs grew, what model search and
inference at scale add, how much an all-reduce costs), measures a tf.data
pipeline with and without caching and prefetching, and trains a small network on
several devices with ``tf.distribute.MirroredStrategy``, timing it against one
device.  The pieces that are not the lecture's point (figures, the synthetic raw
camera frames, the timing loops, the device split) live here, so the notebook,
``tests/test_scaling.py`` and ``bench/bench_scaling.py`` measure exactly the same
things.

The lecture's exercises (Amdahl's speed-up, the largest cluster a target
efficiency allows, a large-batch plan with gradient accumulation, a training
pipeline, a training step under a strategy) are written by the students and
checked against literal values, NumPy and TensorFlow; the course's own versions
(``allreduce_seconds``, ``warmup_schedule``, ...) are off-limits to them
(``course.offlimits``).

Importing this module does not import TensorFlow; the functions that need it
import it when called.

Defined in 09_scaling_deep_learning.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from course import data

if TYPE_CHECKING:  # pragma: no cover - for type hints only
    import keras
    import tensorflow as tf

__all__ = [
    "GPT3_PARAMETERS",
    "GPT3_TRAINING_TOKENS",
    "GPT3_TRAINING_FLOPS",
    "GPT2_PARAMETERS",
    "GPT2_TRAINING_TEXT_GB",
    "GPT3_TRAINING_TEXT_GB",
    "AUTOML_COMPUTE_MULTIPLIER",
    "NASNET_SEARCH_GPUS",
    "NASNET_SEARCH_DAYS",
    "NASNET_CANDIDATES",
    "SATELLITE_IMAGERY_BYTES",
    "SATELLITE_INFERENCE",
    "PFS_DAY",
    "AI_COMPUTE_DOUBLING_MONTHS",
    "MOORE_DOUBLING_MONTHS",
    "COMPUTE_MILESTONES",
    "CATALOG_CLASSES",
    "CATALOG_FEATURES",
    "FRAME_BIAS",
    "FRAME_GAIN",
    "DECODE_DELAY_S",
    "training_flops",
    "training_days",
    "growth_factor",
    "training_memory_bytes",
    "requests_in_flight",
    "serving_devices",
    "inference_run",
    "ring_allreduce_bytes",
    "allreduce_seconds",
    "data_parallel_speedup",
    "warmup_schedule",
    "float_formats",
    "tf_config",
    "plot_compute_trend",
    "plot_amdahl",
    "plot_data_parallel_scaling",
    "plot_warmup_schedule",
    "plot_throughput",
    "raw_frames",
    "decode_frame",
    "pipeline_stages",
    "time_epochs",
    "unoptimized",
    "replica_devices",
    "replica_gradients",
    "time_training",
    "catalog_split",
    "build_catalog_mlp",
]

# ------------------------------------------------------------------ compute budgets

#: GPT-3 (Brown et al. 2020): 175 billion parameters ...
GPT3_PARAMETERS = 175e9
#: ... trained on about 300 billion tokens ...
GPT3_TRAINING_TOKENS = 300e9
#: ... with about 3.14e23 floating-point operations (3 640 petaflop/s-days).
GPT3_TRAINING_FLOPS = 3.14e23

#: GPT-2 (Radford et al. 2019): 1.5 billion parameters ...
GPT2_PARAMETERS = 1.5e9
#: ... trained on WebText, 40 GB of text from 8 million web pages.
GPT2_TRAINING_TEXT_GB = 40.0
#: GPT-3's largest source of text (Brown et al. 2020, section 2.2): Common Crawl, 45 TB of compressed
#: plain text before filtering and 570 GB after (about 400 billion tokens), one of its five sources.
GPT3_TRAINING_TEXT_GB = 570.0

#: AutoML (hyper-parameter and neural-architecture search) multiplies the training compute a model
#: needs by about 5 to 1000 times: each candidate is a training run of its own.
AUTOML_COMPUTE_MULTIPLIER = (5.0, 1000.0)
#: The architecture search of NASNet (Zoph, Vasudevan, Shlens & Le 2018): 500 GPUs for 4 days,
#: about 20 000 candidate networks trained and evaluated.
NASNET_SEARCH_GPUS, NASNET_SEARCH_DAYS, NASNET_CANDIDATES = 500, 4.0, 20_000

#: Classifying a land-cover map of the whole US from 20+ TB of satellite images (millions of images)
#: at batch size 1, on 800 devices of each kind: (devices, minutes, dollars). Figures from an industry
#: demonstration that compared NVIDIA V100 GPUs running TensorRT with FPGAs.
SATELLITE_IMAGERY_BYTES = 20e12
SATELLITE_INFERENCE: dict[str, tuple[int, float, float]] = {
    "GPU (V100, TensorRT)": (800, 13.0, 607.0),
    "FPGA": (800, 8.0, 42.0),
}

#: One petaflop/s-day: 1e15 operations per second for a day, the unit of OpenAI's "AI and compute".
PFS_DAY = 1e15 * 86_400

#: OpenAI's "AI and compute" (Amodei & Hernandez 2018): the compute of the largest
#: training runs doubled every ~3.4 months from 2012 to 2018 (> 300 000x in total).
AI_COMPUTE_DOUBLING_MONTHS = 3.4
#: Moore's law, for comparison: transistor counts double about every two years.
MOORE_DOUBLING_MONTHS = 24.0

#: Training compute of three landmark runs: name -> (year, petaflop/s-days).
#: AlexNet and AlphaGo Zero as read off OpenAI's "AI and compute" chart (~0.0058
#: and ~1 860 pfs-days, the two ends of its 300 000x); GPT-3 from its paper (3.64e3).
COMPUTE_MILESTONES: dict[str, tuple[float, float]] = {
    "AlexNet": (2012.75, 0.0058),
    "AlphaGo Zero": (2017.8, 1860.0),
    "GPT-3": (2020.4, 3640.0),
}


def _positive(name: str, value: Any) -> Any:
    v = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return value


def training_flops(parameters: float, tokens: float) -> float:
    """Training compute of a dense transformer: ``C ≈ 6 N D`` floating-point operations.

    Each of the ``D`` training tokens costs about ``2N`` operations in the forward
    pass (a multiply and an add per parameter) and twice that in the backward pass.
    For GPT-3, ``6 * 175e9 * 300e9 = 3.15e23``, the published 3.14e23.

    Defined in 09_scaling_deep_learning.
    """
    _positive("parameters", parameters)
    _positive("tokens", tokens)
    return 6.0 * float(parameters) * float(tokens)


def training_days(flops: float, peak_flops_per_s: float, devices: int = 1, utilisation: float = 0.4) -> float:
    """Wall-clock days to spend ``flops`` on ``devices`` accelerators at a fraction ``utilisation`` of peak.

    Large training runs reach 30–50 % of an accelerator's peak ("model FLOPs
    utilisation"); the rest goes to memory traffic, communication and idle time.

    Defined in 09_scaling_deep_learning.
    """
    _positive("flops", flops)
    _positive("peak_flops_per_s", peak_flops_per_s)
    if isinstance(devices, bool) or int(devices) != devices or devices < 1:
        raise ValueError(f"devices must be a positive integer, got {devices!r}")
    if not 0 < utilisation <= 1:
        raise ValueError(f"utilisation must be in (0, 1], got {utilisation!r}")
    return float(flops) / (float(peak_flops_per_s) * int(devices) * float(utilisation)) / 86_400


def growth_factor(months: float | np.ndarray, doubling_months: float) -> float | np.ndarray:
    """How much a quantity that doubles every ``doubling_months`` grows in ``months``: ``2**(months/doubling)``.

    Defined in 09_scaling_deep_learning.
    """
    _positive("doubling_months", doubling_months)
    return np.power(2.0, np.asarray(months, dtype=float) / float(doubling_months))


def training_memory_bytes(parameters: float, bytes_per_parameter: int = 16) -> float:
    """Memory for a model's training state: parameters times bytes per parameter.

    16 bytes is mixed-precision Adam (Rajbhandari et al., ZeRO, 2020): 2 for the
    half-precision weights, 2 for their gradients, and 12 for the float32 master
    weights and Adam's two moments.  Activations come on top.

    Defined in 09_scaling_deep_learning.
    """
    _positive("parameters", parameters)
    _positive("bytes_per_parameter", bytes_per_parameter)
    return float(parameters) * float(bytes_per_parameter)


# ---------------------------------------------------------------- inference at scale


def requests_in_flight(requests_per_s: float, latency_s: float) -> float:
    """Little's law: requests being served at any moment = arrival rate x time each one takes.

    200 000 requests per second answered in 20 ms keep 4 000 requests in flight: the
    hardware must work on that many at once (in batches, or on many devices).

    Defined in 09_scaling_deep_learning.
    """
    _positive("requests_per_s", requests_per_s)
    _positive("latency_s", latency_s)
    return float(requests_per_s) * float(latency_s)


def serving_devices(requests_per_s: float, flops_per_request: float, peak_flops_per_s: float,
                    utilisation: float = 0.3) -> float:
    """Accelerators needed to keep up with a stream of requests: sustained FLOP/s over useful FLOP/s per device.

    Not rounded up; utilisation is the fraction of peak reached at the batch sizes
    the latency target allows (small batches: low utilisation).

    Defined in 09_scaling_deep_learning.
    """
    _positive("requests_per_s", requests_per_s)
    _positive("flops_per_request", flops_per_request)
    _positive("peak_flops_per_s", peak_flops_per_s)
    if not 0 < utilisation <= 1:
        raise ValueError(f"utilisation must be in (0, 1], got {utilisation!r}")
    return float(requests_per_s) * float(flops_per_request) / (float(peak_flops_per_s) * float(utilisation))


def inference_run(data_bytes: float, devices: int, minutes: float, dollars: float) -> dict[str, float]:
    """What a batch-inference run over ``data_bytes`` on ``devices`` in ``minutes`` for ``dollars`` amounts to.

    Returns ``seconds``, ``gb_per_s`` (all devices together), ``mb_per_s_per_device``,
    ``device_hours``, ``dollars_per_device_hour`` and ``dollars_per_tb``.  The cost of
    a run is its device-hours times the price of one: so a cost ratio between two runs
    is their price ratio times their time ratio.

    Defined in 09_scaling_deep_learning.
    """
    _positive("data_bytes", data_bytes)
    _positive("minutes", minutes)
    _positive("dollars", dollars)
    if isinstance(devices, bool) or int(devices) != devices or devices < 1:
        raise ValueError(f"devices must be a positive integer, got {devices!r}")
    seconds = 60.0 * float(minutes)
    device_hours = int(devices) * seconds / 3600.0
    return {
        "seconds": seconds,
        "gb_per_s": float(data_bytes) / seconds / 1e9,
        "mb_per_s_per_device": float(data_bytes) / seconds / int(devices) / 1e6,
        "device_hours": device_hours,
        "dollars_per_device_hour": float(dollars) / device_hours,
        "dollars_per_tb": float(dollars) / (float(data_bytes) / 1e12),
    }


# ------------------------------------------------------------ communication model


def ring_allreduce_bytes(n_values: float, workers: int, bytes_per_value: int = 4) -> float:
    """Bytes each worker sends (and receives) in a ring all-reduce of ``n_values`` numbers.

    A ring all-reduce is a reduce-scatter then an all-gather, each ``workers - 1``
    steps of ``1/workers`` of the data: ``2 (K-1)/K * M`` bytes per worker for a
    message of ``M`` bytes, which tends to ``2M`` and does not grow with ``K``.
    One worker sends nothing.

    Defined in 09_scaling_deep_learning.
    """
    _positive("n_values", n_values)
    if isinstance(workers, bool) or int(workers) != workers or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    k = int(workers)
    return 2.0 * (k - 1) / k * float(n_values) * float(bytes_per_value)


def allreduce_seconds(
    n_values: float, workers: int | np.ndarray, bandwidth_bytes_per_s: float,
    latency_s: float = 5e-6, bytes_per_value: int = 4,
) -> float | np.ndarray:
    """Time of a ring all-reduce: ``2(K-1)/K * M / B + 2(K-1) * latency`` (vectorised over ``workers``).

    The bandwidth term is the data each worker moves; the latency term counts the
    ``2(K-1)`` sequential messages of the ring.

    Defined in 09_scaling_deep_learning.
    """
    _positive("bandwidth_bytes_per_s", bandwidth_bytes_per_s)
    k = np.asarray(workers, dtype=float)
    if np.any(k < 1):
        raise ValueError(f"workers must be >= 1, got {workers!r}")
    moved = 2.0 * (k - 1) / k * float(n_values) * float(bytes_per_value)
    out = moved / float(bandwidth_bytes_per_s) + 2.0 * (k - 1) * float(latency_s)
    return float(out) if np.ndim(out) == 0 else out


def data_parallel_speedup(
    workers: int | np.ndarray, compute_s: float, n_values: float, bandwidth_bytes_per_s: float,
    latency_s: float = 5e-6, overlap: float = 0.0,
) -> float | np.ndarray:
    """Throughput speed-up of synchronous data parallelism with a fixed per-replica batch (weak scaling).

    One step on ``K`` workers takes ``compute_s`` (every replica does the same work
    on its own batch) plus the all-reduce of the gradients, of which a fraction
    ``overlap`` is hidden behind the backward pass.  ``K`` times the samples per
    step, so the speed-up over one worker (no communication) is
    ``K * compute_s / (compute_s + (1 - overlap) * t_allreduce(K))``.

    Defined in 09_scaling_deep_learning.
    """
    if not 0 <= overlap <= 1:
        raise ValueError(f"overlap must be in [0, 1], got {overlap!r}")
    k = np.asarray(workers, dtype=float)
    comm = allreduce_seconds(n_values, k, bandwidth_bytes_per_s, latency_s)
    out = k * compute_s / (compute_s + (1.0 - overlap) * np.asarray(comm))
    return float(out) if np.ndim(out) == 0 else out


def warmup_schedule(base_lr: float, k: float, steps_per_epoch: int, epochs: int,
                    warmup_epochs: int = 5, decay_epochs: Sequence[int] = ()) -> np.ndarray:
    """Per-step learning rates of Goyal et al. (2017): linear warm-up to ``k * base_lr``, then steps of /10.

    The rate starts at ``base_lr`` (what the small batch used) and grows by the
    same amount every step until it reaches the linearly scaled ``k * base_lr``
    after ``warmup_epochs``; at each epoch in ``decay_epochs`` it is divided by 10.

    Defined in 09_scaling_deep_learning.
    """
    _positive("base_lr", base_lr)
    _positive("k", k)
    total = int(steps_per_epoch) * int(epochs)
    if total < 1:
        raise ValueError("steps_per_epoch * epochs must be at least 1")
    step = np.arange(total)
    warm = max(1, int(warmup_epochs) * int(steps_per_epoch))
    peak = float(k) * float(base_lr)
    lr = np.where(step < warm, base_lr + (peak - base_lr) * step / warm, peak)
    for e in decay_epochs:
        lr = np.where(step >= int(e) * int(steps_per_epoch), lr / 10.0, lr)
    return lr.astype(float)


# ---------------------------------------------------------------- number formats


def float_formats() -> list[dict[str, Any]]:
    """float32, float16 and bfloat16 side by side: bit layout, largest value, smallest normal, epsilon.

    Read from ``numpy.finfo`` and ``ml_dtypes.finfo`` (ml_dtypes ships with
    TensorFlow and defines NumPy's bfloat16), not typed in by hand.

    Defined in 09_scaling_deep_learning.
    """
    import ml_dtypes

    rows = []
    for name, info in (("float32", np.finfo(np.float32)), ("float16", np.finfo(np.float16)),
                       ("bfloat16", ml_dtypes.finfo(ml_dtypes.bfloat16))):
        rows.append({
            "name": name,
            "bits": int(info.bits),
            "exponent_bits": int(info.nexp),
            "mantissa_bits": int(info.nmant),
            "max": float(info.max),
            "smallest_normal": float(info.smallest_normal),
            "smallest_subnormal": float(info.smallest_subnormal),
            "eps": float(info.eps),
        })
    return rows


# ------------------------------------------------------------------- clusters


def tf_config(workers: Sequence[str], index: int, task_type: str = "worker") -> dict[str, Any]:
    """The ``TF_CONFIG`` dictionary for task ``index`` of a multi-worker cluster.

    Every worker gets the same ``cluster`` (the addresses of all workers, in the
    same order) and its own ``task``; worker 0 is the chief, which also writes
    checkpoints and summaries.  Serialise with ``json.dumps`` into the
    ``TF_CONFIG`` environment variable *before* creating
    ``tf.distribute.MultiWorkerMirroredStrategy``.

    Defined in 09_scaling_deep_learning.
    """
    workers = list(workers)
    if not workers or not all(isinstance(w, str) and ":" in w for w in workers):
        raise ValueError(f"workers must be a non-empty list of 'host:port' strings, got {workers!r}")
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < len(workers):
        raise ValueError(f"index must be in 0..{len(workers) - 1}, got {index!r}")
    return {"cluster": {task_type: workers}, "task": {"type": task_type, "index": int(index)}}


# ----------------------------------------------------------------------- figures


def plot_compute_trend(ax: Axes | None = None) -> Axes:
    """The compute of the largest training runs against time: the 3.4-month trend vs Moore's law.

    Log scale in petaflop/s-days.  The trend line goes through AlexNet and doubles
    every 3.4 months to the end of 2018; Moore's law (doubling every two years)
    starts at the same point; the milestones of :data:`COMPUTE_MILESTONES` are
    marked.  GPT-3 (2020) sits below the extrapolated 2012–2018 trend: the doubling
    time has since lengthened.

    Defined in 09_scaling_deep_learning.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.2))
    t0, c0 = COMPUTE_MILESTONES["AlexNet"]
    years = np.linspace(t0, 2021.0, 200)
    trend = c0 * growth_factor(12 * (years - t0), AI_COMPUTE_DOUBLING_MONTHS)
    moore = c0 * growth_factor(12 * (years - t0), MOORE_DOUBLING_MONTHS)
    fitted = years <= 2018.5
    ax.plot(years[fitted], trend[fitted], color="C3", lw=2, label="doubling every 3.4 months (2012–2018)")
    ax.plot(years[~fitted], trend[~fitted], color="C3", lw=1, ls=":", label="same trend, extrapolated")
    ax.plot(years, moore, color="C0", lw=2, ls="--", label="Moore's law: doubling every 2 years")
    for name, (year, pfs) in COMPUTE_MILESTONES.items():
        ax.scatter([year], [pfs], color="k", zorder=3)
        ax.annotate(name, (year, pfs), textcoords="offset points", xytext=(6, -12))
    ax.set_yscale("log")
    ax.set_xlabel("year")
    ax.set_ylabel("training compute (petaflop/s-days)")
    ax.set_title("Compute of the largest training runs")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(True, which="major", alpha=0.3)
    return ax


def plot_amdahl(parallel_fractions: Sequence[float] = (0.5, 0.75, 0.9, 0.95, 0.99),
                n_max: int = 4096, ax: Axes | None = None) -> Axes:
    """Amdahl's law: speed-up ``1/((1-p) + p/N)`` against ``N`` processors, one curve per ``p``.

    Log-log axes, the ideal ``S = N`` dashed, and each curve's ceiling ``1/(1-p)``
    dotted.

    Defined in 09_scaling_deep_learning.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.2))
    n = np.unique(np.round(np.logspace(0, np.log10(n_max), 200)))
    ax.plot(n, n, color="0.6", ls="--", lw=1, label="ideal: S = N")
    for i, p in enumerate(parallel_fractions):
        if not 0 <= p <= 1:
            raise ValueError(f"parallel fractions must be in [0, 1], got {p!r}")
        s = 1.0 / ((1.0 - p) + p / n)
        ax.plot(n, s, color=f"C{i}", lw=2, label=f"p = {p:g}")
        if p < 1:
            ax.axhline(1.0 / (1.0 - p), color=f"C{i}", ls=":", lw=1)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("processors N")
    ax.set_ylabel("speed-up S(N)")
    ax.set_title("Amdahl's law: the serial part caps the speed-up")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(True, alpha=0.3)
    return ax


def plot_data_parallel_scaling(links: Mapping[str, float], compute_s: float, n_values: float,
                               max_workers: int = 256, overlap: float = 0.0, ax: Axes | None = None) -> Axes:
    """Modelled data-parallel speed-up against workers, one curve per interconnect (bytes per second).

    Uses :func:`data_parallel_speedup` (weak scaling, ring all-reduce); the ideal
    ``S = K`` is dashed.

    Defined in 09_scaling_deep_learning.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.2))
    k = 2.0 ** np.arange(0, int(np.log2(max_workers)) + 1)
    ax.plot(k, k, color="0.6", ls="--", lw=1, label="ideal")
    for i, (name, bandwidth) in enumerate(links.items()):
        ax.plot(k, data_parallel_speedup(k, compute_s, n_values, bandwidth, overlap=overlap),
                marker="o", ms=3, color=f"C{i}", label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("workers K")
    ax.set_ylabel("speed-up in samples per second")
    ax.set_title("Synchronous data parallelism: compute vs all-reduce")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(True, alpha=0.3)
    return ax


def plot_warmup_schedule(schedules: Mapping[str, np.ndarray], steps_per_epoch: int, ax: Axes | None = None) -> Axes:
    """Learning rate against epoch for one or more per-step schedules.

    Defined in 09_scaling_deep_learning.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.5))
    for name, lr in schedules.items():
        lr = np.asarray(lr, dtype=float)
        ax.plot(np.arange(len(lr)) / steps_per_epoch, lr, lw=2, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.set_title("Linear scaling with gradual warm-up")
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    return ax


def plot_throughput(rates: Mapping[str, float], ax: Axes | None = None, unit: str = "samples / s") -> Axes:
    """Horizontal bars of measured throughputs (the numbers change from run to run; the picture does not much).

    Defined in 09_scaling_deep_learning.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 0.5 + 0.55 * len(rates)))
    names = list(rates)[::-1]
    values = [float(rates[n]) for n in names]
    ax.barh(names, values, color=[f"C{i}" for i in range(len(names))][::-1])
    ax.set_xlabel(unit)
    ax.set_title("tf.data pipeline throughput (measured on this machine)")
    ax.grid(True, axis="x", alpha=0.3)
    return ax


# ------------------------------------------------------------------ tf.data demo

#: Bias level of the synthetic camera: what a pixel reads with no light (ADU).
FRAME_BIAS = 1_000
#: ADU for a pixel of normalised brightness 1.
FRAME_GAIN = 20_000
#: Seconds :func:`decode_frame` waits per frame: the latency of reading one small
#: file from a networked or parallel file system (a few milliseconds).
DECODE_DELAY_S = 0.002


def raw_frames(n: int, size: int = 16, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Raw 16-bit camera frames of galaxies, as a survey pipeline would read them from disk.

    Imitates the raw output of a CCD: ``(n, size, size)`` ``uint16`` counts in
    analogue-to-digital units, ``FRAME_BIAS + FRAME_GAIN * brightness`` plus Gaussian
    read noise of 5 ADU, where the brightness images and the labels (0 disc, 1 bulge
    dominated, ``(n,)`` int64) are ``data.galaxy_images(n, size, seed=seed)``.

    Defined in 09_scaling_deep_learning.
    """
    images, labels = data.galaxy_images(int(n), int(size), seed=seed)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x09,)))
    counts = FRAME_BIAS + FRAME_GAIN * images + rng.normal(0.0, 5.0, images.shape)
    return np.clip(np.round(counts), 0, 65_535).astype(np.uint16), labels.astype(np.int64)


def _wait(counts: Any) -> Any:
    time.sleep(DECODE_DELAY_S)
    return counts


def decode_frame(counts: "tf.Tensor", label: "tf.Tensor") -> tuple["tf.Tensor", "tf.Tensor"]:
    """``tf.data`` map function: one raw frame -> a calibrated ``(size, size, 1)`` float32 image and its label.

    The calibration is ``(counts - FRAME_BIAS) / FRAME_GAIN``.  Before it, the
    function waits :data:`DECODE_DELAY_S` seconds in Python, standing in for
    reading and decoding one file: the expensive, I/O-bound step a real pipeline
    spends its time on, and the one caching saves.  The wait runs in
    ``tf.numpy_function(..., stateful=False)``: a stateful Python function would make
    tf.data run the map serially and drop prefetching whenever op determinism is on
    (``device.setup()`` turns it on on a CPU), which would hide what the stages do.

    Defined in 09_scaling_deep_learning.
    """
    import tensorflow as tf

    read = tf.numpy_function(_wait, [counts], Tout=tf.uint16, stateful=False)
    read = tf.ensure_shape(read, counts.shape)
    image = (tf.cast(read, tf.float32) - float(FRAME_BIAS)) / float(FRAME_GAIN)
    return image[..., tf.newaxis], label


def _stage_name(dataset: Any) -> str:
    name = type(dataset).__name__.strip("_")
    if name.endswith("Dataset") and len(name) > len("Dataset"):
        name = name[: -len("Dataset")]
    name = name.replace("V2", "")
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def pipeline_stages(dataset: "tf.data.Dataset") -> list[str]:
    """The transformations of a ``tf.data`` pipeline, source first: e.g. ``['tensor_slice', 'map', 'cache', 'batch', 'prefetch']``.

    Follows each dataset's input back to the source (the Python objects the
    pipeline was built from, before tf.data's own graph rewrites).  A map with
    ``num_parallel_calls`` shows as ``parallel_map``; internal option-holding
    stages are left out.

    Defined in 09_scaling_deep_learning.
    """
    stages = []
    seen = 0
    current = dataset
    while current is not None and seen < 1000:
        name = _stage_name(current)
        if name != "options":
            stages.append(name)
        inputs = getattr(current, "_input_dataset", None)
        current = inputs
        seen += 1
    return stages[::-1]


def time_epochs(dataset: "tf.data.Dataset", epochs: int = 2, step_s: float = 0.0) -> list[float]:
    """Seconds per epoch to iterate ``dataset``, waiting ``step_s`` per batch (a stand-in training step).

    The wait imitates the accelerator's work on a batch: with ``prefetch`` the
    pipeline prepares the next batch meanwhile, without it the two take turns.

    Defined in 09_scaling_deep_learning.
    """
    seconds = []
    for _ in range(int(epochs)):
        start = time.perf_counter()
        for _batch in dataset:
            if step_s:
                time.sleep(step_s)
        seconds.append(time.perf_counter() - start)
    return seconds


# --------------------------------------------------------------- tf.distribute


def replica_devices(n: int = 2) -> list[str]:
    """Devices for an ``n``-replica ``MirroredStrategy`` on this machine; call before any TensorFlow op.

    - two or more GPUs: the first ``n`` of them (real devices);
    - one GPU: split into ``n`` logical GPUs of 4 GiB each (TensorFlow then reduces
      with a copy to one device instead of NCCL, which needs distinct chips);
    - no GPU: the CPU split into ``n`` logical CPUs (``tf.config.set_logical_device_configuration``),
      which share the same cores: correct data parallelism, no speed-up.

    The split must happen before TensorFlow's runtime starts (the first op); after
    that it is fixed, and this returns the devices that exist (fewer if the split
    did not happen).

    Defined in 09_scaling_deep_learning.
    """
    import tensorflow as tf

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    gpus = tf.config.list_physical_devices("GPU")
    kind = "GPU" if gpus else "CPU"
    if len(gpus) < 2:
        physical = gpus[0] if gpus else tf.config.list_physical_devices("CPU")[0]
        limit = 4096 if gpus else None
        config = [tf.config.LogicalDeviceConfiguration(memory_limit=limit) for _ in range(int(n))]
        try:
            tf.config.set_logical_device_configuration(physical, config)
        except RuntimeError:  # the runtime has started: use what there is
            pass
    logical = [d.name for d in tf.config.list_logical_devices(kind)]
    return logical[: int(n)]


def replica_gradients(strategy: "tf.distribute.Strategy", w: np.ndarray, x: np.ndarray,
                      y: np.ndarray) -> dict[str, list[np.ndarray]]:
    """One data-parallel gradient step made visible: shards, local gradients, all-reduced mean.

    The global batch ``(x, y)`` is split across the strategy's replicas; each
    replica computes the gradient of the mean squared error ``½ mean((x w - y)²)``
    of a linear model on its own shard, then ``all_reduce("mean")`` averages the
    gradients so that every replica holds the same result.  Returns
    ``{"shards": [y of each replica], "local": [...], "all_reduced": [...]}``, one
    entry per replica.

    Defined in 09_scaling_deep_learning.
    """
    import tensorflow as tf

    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32)
    weights = tf.constant(np.asarray(w, dtype=np.float32))
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(len(x))
    batch = next(iter(strategy.experimental_distribute_dataset(dataset)))

    def replica_step(xb: tf.Tensor, yb: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(weights)
            loss = 0.5 * tf.reduce_mean((tf.linalg.matvec(xb, weights) - yb) ** 2)
        local = tape.gradient(loss, weights)
        averaged = tf.distribute.get_replica_context().all_reduce("mean", local)
        return yb, local, averaged

    @tf.function
    def step(inputs: Any) -> Any:
        return strategy.run(replica_step, args=inputs)

    shards, local, averaged = step(batch)
    unpack = strategy.experimental_local_results
    return {
        "shards": [np.asarray(t) for t in unpack(shards)],
        "local": [np.asarray(t) for t in unpack(local)],
        "all_reduced": [np.asarray(t) for t in unpack(averaged)],
    }


def time_training(strategy: "tf.distribute.Strategy", x: np.ndarray, y: np.ndarray, global_batch: int,
                  epochs: int = 3, learning_rate: float = 0.1, seed: int = 0) -> list[float]:
    """Seconds per training step of :func:`build_catalog_mlp` under ``strategy``, one number per epoch.

    Builds and compiles a fresh model in ``strategy.scope()`` (plain SGD, the sparse
    cross-entropy), trains one warm-up epoch (tracing and graph building, not counted),
    then ``epochs`` more, each batched by the *global* batch and timed with a Keras
    callback; each epoch's seconds are divided by its number of steps.  Wall-clock
    times: they vary from run to run and machine to machine.

    Defined in 09_scaling_deep_learning.
    """
    import keras
    import tensorflow as tf

    if isinstance(epochs, bool) or int(epochs) < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if isinstance(global_batch, bool) or int(global_batch) < 1:
        raise ValueError(f"global_batch must be a positive integer, got {global_batch!r}")

    class _EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []
            self._start = 0.0

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.seconds.append(time.perf_counter() - self._start)

    with strategy.scope():
        model = build_catalog_mlp(seed=seed)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                      loss="sparse_categorical_crossentropy")
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(int(global_batch))
    steps = -(-len(x) // int(global_batch))
    timer = _EpochTimer()
    model.fit(dataset, epochs=1 + int(epochs), verbose=0, callbacks=[timer])
    return [s / steps for s in timer.seconds[1:]]


#: The three classes of the catalogue, in label order.
CATALOG_CLASSES = ("STAR", "GALAXY", "QSO")
#: The features :func:`catalog_split` gives the network: four colours and the r magnitude.
CATALOG_FEATURES = ("u-g", "g-r", "r-i", "i-z", "r")


def catalog_split(n_train: int, n_test: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Photometric classification data from the SDSS-like catalogue: colours -> star / galaxy / quasar.

    Draws ``n_train + n_test`` rows of ``data.sky_catalog`` and returns
    ``x_train, y_train, x_test, y_test``: float32 features :data:`CATALOG_FEATURES`
    standardised with the training rows' mean and standard deviation, and int64
    labels indexing :data:`CATALOG_CLASSES`.

    Defined in 09_scaling_deep_learning.
    """
    n_train, n_test = int(n_train), int(n_test)
    if n_train < 2 or n_test < 1:
        raise ValueError(f"need n_train >= 2 and n_test >= 1, got {n_train}, {n_test}")
    cat = data.sky_catalog(n_train + n_test, seed=seed)
    m = cat[list("ugriz")].to_numpy(dtype=np.float64)
    x = np.column_stack([m[:, 0] - m[:, 1], m[:, 1] - m[:, 2], m[:, 2] - m[:, 3], m[:, 3] - m[:, 4], m[:, 2]])
    y = cat["cls"].map({c: i for i, c in enumerate(CATALOG_CLASSES)}).to_numpy(dtype=np.int64)
    mean, std = x[:n_train].mean(axis=0), x[:n_train].std(axis=0)
    x = ((x - mean) / std).astype(np.float32)
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def build_catalog_mlp(seed: int = 0, hidden: int = 32) -> "keras.Model":
    """A small float32 MLP for :func:`catalog_split`: Dense(hidden, ReLU) -> Dense(3, softmax).

    Every layer is float32 whatever the global mixed-precision policy, so runs on
    one and on several devices can be compared number for number.  The weights are
    drawn after ``keras.utils.set_random_seed(seed)``: call it inside
    ``strategy.scope()`` and every strategy starts from the same network.

    Defined in 09_scaling_deep_learning.
    """
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input(shape=(len(CATALOG_FEATURES),), name="photometry"),
        keras.layers.Dense(hidden, activation="relu", dtype="float32", name="hidden"),
        keras.layers.Dense(len(CATALOG_CLASSES), activation="softmax", dtype="float32", name="probabilities"),
    ], name="catalog_mlp")


def unoptimized(dataset: "tf.data.Dataset") -> "tf.data.Dataset":
    """``dataset`` with tf.data's automatic rewrites switched off, so it does only what its stages say.

    By default tf.data quietly runs a stateless ``map`` in parallel, fuses
    ``map`` and ``batch`` into one stage that works ahead in background threads, and
    adds a ``prefetch`` at the end of a pipeline.  With these rewrites off, the
    effect of each stage the programmer wrote can be measured.

    Defined in 09_scaling_deep_learning.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    options.experimental_optimization.map_parallelization = False
    options.experimental_optimization.inject_prefetch = False
    options.experimental_optimization.map_and_batch_fusion = False
    return dataset.with_options(options)
