"""Data-parallel scaling explorer: when does adding GPUs stop paying?

The lecture's model of synchronous data parallelism with a fixed batch per
worker (weak scaling): one step on ``K`` workers takes the computation
``t_c`` plus the part of the ring all-reduce that is not hidden behind the
backward pass,

    t_step(K) = t_c + (1 - overlap) * t_allreduce(K),
    t_allreduce(K) = 2 (K-1)/K * M / B + 2 (K-1) * latency,

for ``M`` bytes of gradients over links of ``B`` bytes per second, and ``K``
workers process ``K`` times the samples of one, so the speed-up is
``K t_c / t_step(K)`` and the parallel efficiency ``t_c / t_step(K)``.

The maths: :func:`step_time_breakdown` (the parts of a step, built on
``course.scaling.allreduce_seconds``), :func:`parallel_efficiency`,
:func:`workers_for_efficiency` (the largest ``K`` that keeps a target
efficiency), and, to read the same numbers as Amdahl's law,
:func:`equivalent_serial_fraction` (Karp and Flatt's measured serial fraction)
and :func:`amdahl_curve`. :data:`INTERCONNECTS` and :data:`MODELS` hold the
presets. The widget is :func:`make_scaling_explorer`.

Defined in 09_scaling_deep_learning.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator

from course import scaling
from course.widgets._base import BlittedFigureWidget

__all__ = [
    "Interconnect",
    "INTERCONNECTS",
    "MODELS",
    "PRECISIONS",
    "step_time_breakdown",
    "parallel_efficiency",
    "workers_for_efficiency",
    "equivalent_serial_fraction",
    "amdahl_curve",
    "make_scaling_explorer",
    "ScalingExplorer",
]


class Interconnect(NamedTuple):
    """A link between workers: bandwidth per direction (bytes/s) and latency per message (s).

    Defined in 09_scaling_deep_learning.
    """

    bandwidth_bytes_per_s: float
    latency_s: float


#: Interconnect presets. Bandwidths are per direction, from the link rates: Ethernet and
#: InfiniBand in gigabits per second divided by 8 (EDR 100 Gb/s = 12.5 GB/s, HDR 200 Gb/s = 25 GB/s,
#: the lecture's 10 Gb/s Ethernet = 1.25 GB/s); PCIe 4.0 x16 has 31.5 GB/s raw per direction,
#: about 25 GB/s in practice; NVLink 2 (V100) 6 links x 25 GB/s = 150 GB/s per direction (the
#: lecture's figure), NVLink 3 (A100) 12 links x 25 GB/s = 300 GB/s per direction (600 GB/s both
#: ways, NVIDIA's headline number). Latencies are orders of magnitude, not measurements: 5 us per
#: message (the default of ``course.scaling.allreduce_seconds``: a small-message step of NCCL or MPI
#: over RDMA or a GPU link), 20 us through a TCP/IP stack on Ethernet.
INTERCONNECTS: dict[str, Interconnect] = {
    "10 Gb/s Ethernet": Interconnect(1.25e9, 20e-6),
    "25 Gb/s Ethernet": Interconnect(3.125e9, 20e-6),
    "InfiniBand EDR (100 Gb/s)": Interconnect(12.5e9, 5e-6),
    "InfiniBand HDR (200 Gb/s)": Interconnect(25e9, 5e-6),
    "PCIe 4.0 x16": Interconnect(25e9, 5e-6),
    "NVLink 2 (V100)": Interconnect(150e9, 5e-6),
    "NVLink 3 (A100)": Interconnect(300e9, 5e-6),
}

#: Model presets: parameters, so one gradient value per parameter. ResNet-50 (He et al. 2016, as
#: in Keras), BERT-base and BERT-large (Devlin et al. 2019), GPT-2 XL (Radford et al. 2019).
MODELS: dict[str, float] = {
    "ResNet-50": 25.6e6,
    "BERT-base": 110e6,
    "BERT-large": 340e6,
    "GPT-2 XL": 1.5e9,
}
CUSTOM = "custom (slider)"

#: Bytes per gradient value for the all-reduce: float32, or 16-bit gradients under mixed precision.
PRECISIONS: dict[str, int] = {"float32": 4, "bfloat16": 2}

#: The efficiency the status line and the dotted guide refer to.
EFFICIENCY_GUIDE = 0.5
MAX_LOG2_WORKERS = 10  # the slider's K = 1 ... 1024


# ------------------------------------------------------------------------------ maths


def _finite_positive(name: str, value: Any, unit: str = "") -> float:
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a positive, finite number{unit}, got {value!r}")
    return v


def _check_inputs(workers: Any, compute_s: float, n_values: float, bandwidth_bytes_per_s: float,
                  latency_s: float, overlap: float, bytes_per_value: float) -> np.ndarray:
    k = np.asarray(workers, dtype=float)
    if k.size == 0 or not np.all(np.isfinite(k)) or np.any(k < 1):
        raise ValueError(f"the number of workers K must be at least 1 (one worker: no communication), got {workers!r}")
    _finite_positive("the compute time per step", compute_s, " of seconds")
    _finite_positive("the number of gradient values (parameters)", n_values)
    _finite_positive("the bandwidth", bandwidth_bytes_per_s, " of bytes per second")
    _finite_positive("the bytes per gradient value", bytes_per_value)
    lat = float(latency_s)
    if not math.isfinite(lat) or lat < 0:
        raise ValueError(f"the latency must be a finite number of seconds >= 0, got {latency_s!r}")
    ov = float(overlap)
    if not 0.0 <= ov <= 1.0:  # NaN fails too
        raise ValueError(f"the overlap is the fraction of the all-reduce hidden behind the backward pass: "
                         f"it must lie in [0, 1], got {overlap!r}")
    return k


def step_time_breakdown(workers: Any, compute_s: float, n_values: float, bandwidth_bytes_per_s: float,
                        latency_s: float = 5e-6, overlap: float = 0.0,
                        bytes_per_value: float = 4) -> dict[str, np.ndarray]:
    """The parts of one synchronous data-parallel step on ``workers`` (a number or an array of K >= 1).

    Returns arrays of the shape of ``workers`` (seconds unless said): ``"compute"``
    (``t_c``, the same on every worker), ``"allreduce"`` (the ring all-reduce of
    ``n_values * bytes_per_value`` bytes, :func:`course.scaling.allreduce_seconds`),
    ``"hidden"`` (``overlap`` of it, running during the backward pass), ``"exposed"``
    (the rest, which the step waits for), ``"step"`` (``t_c + exposed``),
    ``"speedup"`` (``K t_c / step``: samples per second over one worker) and
    ``"efficiency"`` (speed-up / K). One worker has no all-reduce: speed-up 1.
    The model lets ``overlap`` hide any amount; in practice only the backward pass
    (about two thirds of ``t_c``) can hide communication.

    Defined in 09_scaling_deep_learning.
    """
    k = _check_inputs(workers, compute_s, n_values, bandwidth_bytes_per_s, latency_s, overlap, bytes_per_value)
    t_c = float(compute_s)
    comm = np.asarray(scaling.allreduce_seconds(float(n_values), k, float(bandwidth_bytes_per_s),
                                                latency_s=float(latency_s), bytes_per_value=bytes_per_value),
                      dtype=float)
    exposed = (1.0 - float(overlap)) * comm
    hidden = comm - exposed
    step = t_c + exposed
    return {"workers": k, "compute": np.full_like(k, t_c), "allreduce": comm, "hidden": hidden,
            "exposed": exposed, "step": step, "speedup": k * t_c / step, "efficiency": t_c / step}


def parallel_efficiency(workers: Any, compute_s: float, n_values: float, bandwidth_bytes_per_s: float,
                        latency_s: float = 5e-6, overlap: float = 0.0, bytes_per_value: float = 4) -> np.ndarray:
    """Parallel efficiency ``S(K)/K = t_c / (t_c + (1 - overlap) t_allreduce(K))``: 1 is perfect scaling.

    It never grows with ``K`` (the all-reduce only gets longer) and is 1 for
    ``K = 1`` or ``overlap = 1``.

    Defined in 09_scaling_deep_learning.
    """
    return step_time_breakdown(workers, compute_s, n_values, bandwidth_bytes_per_s, latency_s, overlap,
                               bytes_per_value)["efficiency"]


def workers_for_efficiency(target: float, compute_s: float, n_values: float, bandwidth_bytes_per_s: float,
                           latency_s: float = 5e-6, overlap: float = 0.0, bytes_per_value: float = 4,
                           max_workers: int = 1 << 20) -> int:
    """The largest number of workers ``K <= max_workers`` whose parallel efficiency is still ``>= target``.

    Beyond it, more GPUs still add throughput but waste more than ``1 - target`` of
    their time waiting for the all-reduce. Efficiency is 1 at ``K = 1`` and never
    grows with ``K``, so a bisection over the integers finds the answer; it is
    ``max_workers`` when the whole range qualifies (e.g. ``overlap = 1``).

    Defined in 09_scaling_deep_learning.
    """
    t = float(target)
    if not 0.0 < t <= 1.0:
        raise ValueError(f"the target efficiency must lie in (0, 1], got {target!r}")
    if isinstance(max_workers, bool) or int(max_workers) != max_workers or max_workers < 1:
        raise ValueError(f"max_workers must be a positive whole number, got {max_workers!r}")

    def ok(k: int) -> bool:
        return bool(parallel_efficiency(k, compute_s, n_values, bandwidth_bytes_per_s, latency_s, overlap,
                                        bytes_per_value) >= t)

    ok(1)  # validates the other arguments (efficiency 1 at K = 1)
    lo, hi = 1, int(max_workers)  # invariant: ok(lo); the answer lies in [lo, hi]
    if ok(hi):
        return hi
    while hi - lo > 1:  # invariant: ok(lo) and not ok(hi)
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo


def equivalent_serial_fraction(speedup: Any, workers: Any) -> np.ndarray:
    """Karp and Flatt's (1990) measured serial fraction ``e = (1/S - 1/K) / (1 - 1/K)`` for ``K > 1``.

    The serial fraction ``1 - p`` that makes Amdahl's law give speed-up ``S`` on
    ``K`` workers: Amdahl's curve with it passes through the measured point. NaN
    where ``K = 1`` (one worker says nothing about it).

    Defined in 09_scaling_deep_learning.
    """
    s = np.asarray(speedup, dtype=float)
    k = np.asarray(workers, dtype=float)
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise ValueError(f"a speed-up must be positive and finite, got {speedup!r}")
    if not np.all(np.isfinite(k)) or np.any(k < 1):
        raise ValueError(f"the number of workers K must be at least 1, got {workers!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(k > 1, (1.0 / s - 1.0 / k) / (1.0 - 1.0 / k), np.nan)


def amdahl_curve(serial_fraction: float, workers: Any) -> np.ndarray:
    """Amdahl's speed-up ``1 / (s + (1 - s)/K)`` for a serial fraction ``s`` of the one-worker run time.

    It levels off at ``1/s``: a fixed problem (strong scaling). Data-parallel
    training grows the batch with ``K`` (weak scaling), so its speed-up can keep
    rising where Amdahl's curve through the same point has flattened.

    Defined in 09_scaling_deep_learning.
    """
    s = float(serial_fraction)
    if not 0.0 <= s <= 1.0:
        raise ValueError(f"the serial fraction must lie in [0, 1], got {serial_fraction!r}")
    k = np.asarray(workers, dtype=float)
    if not np.all(np.isfinite(k)) or np.any(k < 1):
        raise ValueError(f"the number of workers K must be at least 1, got {workers!r}")
    return 1.0 / (s + (1.0 - s) / k)


# ----------------------------------------------------------------------------- widget

_COMPUTE = "#0072B2"
_EXPOSED = "#D55E00"
_HIDDEN = "#E69F00"
_AMDAHL = "#009E73"
_GRID = 2.0 ** np.linspace(0, MAX_LOG2_WORKERS, 81)
_Y_RANGE = (2.0 ** -4, 2.0 ** 11)
_TIME_AXIS = tuple(m * 10.0 ** e for e in range(-1, 6) for m in (1, 1.5, 2, 3, 5, 7))  # ms; the axis changes only at these


def _time_axis(ms: float) -> float:
    return next((t for t in _TIME_AXIS if t >= ms), ms)


def _bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


def _ms(s: float) -> str:
    return f"{1e3 * s:.3g} ms" if s < 1 else f"{s:.3g} s"


def _power_of_two_label(v: float) -> str:
    e = round(math.log2(v))
    return str(2 ** e) if e >= 0 else f"1/{2 ** -e}"


class ScalingExplorer(BlittedFigureWidget):
    """Speed-up against workers (left) and one step's time at the chosen K (right). Defined in 09_scaling_deep_learning."""

    title = "Data-parallel scaling explorer"
    lets_you = "choose the model and its size, the interconnect, the compute time per step, the overlap of communication and computation, the gradient precision and the number of workers"

    def __init__(self, model: str = "ResNet-50", interconnect: str = "InfiniBand EDR (100 Gb/s)",
                 compute_ms: float = 25.0, overlap: float = 0.0, precision: str = "float32", workers: int = 64,
                 amdahl: bool = True) -> None:
        self._syncing = False
        wide = {"description_width": "110px"}  # "compute (ms)" fits in JupyterLab's font
        slider = dict(continuous_update=True, style=wide)
        controls = {
            "model": widgets.Dropdown(options=[*MODELS, CUSTOM], value=model, description="model", style=wide,
                                      layout=widgets.Layout(width="270px")),
            "parameters": widgets.FloatLogSlider(value=MODELS.get(model, 1e8), base=10, min=6, max=11, step=0.02,
                                                 description="parameters", readout_format=".3s", **slider),
            "interconnect": widgets.Dropdown(options=list(INTERCONNECTS), value=interconnect,
                                             description="interconnect", style=wide,
                                             layout=widgets.Layout(width="330px")),
            "compute_ms": widgets.FloatLogSlider(value=compute_ms, base=10, min=0, max=3, step=0.05,
                                                 description="compute (ms)", readout_format=".3g", **slider),
            "overlap": widgets.FloatSlider(value=overlap, min=0.0, max=1.0, step=0.05, description="overlap",
                                           readout_format=".2f", **slider),
            "precision": widgets.ToggleButtons(options=list(PRECISIONS), value=precision, description="gradients",
                                               style={"button_width": "75px", "description_width": "70px"}),
            "workers": widgets.FloatLogSlider(value=workers, base=2, min=0, max=MAX_LOG2_WORKERS, step=1,
                                              description="workers K", readout_format=".0f", **slider),
            "amdahl": widgets.Checkbox(value=amdahl, description="Amdahl's curve through the point", indent=False),
        }
        super().__init__(controls, figsize=(10.5, 3.7), layout_rows=[
            ["workers", "model", "parameters"], ["compute_ms", "overlap", "interconnect"], ["precision", "amdahl"]])

    # a preset model sets the parameter slider; moving the slider off the preset selects "custom"
    def _on_change(self, change: dict) -> None:
        if self._syncing:
            return
        c = self.controls
        owner = change.get("owner")
        if owner is c["model"] and change["new"] in MODELS and c["parameters"].value != MODELS[change["new"]]:
            c["parameters"].value = MODELS[change["new"]]  # its own observer redraws
            return
        if owner is c["parameters"] and c["model"].value in MODELS and math.isfinite(float(change["new"])) and \
                not math.isclose(float(change["new"]), MODELS[c["model"].value], rel_tol=1e-9):
            self._syncing = True
            try:
                c["model"].value = CUSTOM
            finally:
                self._syncing = False
        self.refresh()

    # ------------------------------------------------------------------ figure

    def _setup_figure(self) -> None:
        fig = self.fig
        self.ax_s, self.ax_t = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.05]})
        fig.subplots_adjust(left=0.065, right=0.985, top=0.9, bottom=0.14, wspace=0.2)
        ax = self.ax_s
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        ax.set_xlim(2 ** -0.3, 2 ** (MAX_LOG2_WORKERS + 0.3))  # room for the marker at K = 1 and 1024
        ax.set_ylim(*_Y_RANGE)
        ax.xaxis.set_major_locator(FixedLocator([4.0 ** i for i in range(6)]))
        ax.yaxis.set_major_locator(FixedLocator([4.0 ** i for i in range(-2, 6)]))
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_minor_locator(NullLocator())
            axis.set_major_formatter(lambda v, _pos: _power_of_two_label(v))
        ax.grid(True, alpha=0.25)
        ideal = np.array([1.0, 2.0 ** MAX_LOG2_WORKERS])
        ax.plot(ideal, ideal, color="0.45", ls="--", lw=1, label="ideal: S = K")
        ax.plot(ideal, EFFICIENCY_GUIDE * ideal, color="0.6", ls=":", lw=1.2,
                label=f"{EFFICIENCY_GUIDE:.0%} efficiency: S = K/2")
        ax.axhline(1.0, color="0.3", lw=0.8)
        ax.text(2 ** MAX_LOG2_WORKERS / 1.2, 1.12, "one worker's speed", ha="right", va="bottom", fontsize=7,
                color="0.35")
        (self.curve,) = ax.plot([], [], color=_EXPOSED, lw=2, label="this configuration")
        (self.amdahl_line,) = ax.plot([], [], color=_AMDAHL, lw=1.5, ls="-.", label="Amdahl, same serial fraction")
        (self.marker,) = ax.plot([], [], "o", color="k", ms=6, label="chosen K")
        self.marker_text = ax.text(1, 1, "", fontsize=9, ha="right", va="bottom")
        ax.set_xlabel("workers K", fontsize=9, labelpad=1)
        ax.set_ylabel("speed-up S (samples/s vs one worker)", fontsize=9)
        ax.set_title("speed-up against workers", fontsize=10)
        ax.tick_params(labelsize=8)
        legend_s = ax.legend(loc="upper left", fontsize=7.5, framealpha=0.9)

        ax = self.ax_t
        ylim = (-0.55, 3.55)
        ax.set_ylim(*ylim)
        ax.set_yticks([])
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.tick_params(labelsize=8)
        ax.grid(True, axis="x", alpha=0.25)
        # Title, x label and row names as figure text: drawn once with the frame, not each time the time
        # axis changes (text is the slow part of redrawing these axes).
        box = ax.get_position()
        centre = (box.x0 + box.x1) / 2
        fig.text(centre, box.y1 + 0.025, "one training step at the chosen K", ha="center", va="baseline",
                 fontsize=10)
        fig.text(centre, box.y0 - 0.075, "time in one step (ms)", ha="center", va="top", fontsize=9)
        for row, name in ((2, "one worker"), (1, "K workers"), (0, "all-reduce")):
            y = box.y0 + (row - ylim[0]) / (ylim[1] - ylim[0]) * box.height
            fig.text(box.x0 - 0.006, y, name, ha="right", va="center", fontsize=8)
        h = 0.56
        self.bar_one = Rectangle((0, 2 - h / 2), 0, h, color=_COMPUTE, label="compute (forward + backward)")
        self.bar_compute = Rectangle((0, 1 - h / 2), 0, h, color=_COMPUTE)
        self.bar_exposed = Rectangle((0, 1 - h / 2), 0, h, color=_EXPOSED, label="exposed communication (waited for)")
        self.bar_hidden = Rectangle((0, -h / 2), 0, h, facecolor=_HIDDEN, edgecolor="white", hatch="///", lw=0,
                                    label="hidden communication (overlaps the backward pass)")
        self.bar_comm = Rectangle((0, -h / 2), 0, h, color=_EXPOSED)
        for bar in (self.bar_one, self.bar_compute, self.bar_exposed, self.bar_hidden, self.bar_comm):
            ax.add_patch(bar)
        (self.step_line,) = ax.plot([0.0, 0.0], [-0.45, 2.45], color="k", lw=1, ls="--")
        # opaque, so the curves under it never show through its cached pixels (an overlay)
        legend_t = ax.legend(handles=[self.bar_one, self.bar_exposed, self.bar_hidden], loc="upper right",
                             fontsize=7.5, framealpha=1.0)
        self._set_animated([self.curve, self.amdahl_line, self.marker, self.marker_text, self.bar_one,
                            self.bar_compute, self.bar_exposed, self.bar_hidden, self.bar_comm, self.step_line])
        self._set_overlays([legend_s, legend_t])
        self._set_changing([self.ax_t])  # a new time axis redraws only the right panel over the cached rest

    # ------------------------------------------------------------------ maths

    def _compute(self, model: str, parameters: float, interconnect: str, compute_ms: float, overlap: float,
                 precision: str, workers: float, amdahl: bool) -> dict[str, Any]:
        if interconnect not in INTERCONNECTS:
            raise ValueError(f"unknown interconnect {interconnect!r}: choose one of {', '.join(INTERCONNECTS)}")
        if precision not in PRECISIONS:
            raise ValueError(f"unknown gradient precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
        k = float(workers)
        if not math.isfinite(k) or k < 1 or k != round(k):
            raise ValueError(f"the number of workers K must be a whole number >= 1, got {workers!r}")
        k = int(round(k))
        n = _finite_positive("the number of parameters", parameters)
        compute_s = _finite_positive("the compute time per step", compute_ms, " of milliseconds") / 1e3
        link = INTERCONNECTS[interconnect]
        nbytes = PRECISIONS[precision]
        args = (compute_s, n, link.bandwidth_bytes_per_s, link.latency_s, overlap, nbytes)
        at_k = {key: float(v) for key, v in step_time_breakdown(k, *args).items()}
        curve = step_time_breakdown(_GRID, *args)["speedup"]
        k_guide = workers_for_efficiency(EFFICIENCY_GUIDE, *args)
        serial = float(equivalent_serial_fraction(at_k["speedup"], k)) if k > 1 else float("nan")
        # Amdahl's speed-up is never below 1: a configuration slower than one worker has no Amdahl curve
        amdahl_s = amdahl_curve(max(serial, 0.0), _GRID) if (amdahl and 1 < k and serial <= 1) else None
        sent = scaling.ring_allreduce_bytes(n, k, nbytes)
        gradient = n * nbytes
        name = model if model in MODELS and math.isclose(n, MODELS[model], rel_tol=1e-9) else "a custom model"

        speed = f"{at_k['speedup']:.3g}× faster" if at_k["speedup"] >= 1 else \
            f"{1 / at_k['speedup']:.3g}× slower"
        if k == 1:
            parts = [f"1 worker: the reference speed, with nothing to all-reduce (compute {_ms(compute_s)})."]
        else:
            parts = [f"{k} workers over {interconnect}: {speed} than one ({at_k['efficiency']:.0%} efficiency)."]
            parts.append(f"The ring all-reduce of {name}'s {_bytes(gradient)} of {precision} gradients sends "
                         f"2 × {k - 1}/{k} × {_bytes(gradient)} = {_bytes(sent)} per worker and takes "
                         f"{_ms(at_k['allreduce'])}, {_ms(at_k['exposed'])} of it exposed "
                         f"(compute {_ms(compute_s)}).")
            if at_k["hidden"] > compute_s:
                parts.append("(Hiding more communication than the step computes is not possible in practice.)")
        if k_guide >= 1 << 20:
            parts.append(f"At least {EFFICIENCY_GUIDE:.0%} efficient for any K.")
        elif k_guide == 1:
            parts.append(f"Already at K = 2 the efficiency is below {EFFICIENCY_GUIDE:.0%}.")
        else:
            parts.append(f"At least {EFFICIENCY_GUIDE:.0%} efficient up to K = {k_guide}.")
        if amdahl and k > 1 and amdahl_s is None:
            parts.append("Slower than one worker: no Amdahl curve goes through the point.")
        if amdahl_s is not None:
            ceiling = "no ceiling" if serial <= 0 else f"ceiling {1 / serial:.3g}×"
            parts.append(f"Amdahl's curve through the point: serial fraction {serial:.2%}, {ceiling}.")
        return {"model": name, "parameters": n, "interconnect": interconnect,
                "bandwidth": link.bandwidth_bytes_per_s, "latency": link.latency_s, "compute_s": compute_s,
                "overlap": float(overlap), "precision": precision, "bytes_per_value": nbytes, "workers": k,
                "speedup": at_k["speedup"], "efficiency": at_k["efficiency"], "allreduce_s": at_k["allreduce"],
                "exposed_s": at_k["exposed"], "hidden_s": at_k["hidden"], "step_s": at_k["step"],
                "gradient_bytes": gradient, "bytes_sent": sent, "grid": _GRID, "grid_speedup": curve,
                "workers_for_half": k_guide, "serial_fraction": serial, "amdahl": amdahl_s,
                "status": " ".join(parts)}

    # ------------------------------------------------------------------ drawing

    def _draw(self, d: dict[str, Any]) -> None:
        k, s = d["workers"], d["speedup"]
        self.curve.set_data(d["grid"], d["grid_speedup"])
        if d["amdahl"] is None:
            self.amdahl_line.set_data([], [])
        else:
            self.amdahl_line.set_data(d["grid"], d["amdahl"])
        self.marker.set_data([k], [s])
        self.marker_text.set_position((k / 1.15, s * 1.15))
        self.marker_text.set_text(f"{s:.3g}×" if s >= 0.1 else f"{s:.1e}×")
        self.marker_text.set_ha("right" if k > 2 else "left")
        if k <= 2:
            self.marker_text.set_position((k * 1.15, s / 1.5))

        t_c, hidden, exposed = 1e3 * d["compute_s"], 1e3 * d["hidden_s"], 1e3 * d["exposed_s"]
        self.bar_one.set_width(t_c)
        self.bar_compute.set_width(t_c)
        self.bar_exposed.set_x(t_c)
        self.bar_exposed.set_width(exposed)
        start = max(t_c - hidden, 0.0)  # the model may hide more than the compute time; the bar starts at 0
        self.bar_hidden.set_x(start)
        self.bar_hidden.set_width(t_c - start)
        self.bar_comm.set_x(t_c)
        self.bar_comm.set_width(exposed)
        self.step_line.set_xdata([t_c + exposed] * 2)
        if self._static_changed(_time_axis(1.05 * (t_c + exposed))):
            self.ax_t.set_xlim(0, self._static_key)


def make_scaling_explorer(model: str = "ResNet-50", interconnect: str = "InfiniBand EDR (100 Gb/s)",
                          compute_ms: float = 25.0, overlap: float = 0.0, precision: str = "float32",
                          workers: int = 64, amdahl: bool = True) -> ScalingExplorer:
    """The data-parallel scaling explorer, starting from the given settings.

    ``model`` is a key of :data:`MODELS` (or ``"custom (slider)"``),
    ``interconnect`` one of :data:`INTERCONNECTS`, ``precision`` one of
    :data:`PRECISIONS`, ``workers`` a power of two from 1 to 1024. The defaults:
    ResNet-50 with 25 ms of computation per step (about 32 images on a V100 in
    mixed precision) on 64 workers over 100 Gb/s InfiniBand, no overlap.

    Defined in 09_scaling_deep_learning.
    """
    if model not in MODELS and model != CUSTOM:
        raise ValueError(f"unknown model {model!r}: choose one of {', '.join([*MODELS, CUSTOM])}")
    if interconnect not in INTERCONNECTS:
        raise ValueError(f"unknown interconnect {interconnect!r}: choose one of {', '.join(INTERCONNECTS)}")
    if precision not in PRECISIONS:
        raise ValueError(f"unknown gradient precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
    if not (isinstance(workers, (int, np.integer)) and not isinstance(workers, bool)
            and 1 <= workers <= 2 ** MAX_LOG2_WORKERS and workers & (workers - 1) == 0):
        raise ValueError(f"workers must be a power of two from 1 to {2 ** MAX_LOG2_WORKERS}, got {workers!r}")
    if not 1.0 <= float(compute_ms) <= 1000.0:
        raise ValueError(f"compute_ms must lie between 1 and 1000 ms (the slider's range), got {compute_ms!r}")
    if not 0.0 <= float(overlap) <= 1.0:
        raise ValueError(f"overlap must lie in [0, 1], got {overlap!r}")
    return ScalingExplorer(model, interconnect, float(compute_ms), float(overlap), precision, int(workers),
                           bool(amdahl))
