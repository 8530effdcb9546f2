"""course.widgets.scaling: the step-time model against the lecture's closed forms, and the widget headless.

The reference formulas are written out here from lecture 09's model, not taken
from the code under test: a ring all-reduce of M bytes on K workers takes
``2 (K-1)/K * M / B + 2 (K-1) * latency``, a step takes
``t_c + (1 - overlap) * t_allreduce`` and the speed-up is ``K t_c / t_step``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from course import scaling
from course.widgets.scaling import (
    INTERCONNECTS,
    MODELS,
    PRECISIONS,
    amdahl_curve,
    equivalent_serial_fraction,
    make_scaling_explorer,
    parallel_efficiency,
    step_time_breakdown,
    workers_for_efficiency,
)


def reference(k, compute_s, params, bandwidth, latency, overlap, nbytes):
    """The lecture's model, written out independently: (t_allreduce, t_step, speed-up)."""
    k = np.asarray(k, dtype=float)
    message = params * nbytes
    t_ar = 2 * (k - 1) / k * message / bandwidth + 2 * (k - 1) * latency
    step = compute_s + (1 - overlap) * t_ar
    return t_ar, step, k * compute_s / step


CONFIGS = [  # (compute_s, parameters, bandwidth, latency, overlap, bytes per value)
    (0.025, 25.6e6, 12.5e9, 5e-6, 0.0, 4),
    (0.1, 25.6e6, 1.25e9, 20e-6, 0.3, 4),
    (0.3, 1.5e9, 300e9, 5e-6, 0.5, 2),
    (0.001, 110e6, 3.125e9, 0.0, 0.9, 2),
    (2.0, 340e6, 25e9, 1e-3, 0.0, 4),
]
K = np.array([1, 2, 3, 4, 7, 8, 64, 100, 1024, 4096], dtype=float)


# --------------------------------------------------------------------------- maths


@pytest.mark.parametrize("cfg", CONFIGS)
def test_breakdown_matches_the_closed_form(cfg) -> None:
    t_c, n, bw, lat, ov, nb = cfg
    d = step_time_breakdown(K, t_c, n, bw, lat, ov, nb)
    t_ar, step, speedup = reference(K, t_c, n, bw, lat, ov, nb)
    np.testing.assert_allclose(d["allreduce"], t_ar, rtol=1e-12)
    np.testing.assert_allclose(d["exposed"], (1 - ov) * t_ar, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(d["hidden"], ov * t_ar, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(d["step"], step, rtol=1e-12)
    np.testing.assert_allclose(d["speedup"], speedup, rtol=1e-12)
    np.testing.assert_allclose(d["efficiency"], speedup / K, rtol=1e-12)
    np.testing.assert_allclose(parallel_efficiency(K, t_c, n, bw, lat, ov, nb), t_c / step, rtol=1e-12)
    np.testing.assert_array_equal(d["compute"], np.full(K.shape, t_c))
    assert d["speedup"].shape == K.shape


def test_resnet50_on_64_workers_worked_by_hand() -> None:
    # 25.6 M float32 gradients = 102.4 MB; over 100 Gb/s InfiniBand (12.5 GB/s) with 5 us per message:
    # 2 * 63/64 * 102.4e6 / 12.5e9 = 16.128 ms, plus 2 * 63 * 5 us = 0.63 ms -> 16.758 ms of all-reduce.
    d = step_time_breakdown(64, 0.025, 25.6e6, 12.5e9, 5e-6, 0.0, 4)
    assert float(d["allreduce"]) == pytest.approx(0.016758, rel=1e-9)
    assert float(d["speedup"]) == pytest.approx(64 * 25 / (25 + 16.758), rel=1e-9)  # 38.3x, 60 %
    # bfloat16 gradients halve the bandwidth term only; half of it hidden halves what is exposed
    d = step_time_breakdown(64, 0.025, 25.6e6, 12.5e9, 5e-6, 0.5, 2)
    assert float(d["allreduce"]) == pytest.approx(0.008064 + 0.00063, rel=1e-9)
    assert float(d["exposed"]) == pytest.approx((0.008064 + 0.00063) / 2, rel=1e-9)


@pytest.mark.parametrize("cfg", CONFIGS)
def test_one_worker_has_no_communication_and_speedup_one(cfg) -> None:
    t_c, n, bw, lat, ov, nb = cfg
    d = step_time_breakdown(1, t_c, n, bw, lat, ov, nb)
    assert float(d["allreduce"]) == 0.0 and float(d["exposed"]) == 0.0 and float(d["hidden"]) == 0.0
    assert float(d["step"]) == t_c
    assert float(d["speedup"]) == 1.0 and float(d["efficiency"]) == 1.0


@pytest.mark.parametrize("cfg", CONFIGS)
def test_full_overlap_scales_ideally(cfg) -> None:
    t_c, n, bw, lat, _, nb = cfg
    d = step_time_breakdown(K, t_c, n, bw, lat, 1.0, nb)
    np.testing.assert_allclose(d["speedup"], K, rtol=1e-15)
    np.testing.assert_array_equal(d["exposed"], 0.0)
    np.testing.assert_allclose(d["hidden"], reference(K, t_c, n, bw, lat, 1.0, nb)[0], rtol=1e-12)
    assert workers_for_efficiency(1.0, t_c, n, bw, lat, 1.0, nb, max_workers=5000) == 5000


@pytest.mark.parametrize("cfg", CONFIGS)
def test_float32_agrees_with_the_lectures_speedup_function(cfg) -> None:
    t_c, n, bw, lat, ov, _ = cfg
    d = step_time_breakdown(K, t_c, n, bw, lat, ov, 4)
    np.testing.assert_allclose(d["speedup"], scaling.data_parallel_speedup(K, t_c, n, bw, lat, ov), rtol=1e-13)


def test_speedup_never_exceeds_k_and_efficiency_never_grows() -> None:
    rng = np.random.default_rng(9)
    ks = np.arange(1, 2049, dtype=float)
    for _ in range(200):
        t_c = 10 ** rng.uniform(-3.5, 0.5)
        n = 10 ** rng.uniform(5, 11)
        bw = 10 ** rng.uniform(8.5, 12)
        lat = rng.choice([0.0, 10 ** rng.uniform(-7, -3)])
        ov = rng.choice([0.0, rng.uniform(0, 1), 0.999])
        nb = int(rng.choice([2, 4]))
        d = step_time_breakdown(ks, t_c, n, bw, lat, ov, nb)
        assert np.all(d["speedup"] <= ks * (1 + 1e-12))
        assert np.all(d["speedup"] > 0)
        eff = d["efficiency"]
        assert eff[0] == 1.0
        assert np.all(np.diff(eff) <= 1e-15), (t_c, n, bw, lat, ov, nb)
        assert eff[-1] < 1.0  # overlap < 1 and a message to send: communication costs something


@pytest.mark.parametrize("target", [1.0, 0.99, 0.9, 0.75, 0.5, 0.2, 0.01])
@pytest.mark.parametrize("cfg", CONFIGS + [(0.025, 25.6e6, 300e9, 1e-6, 0.8, 2), (0.05, 1e9, 1.25e9, 20e-6, 0.0, 4)])
def test_workers_for_efficiency_is_the_brute_force_answer(target, cfg) -> None:
    t_c, n, bw, lat, ov, nb = cfg
    limit = 3000
    ks = np.arange(1, limit + 1)
    _, step, _ = reference(ks, t_c, n, bw, lat, ov, nb)
    good = ks[t_c / step >= target]
    want = int(good.max())  # K = 1 is always good: efficiency 1
    got = workers_for_efficiency(target, t_c, n, bw, lat, ov, nb, max_workers=limit)
    assert got == want
    if got < limit:  # the next worker falls below the target
        assert t_c / reference(got + 1, t_c, n, bw, lat, ov, nb)[1] < target


def test_workers_for_efficiency_beyond_the_slider() -> None:
    # ResNet-50 over 100 Gb/s InfiniBand, 25 ms per step: the bandwidth term tends to 2 M / B = 16.4 ms,
    # so efficiency 50 % needs t_exposed = 25 ms: 2 (K-1) * 5 us = 25 - 16.384 (K-1)/K ms, K = 862.6...
    k = workers_for_efficiency(0.5, 0.025, 25.6e6, 12.5e9, 5e-6, 0.0, 4)
    roots = np.roots([2 * 5e-6, 2 * 102.4e6 / 12.5e9 - 0.025 - 2 * 5e-6, -2 * 102.4e6 / 12.5e9])
    assert k == math.floor(max(roots.real))


def test_karp_flatt_recovers_amdahls_serial_fraction() -> None:
    for s in (0.0, 0.001, 0.05, 0.3, 1.0):
        k = np.array([2.0, 8.0, 100.0, 4096.0])
        speedup = 1.0 / (s + (1 - s) / k)  # Amdahl's law, written out
        np.testing.assert_allclose(equivalent_serial_fraction(speedup, k), s, atol=1e-12)
        np.testing.assert_allclose(amdahl_curve(s, k), speedup, rtol=1e-13)
    assert math.isnan(float(equivalent_serial_fraction(1.0, 1)))
    np.testing.assert_allclose(amdahl_curve(0.05, 1e12), 20.0, rtol=1e-9)  # the ceiling 1/s
    # the Amdahl curve through a modelled point passes through it
    d = step_time_breakdown(64, 0.025, 25.6e6, 12.5e9, 5e-6, 0.0, 4)
    e = float(equivalent_serial_fraction(d["speedup"], 64))
    assert float(amdahl_curve(e, 64)) == pytest.approx(float(d["speedup"]), rel=1e-12)


GOOD = dict(compute_s=0.025, n_values=25.6e6, bandwidth_bytes_per_s=12.5e9, latency_s=5e-6, overlap=0.0,
            bytes_per_value=4)


@pytest.mark.parametrize("change,match", [
    ({"workers": 0}, "at least 1"),
    ({"workers": 0.5}, "at least 1"),
    ({"workers": float("nan")}, "at least 1"),
    ({"workers": np.array([4, 0])}, "at least 1"),
    ({"workers": []}, "at least 1"),
    ({"overlap": -0.1}, r"overlap.*\[0, 1\]"),
    ({"overlap": 1.5}, r"overlap.*\[0, 1\]"),
    ({"overlap": float("nan")}, r"overlap.*\[0, 1\]"),
    ({"bandwidth_bytes_per_s": 0.0}, "bandwidth must be a positive"),
    ({"bandwidth_bytes_per_s": -1e9}, "bandwidth must be a positive"),
    ({"compute_s": 0.0}, "compute time.*positive"),
    ({"compute_s": -0.01}, "compute time.*positive"),
    ({"compute_s": float("inf")}, "compute time.*positive"),
    ({"n_values": 0}, "gradient values"),
    ({"latency_s": -1e-6}, "latency"),
    ({"bytes_per_value": 0}, "bytes per gradient value"),
])
def test_bad_inputs_raise_clear_value_errors(change, match) -> None:
    args = {"workers": 8, **GOOD, **change}
    with pytest.raises(ValueError, match=match):
        step_time_breakdown(**args)
    with pytest.raises(ValueError, match=match):
        parallel_efficiency(**args)
    if "workers" not in change:
        with pytest.raises(ValueError, match=match):
            workers_for_efficiency(0.5, **{k: v for k, v in args.items() if k != "workers"})


@pytest.mark.parametrize("call,match", [
    (lambda: workers_for_efficiency(0.0, **GOOD), "target efficiency"),
    (lambda: workers_for_efficiency(1.5, **GOOD), "target efficiency"),
    (lambda: workers_for_efficiency(0.5, **GOOD, max_workers=0), "max_workers"),
    (lambda: workers_for_efficiency(0.5, **GOOD, max_workers=2.5), "max_workers"),
    (lambda: equivalent_serial_fraction(0.0, 4), "speed-up"),
    (lambda: equivalent_serial_fraction(2.0, 0.5), "at least 1"),
    (lambda: amdahl_curve(1.5, 4), "serial fraction"),
    (lambda: amdahl_curve(0.1, 0), "at least 1"),
    (lambda: make_scaling_explorer(model="AlexNet"), "unknown model"),
    (lambda: make_scaling_explorer(interconnect="carrier pigeon"), "unknown interconnect"),
    (lambda: make_scaling_explorer(precision="int8"), "precision"),
    (lambda: make_scaling_explorer(workers=3), "power of two"),
    (lambda: make_scaling_explorer(workers=2048), "power of two"),
    (lambda: make_scaling_explorer(overlap=2.0), "overlap"),
    (lambda: make_scaling_explorer(compute_ms=0.0), "compute_ms"),
])
def test_other_bad_inputs(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_presets_are_the_cited_figures() -> None:
    gb = 1e9
    assert INTERCONNECTS["10 Gb/s Ethernet"].bandwidth_bytes_per_s == 10 * gb / 8  # the lecture's 1.25 GB/s
    assert INTERCONNECTS["25 Gb/s Ethernet"].bandwidth_bytes_per_s == 25 * gb / 8
    assert INTERCONNECTS["InfiniBand EDR (100 Gb/s)"].bandwidth_bytes_per_s == 100 * gb / 8
    assert INTERCONNECTS["InfiniBand HDR (200 Gb/s)"].bandwidth_bytes_per_s == 200 * gb / 8
    assert INTERCONNECTS["NVLink 2 (V100)"].bandwidth_bytes_per_s == 6 * 25 * gb
    assert INTERCONNECTS["NVLink 3 (A100)"].bandwidth_bytes_per_s == 12 * 25 * gb
    assert 20 * gb <= INTERCONNECTS["PCIe 4.0 x16"].bandwidth_bytes_per_s < 31.5 * gb  # below the raw rate
    assert MODELS["ResNet-50"] == 25.6e6 and MODELS["BERT-base"] == 110e6 and MODELS["GPT-2 XL"] == 1.5e9
    assert PRECISIONS == {"float32": 4, "bfloat16": 2}


# --------------------------------------------------------------------------- widget


@pytest.fixture(scope="module")
def explorer():
    return make_scaling_explorer()


def check_data(w) -> None:
    """The numbers behind the picture agree with course.scaling and with the closed form, at the chosen K."""
    c, d = w.controls, w.data
    k = int(c["workers"].value)
    n = c["parameters"].value
    link = INTERCONNECTS[c["interconnect"].value]
    nb = PRECISIONS[c["precision"].value]
    t_c = c["compute_ms"].value / 1e3
    ov = c["overlap"].value
    assert d["workers"] == k and d["bytes_per_value"] == nb and d["compute_s"] == pytest.approx(t_c)
    # data_parallel_speedup has no bytes_per_value: a message of n values of nb bytes is n * nb / 4 float32 values
    want = scaling.data_parallel_speedup(k, t_c, n * nb / 4, link.bandwidth_bytes_per_s, link.latency_s, ov)
    assert d["speedup"] == pytest.approx(want, rel=1e-12)
    t_ar, step, speedup = reference(k, t_c, n, link.bandwidth_bytes_per_s, link.latency_s, ov, nb)
    assert d["allreduce_s"] == pytest.approx(float(t_ar), rel=1e-12, abs=1e-18)
    assert d["step_s"] == pytest.approx(float(step), rel=1e-12)
    assert d["efficiency"] == pytest.approx(float(speedup) / k, rel=1e-12)
    assert d["exposed_s"] + d["hidden_s"] == pytest.approx(d["allreduce_s"], rel=1e-12, abs=1e-18)
    assert d["bytes_sent"] == pytest.approx(2 * (k - 1) / k * n * nb, rel=1e-12)
    grid_want = reference(d["grid"], t_c, n, link.bandwidth_bytes_per_s, link.latency_s, ov, nb)[2]
    np.testing.assert_allclose(d["grid_speedup"], grid_want, rtol=1e-12)
    assert d["grid"][0] == 1 and d["grid"][-1] == 1024
    if k > 1 and c["amdahl"].value and d["speedup"] >= 1:
        # Amdahl's curve with the Karp-Flatt fraction goes through the chosen point
        assert np.interp(np.log2(k), np.log2(d["grid"]), d["amdahl"]) == pytest.approx(d["speedup"], rel=1e-9)
    else:
        assert d["amdahl"] is None


def test_default_is_resnet50_on_64_workers_over_infiniband(explorer) -> None:
    assert explorer.error == ""
    check_data(explorer)
    d = explorer.data
    assert d["model"] == "ResNet-50" and d["parameters"] == 25.6e6 and d["workers"] == 64
    assert d["speedup"] == pytest.approx(64 * 25 / (25 + 16.758), rel=1e-9)  # worked by hand above
    status = explorer.message.value
    assert "64 workers over InfiniBand EDR (100 Gb/s): 38.3× faster" in status
    assert "202 MB" in status and "16.8 ms" in status and "60%" in status
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_control_drives_the_numbers_and_the_picture(explorer) -> None:
    c = explorer.controls
    steps = [("workers", 1), ("workers", 1024), ("workers", 8), ("overlap", 0.5), ("overlap", 1.0),
             ("overlap", 0.2), ("compute_ms", 1.0), ("compute_ms", 1000.0), ("compute_ms", 40.0),
             ("precision", "bfloat16"), ("parameters", 3e9), ("parameters", 1e6), ("model", "BERT-large"),
             ("model", "GPT-2 XL"), ("interconnect", "10 Gb/s Ethernet"), ("interconnect", "NVLink 3 (A100)"),
             ("precision", "float32"), ("amdahl", False), ("amdahl", True), ("workers", 2), ("workers", 512),
             ("model", "ResNet-50"), ("interconnect", "PCIe 4.0 x16")]
    last = explorer.image.value
    for name, value in steps:
        renders = explorer.renders
        c[name].value = value
        assert explorer.error == "", explorer.error
        assert explorer.renders == renders + 1, (name, value)  # one redraw per change, even when synced
        check_data(explorer)
        assert explorer.image.value != last, (name, value)
        last = explorer.image.value
    assert explorer.data["model"] == "ResNet-50" and explorer.data["parameters"] == 25.6e6


def test_model_presets_and_the_parameter_slider_stay_in_step(explorer) -> None:
    c = explorer.controls
    c["model"].value = "BERT-base"
    assert c["parameters"].value == 110e6 and explorer.data["parameters"] == 110e6
    assert "BERT-base" in explorer.message.value
    c["parameters"].value = 2e8
    assert c["model"].value == "custom (slider)" and explorer.data["model"] == "a custom model"
    check_data(explorer)
    c["model"].value = "BERT-base"
    assert explorer.data["parameters"] == 110e6
    c["model"].value = "custom (slider)"  # keeps the parameters, names the model custom
    assert explorer.data["parameters"] == 110e6 and explorer.data["model"] == "a custom model"


def test_adding_workers_stops_paying_on_slow_links(explorer) -> None:
    c = explorer.controls
    c["model"].value, c["interconnect"].value, c["compute_ms"].value = "GPT-2 XL", "10 Gb/s Ethernet", 50.0
    c["overlap"].value, c["precision"].value, c["workers"].value = 0.0, "float32", 2
    assert explorer.data["speedup"] < 1  # two workers are slower than one: 6 GB of gradients at 1.25 GB/s
    assert "slower than one" in explorer.message.value and "no Amdahl curve" in explorer.message.value
    assert explorer.data["workers_for_half"] == 1 and explorer.data["amdahl"] is None
    c["interconnect"].value = "NVLink 3 (A100)"
    # 6 GB at 300 GB/s: 20 ms of all-reduce (+ 2 x 5 us) after 50 ms of compute
    assert explorer.data["speedup"] == pytest.approx(2 * 50 / (50 + 20 + 0.01), rel=1e-9)
    c["overlap"].value = 1.0
    assert explorer.data["speedup"] == pytest.approx(2.0) and explorer.data["efficiency"] == pytest.approx(1.0)
    assert "for any K" in explorer.message.value


def test_bad_values_show_an_error_and_the_widget_recovers(explorer) -> None:
    c = explorer.controls
    c["overlap"].value, c["workers"].value, c["model"].value = 0.0, 64, "ResNet-50"
    good_image, good = explorer.image.value, explorer.data["speedup"]
    for name, bad, words in [("workers", 2.5, "whole number"), ("workers", float("nan"), "whole number"),
                             ("overlap", float("nan"), "overlap"), ("compute_ms", float("nan"), "compute time"),
                             ("parameters", float("nan"), "parameters")]:
        before = c[name].value
        c[name].value = bad
        assert words in explorer.error, (name, explorer.error)
        assert "⚠" in explorer.message.value
        assert explorer.image.value == good_image and explorer.data["speedup"] == good
        c[name].value = before
        assert explorer.error == ""
    assert c["model"].value == "ResNet-50"  # a bad parameter count does not switch the preset to custom
    c["workers"].value = 16
    assert explorer.error == "" and explorer.image.value != good_image
    check_data(explorer)


def test_static_picture_for_nbconvert(explorer) -> None:
    bundle = explorer._repr_mimebundle_()
    assert "image/png" in bundle and len(bundle["image/png"]) > 1000
    assert bundle["text/plain"].startswith("Data-parallel scaling explorer")
