"""Tests for course.scaling: compute arithmetic, communication models, tf.data helpers, tf.distribute helpers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course import data, device, scaling  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def tf():
    """TensorFlow, imported quietly and seeded by device.setup (CPU sizes, float32)."""
    device.setup(profile="cpu", verbose=False)
    import tensorflow

    return tensorflow


# ------------------------------------------------------------ compute budgets


def test_six_n_d_reproduces_gpt3_compute():
    flops = scaling.training_flops(scaling.GPT3_PARAMETERS, scaling.GPT3_TRAINING_TOKENS)
    assert flops == pytest.approx(6 * 175e9 * 300e9)
    assert flops == pytest.approx(scaling.GPT3_TRAINING_FLOPS, rel=0.01)


def test_gpt3_milestone_agrees_with_its_flops():
    _, pfs_days = scaling.COMPUTE_MILESTONES["GPT-3"]
    assert scaling.PFS_DAY == 8.64e19
    assert pfs_days == pytest.approx(scaling.GPT3_TRAINING_FLOPS / scaling.PFS_DAY, rel=0.01)


def test_alexnet_to_alphago_zero_is_the_300000x():
    (t0, c0), (t1, c1) = scaling.COMPUTE_MILESTONES["AlexNet"], scaling.COMPUTE_MILESTONES["AlphaGo Zero"]
    assert c1 / c0 > 300_000
    # and the 3.4-month doubling over those years gives the same order of magnitude
    trend = scaling.growth_factor(12 * (t1 - t0), scaling.AI_COMPUTE_DOUBLING_MONTHS)
    assert 0.3 < trend / (c1 / c0) < 3


def test_growth_factor_doubles_and_is_vectorised():
    assert scaling.growth_factor(3.4, 3.4) == pytest.approx(2.0)
    assert scaling.growth_factor(72, scaling.MOORE_DOUBLING_MONTHS) == pytest.approx(8.0)
    got = scaling.growth_factor(np.array([0.0, 12.0, 24.0]), 12.0)
    np.testing.assert_allclose(got, [1.0, 2.0, 4.0])
    with pytest.raises(ValueError):
        scaling.growth_factor(12, 0)


def test_training_days_arithmetic():
    # 8.64e19 operations at 1e15/s for one device at full use = one day
    assert scaling.training_days(scaling.PFS_DAY, 1e15, devices=1, utilisation=1.0) == pytest.approx(1.0)
    assert scaling.training_days(scaling.PFS_DAY, 1e15, devices=4, utilisation=0.5) == pytest.approx(0.5)


@pytest.mark.parametrize("kwargs", [{"devices": 0}, {"devices": 1.5}, {"utilisation": 0}, {"utilisation": 1.2}])
def test_training_days_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        scaling.training_days(1e20, 1e15, **kwargs)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_training_flops_rejects_non_positive(bad):
    with pytest.raises(ValueError):
        scaling.training_flops(bad, 1e9)


def test_training_memory_of_gpt3_is_terabytes():
    assert scaling.training_memory_bytes(scaling.GPT3_PARAMETERS) == pytest.approx(2.8e12)
    assert scaling.training_memory_bytes(10, bytes_per_parameter=2) == 20


# ----------------------------------------------------------- communication


def _simulate_ring_allreduce(values: list[np.ndarray]) -> tuple[list[np.ndarray], list[int]]:
    """Ring all-reduce by hand: reduce-scatter then all-gather; returns results and elements sent per worker."""
    k = len(values)
    chunks = [np.array_split(v.astype(float).copy(), k) for v in values]
    sent = [0] * k
    for step in range(k - 1):  # reduce-scatter: worker i sends chunk (i - step) to i + 1
        msgs = [(i, (i - step) % k, chunks[i][(i - step) % k].copy()) for i in range(k)]
        for i, c, payload in msgs:
            chunks[(i + 1) % k][c] += payload
            sent[i] += payload.size
    for step in range(k - 1):  # all-gather: worker i sends its finished chunk (i + 1 - step)
        msgs = [(i, (i + 1 - step) % k, chunks[i][(i + 1 - step) % k].copy()) for i in range(k)]
        for i, c, payload in msgs:
            chunks[(i + 1) % k][c] = payload
            sent[i] += payload.size
    return [np.concatenate(c) for c in chunks], sent


# ------------------------------------------------------------ inference at scale


def test_littles_law_counts_requests_in_flight():
    assert scaling.requests_in_flight(200_000, 0.02) == pytest.approx(4_000)
    with pytest.raises(ValueError):
        scaling.requests_in_flight(0, 0.02)


def test_serving_devices_divides_sustained_by_useful_flops():
    assert scaling.serving_devices(1000, 1e12, 1e14, utilisation=0.5) == pytest.approx(20.0)
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError):
            scaling.serving_devices(1000, 1e12, 1e14, utilisation=bad)


def test_inference_run_arithmetic_and_cost_decomposition():
    run = scaling.inference_run(20e12, 800, 8.0, 42.0)
    assert run["seconds"] == 480.0
    assert run["gb_per_s"] == pytest.approx(20e12 / 480 / 1e9)
    assert run["mb_per_s_per_device"] == pytest.approx(20e12 / 480 / 800 / 1e6)
    assert run["device_hours"] == pytest.approx(800 * 8 / 60)
    assert run["dollars_per_device_hour"] == pytest.approx(42 / (800 * 8 / 60))
    assert run["dollars_per_tb"] == pytest.approx(2.1)
    gpu = scaling.inference_run(20e12, 800, 13.0, 607.0)
    ratio = (gpu["dollars_per_device_hour"] / run["dollars_per_device_hour"]) * (gpu["seconds"] / run["seconds"])
    assert ratio == pytest.approx(607 / 42)  # cost ratio = price ratio x time ratio
    for bad in ({"devices": 0}, {"devices": 1.5}, {"minutes": 0.0}, {"dollars": -1.0}):
        kwargs = {"data_bytes": 1e12, "devices": 8, "minutes": 1.0, "dollars": 1.0, **bad}
        with pytest.raises(ValueError):
            scaling.inference_run(**kwargs)


def test_seed_figures_are_the_published_ones():
    assert scaling.GPT3_TRAINING_TEXT_GB / scaling.GPT2_TRAINING_TEXT_GB == pytest.approx(14.25)
    assert scaling.SATELLITE_INFERENCE["FPGA"] == (800, 8.0, 42.0)
    assert scaling.SATELLITE_INFERENCE["GPU (V100, TensorRT)"] == (800, 13.0, 607.0)
    assert scaling.AUTOML_COMPUTE_MULTIPLIER == (5.0, 1000.0)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 8])
def test_ring_allreduce_bytes_match_a_simulated_ring(k):
    rng = np.random.default_rng(k)
    n = 96
    values = [rng.normal(size=n) for _ in range(k)]
    results, sent = _simulate_ring_allreduce(values)
    for r in results:
        np.testing.assert_allclose(r, np.sum(values, axis=0))
    for s in sent:
        assert scaling.ring_allreduce_bytes(n, k, bytes_per_value=1) == pytest.approx(s)


def test_ring_allreduce_tends_to_twice_the_message():
    assert scaling.ring_allreduce_bytes(1e6, 1) == 0
    assert scaling.ring_allreduce_bytes(1e6, 2) == pytest.approx(4e6)
    assert scaling.ring_allreduce_bytes(1e6, 1000, bytes_per_value=1) == pytest.approx(2e6, rel=1e-2)
    with pytest.raises(ValueError):
        scaling.ring_allreduce_bytes(1e6, 0)


def test_allreduce_seconds_formula_and_vectorisation():
    k = np.array([1, 2, 8])
    got = scaling.allreduce_seconds(1e6, k, 1e9, latency_s=1e-5)
    want = 2 * (k - 1) / k * 4e6 / 1e9 + 2 * (k - 1) * 1e-5
    np.testing.assert_allclose(got, want)
    assert isinstance(scaling.allreduce_seconds(1e6, 4, 1e9), float)


def test_data_parallel_speedup_limits():
    assert scaling.data_parallel_speedup(1, 0.1, 25e6, 1e9) == pytest.approx(1.0)
    # infinite bandwidth and no latency, or full overlap: perfect scaling
    assert scaling.data_parallel_speedup(64, 0.1, 25e6, 1e30, latency_s=0) == pytest.approx(64)
    assert scaling.data_parallel_speedup(64, 0.1, 25e6, 1e9, overlap=1.0) == pytest.approx(64)
    slow, fast = (scaling.data_parallel_speedup(16, 0.1, 25e6, b) for b in (1.25e9, 12.5e9))
    assert 1 < slow < fast < 16
    with pytest.raises(ValueError):
        scaling.data_parallel_speedup(4, 0.1, 25e6, 1e9, overlap=1.5)


def test_warmup_schedule_ramps_then_decays():
    lr = scaling.warmup_schedule(0.1, 32, steps_per_epoch=10, epochs=90, warmup_epochs=5, decay_epochs=(30, 60))
    assert lr.shape == (900,)
    assert lr[0] == pytest.approx(0.1)
    assert np.all(np.diff(lr[:50]) > 0)
    assert lr[50] == pytest.approx(3.2)
    assert lr[299] == pytest.approx(3.2) and lr[300] == pytest.approx(0.32) and lr[600] == pytest.approx(0.032)
    flat = scaling.warmup_schedule(0.1, 1, steps_per_epoch=4, epochs=2, warmup_epochs=0)
    np.testing.assert_allclose(flat, 0.1)


# ------------------------------------------------------------- number formats


def test_float_formats_bit_layouts():
    rows = {r["name"]: r for r in scaling.float_formats()}
    assert (rows["float16"]["exponent_bits"], rows["float16"]["mantissa_bits"]) == (5, 10)
    assert (rows["bfloat16"]["exponent_bits"], rows["bfloat16"]["mantissa_bits"]) == (8, 7)
    assert rows["float16"]["max"] == 65504.0
    assert rows["bfloat16"]["eps"] == 2.0**-7 and rows["float16"]["eps"] == 2.0**-10
    assert rows["float32"]["eps"] == 2.0**-23
    for r in rows.values():
        assert r["bits"] == 1 + r["exponent_bits"] + r["mantissa_bits"]
    # bfloat16 keeps float32's range
    assert rows["bfloat16"]["smallest_normal"] == rows["float32"]["smallest_normal"]


def test_tf_config_is_json_and_validated():
    workers = ["node01:12345", "node02:12345", "node03:12345"]
    cfg = scaling.tf_config(workers, 2)
    assert json.loads(json.dumps(cfg)) == {"cluster": {"worker": workers}, "task": {"type": "worker", "index": 2}}
    for bad in (-1, 3, 1.0, True):
        with pytest.raises(ValueError):
            scaling.tf_config(workers, bad)
    with pytest.raises(ValueError):
        scaling.tf_config([], 0)
    with pytest.raises(ValueError):
        scaling.tf_config(["localhost"], 0)


# --------------------------------------------------------------------- figures


def test_plot_compute_trend_draws_lines_and_milestones():
    ax = scaling.plot_compute_trend()
    assert ax.get_yscale() == "log"
    assert len(ax.lines) == 3
    assert len(ax.collections) == len(scaling.COMPUTE_MILESTONES)


def test_plot_amdahl_curves_are_capped():
    ax = scaling.plot_amdahl((0.5, 0.9), n_max=1024)
    curves = [line for line in ax.lines if line.get_label().startswith("p = ")]
    assert [c.get_label() for c in curves] == ["p = 0.5", "p = 0.9"]
    for c, p in zip(curves, (0.5, 0.9)):
        n, s = c.get_data()
        np.testing.assert_allclose(s, 1 / ((1 - p) + p / n))
        assert s.max() < 1 / (1 - p)
    with pytest.raises(ValueError):
        scaling.plot_amdahl((1.5,))


def test_plot_data_parallel_scaling_orders_links():
    ax = scaling.plot_data_parallel_scaling({"slow": 1e9, "fast": 1e11}, 0.1, 25e6, max_workers=64)
    lines = {line.get_label(): line.get_data()[1] for line in ax.lines}
    assert np.all(lines["fast"] >= lines["slow"])
    np.testing.assert_allclose(lines["ideal"], 2.0 ** np.arange(7))


def test_plot_warmup_and_throughput():
    ax = scaling.plot_warmup_schedule({"a": np.linspace(0, 1, 20)}, steps_per_epoch=10)
    x, y = ax.lines[0].get_data()
    assert x[-1] == pytest.approx(1.9) and y[-1] == 1
    ax = scaling.plot_throughput({"plain": 100.0, "cache": 400.0})
    assert sorted(p.get_width() for p in ax.patches) == [100.0, 400.0]


# ------------------------------------------------------------------- tf.data


def test_raw_frames_are_uint16_counts_of_the_galaxies():
    counts, labels = scaling.raw_frames(20, 16, seed=3)
    images, want_labels = data.galaxy_images(20, 16, seed=3)
    assert counts.dtype == np.uint16 and counts.shape == (20, 16, 16)
    np.testing.assert_array_equal(labels, want_labels)
    calibrated = (counts.astype(float) - scaling.FRAME_BIAS) / scaling.FRAME_GAIN
    assert np.abs(calibrated - images).max() < 30 / scaling.FRAME_GAIN  # read noise of 5 ADU
    again, _ = scaling.raw_frames(20, 16, seed=3)
    np.testing.assert_array_equal(counts, again)


def test_decode_frame_calibrates_in_a_pipeline(tf):
    counts, labels = scaling.raw_frames(10, 8, seed=1)
    ds = tf.data.Dataset.from_tensor_slices((counts, labels)).map(scaling.decode_frame).batch(4)
    spec = ds.element_spec
    assert spec[0].shape.as_list() == [None, 8, 8, 1] and spec[0].dtype == tf.float32
    assert spec[1].dtype == tf.int64
    images = np.concatenate([b[0].numpy() for b in ds])
    got_labels = np.concatenate([b[1].numpy() for b in ds])
    np.testing.assert_allclose(images[..., 0], (counts.astype(np.float64) - 1000) / 20000, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(got_labels, labels)


def test_pipeline_stages_lists_transformations_in_order(tf):
    base = tf.data.Dataset.from_tensor_slices(np.arange(10))
    assert scaling.pipeline_stages(base) == ["tensor_slice"]
    ds = base.map(lambda v: v + 1, num_parallel_calls=tf.data.AUTOTUNE).cache().shuffle(4, seed=0).batch(3).prefetch(2)
    assert scaling.pipeline_stages(ds) == ["tensor_slice", "parallel_map", "cache", "shuffle", "batch", "prefetch"]
    opts = tf.data.Options()
    opts.experimental_optimization.apply_default_optimizations = False
    plain = base.cache().map(lambda v: v * 2).batch(2).with_options(opts)
    assert scaling.pipeline_stages(plain) == ["tensor_slice", "cache", "map", "batch"]
    assert scaling.pipeline_stages(tf.data.Dataset.range(3)) == ["range"]


def test_unoptimized_switches_the_rewrites_off_and_keeps_the_elements(tf):
    ds = tf.data.Dataset.range(10).map(lambda v: v * 3).batch(4)
    plain = scaling.unoptimized(ds)
    opt = plain.options().experimental_optimization
    assert opt.apply_default_optimizations is False
    assert opt.map_parallelization is False and opt.inject_prefetch is False and opt.map_and_batch_fusion is False
    assert ds.options().experimental_optimization.apply_default_optimizations is None
    assert [b.tolist() for b in plain.as_numpy_iterator()] == [[0, 3, 6, 9], [12, 15, 18, 21], [24, 27]]
    assert scaling.pipeline_stages(plain) == ["range", "map", "batch"]

def test_time_epochs_counts_epochs(tf):
    ds = tf.data.Dataset.range(6).batch(2)
    seconds = scaling.time_epochs(ds, epochs=3)
    assert len(seconds) == 3 and all(s >= 0 for s in seconds)


# ------------------------------------------------------------- tf.distribute


def test_catalog_split_is_standardised_and_labelled():
    x_train, y_train, x_test, y_test = scaling.catalog_split(500, 100, seed=2)
    assert x_train.shape == (500, 5) and x_test.shape == (100, 5) and x_train.dtype == np.float32
    np.testing.assert_allclose(x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(x_train.std(axis=0), 1, atol=1e-4)
    cat = data.sky_catalog(600, seed=2)
    want = cat["cls"].map({"STAR": 0, "GALAXY": 1, "QSO": 2}).to_numpy()
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), want)
    # the first feature is u - g, standardised with the training rows only
    ug = (cat["u"] - cat["g"]).to_numpy()
    np.testing.assert_allclose(x_test[:, 0], (ug[500:] - ug[:500].mean()) / ug[:500].std(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError):
        scaling.catalog_split(1, 10)


def test_build_catalog_mlp_is_float32_under_mixed_precision(tf):
    import keras

    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = scaling.build_catalog_mlp(seed=1)
        again = scaling.build_catalog_mlp(seed=1)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert all(layer.compute_dtype == "float32" for layer in model.layers)
    assert model.output_shape == (None, 3)
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_replica_devices_rejects_bad_counts(tf):
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError):
            scaling.replica_devices(bad)


_DISTRIBUTED = textwrap.dedent(
    """
    import json
    import numpy as np
    from course import device, scaling
    device.setup(profile="cpu", verbose=False)
    import keras
    import tensorflow as tf

    replicas = scaling.replica_devices(2)
    again = scaling.replica_devices(2)          # a second call after the split is harmless
    strategy = tf.distribute.MirroredStrategy(replicas)
    rng = np.random.default_rng(0)
    x, y, w = rng.normal(size=(8, 3)), rng.normal(size=8), np.array([0.5, -1.0, 2.0])
    g = scaling.replica_gradients(strategy, w, x, y)

    x_train, y_train, _, _ = scaling.catalog_split(512, 10)
    weights = {}
    for name, s in (("one", tf.distribute.OneDeviceStrategy(replicas[0])), ("two", strategy)):
        with s.scope():
            model = scaling.build_catalog_mlp(seed=0)
            model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        model.fit(tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(64), epochs=2, verbose=0)
        weights[name] = model.get_weights()
    diff = max(float(np.abs(a - b).max()) for a, b in zip(weights["one"], weights["two"]))
    timed = {name: scaling.time_training(s, x_train, y_train, 128, epochs=2)
             for name, s in (("one", tf.distribute.OneDeviceStrategy(replicas[0])), ("two", strategy))}
    moved = max(float(np.abs(a - b).max()) for a, b in zip(weights["one"], scaling.build_catalog_mlp(seed=0).get_weights()))
    print(json.dumps({
        "replicas": replicas, "again": again, "in_sync": strategy.num_replicas_in_sync,
        "x": x.tolist(), "y": y.tolist(), "w": w.tolist(),
        "shards": [s.tolist() for s in g["shards"]], "local": [v.tolist() for v in g["local"]],
        "all_reduced": [v.tolist() for v in g["all_reduced"]], "diff": diff, "moved": moved, "timed": timed,
    }))
    """
)


@pytest.fixture(scope="module")
def distributed():
    """Run the two-replica checks in a fresh process: the CPU split needs an unstarted runtime."""
    out = subprocess.run([sys.executable, "-c", _DISTRIBUTED], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_replica_devices_splits_the_cpu(distributed):
    assert distributed["replicas"] == ["/device:CPU:0", "/device:CPU:1"]
    assert distributed["again"] == distributed["replicas"]
    assert distributed["in_sync"] == 2


def test_replica_gradients_all_reduce_is_the_full_batch_gradient(distributed):
    x, y, w = (np.array(distributed[k]) for k in ("x", "y", "w"))
    full = x.T @ (x @ w - y) / len(y)
    shards = [np.array(s) for s in distributed["shards"]]
    np.testing.assert_allclose(np.concatenate(shards), y, rtol=1e-6)  # contiguous halves of the batch
    for part, lo in zip(distributed["local"], (0, 4)):
        xs, ys = x[lo:lo + 4], y[lo:lo + 4]
        np.testing.assert_allclose(part, xs.T @ (xs @ w - ys) / 4, rtol=1e-5, atol=1e-6)
    for avg in distributed["all_reduced"]:
        np.testing.assert_allclose(avg, full, rtol=1e-5, atol=1e-6)
    assert not np.allclose(distributed["local"][0], full)


def test_two_replicas_train_like_one_device_with_the_global_batch(distributed):
    assert distributed["moved"] > 1e-3  # training changed the weights ...
    assert distributed["diff"] < 1e-5  # ... identically on one device and on two replicas



def test_time_training_gives_one_time_per_step_and_epoch(distributed):
    for seconds in distributed["timed"].values():
        assert len(seconds) == 2 and all(t > 0 for t in seconds)


def test_time_training_rejects_bad_counts():
    for kwargs in ({"epochs": 0}, {"global_batch": 0}, {"epochs": True}):
        args = {"epochs": 1, "global_batch": 8, **kwargs}
        with pytest.raises(ValueError):
            scaling.time_training(None, np.zeros((4, 5)), np.zeros(4), args["global_batch"], epochs=args["epochs"])
