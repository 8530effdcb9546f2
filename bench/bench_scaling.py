"""Lecture 09 measured: tf.data samples/s with and without cache+prefetch, MirroredStrategy step time on 1 vs 2 devices.

Both measurements use the lecture's own pieces (``course.scaling``), side by side in
one fresh process: the CPU must be split into two logical devices before
TensorFlow's runtime starts, and ``make bench`` has started it already (other
benches run first in the same process).

- tf.data: 256 raw frames decoded by ``scaling.decode_frame`` (2 ms of simulated
  file latency each), batches of 32, a 30 ms stand-in training step per batch, as in
  the lecture; samples per second over epochs 2-3, plain (``map -> batch``, tf.data's
  automatic rewrites off) against parallel map + cache + prefetch.
- tf.distribute: the lecture's catalogue MLP, global batch 128, one epoch of warm-up
  then the mean step time of two epochs, on one device and with
  ``MirroredStrategy`` over two logical CPU devices.  The two share the same cores, so
  no speed-up is expected; the number shows the cost of the replication and the
  all-reduce.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_PIPELINE_SPEEDUP = 2.0


def _measure() -> dict:
    """Run in a fresh process; prints one JSON line."""
    from course import device, scaling

    device.setup(profile="cpu", verbose=False)
    import keras
    import tensorflow as tf

    replicas = scaling.replica_devices(2)

    counts, labels = scaling.raw_frames(256, size=16, seed=0)
    frames = tf.data.Dataset.from_tensor_slices((counts, labels))
    autotune = tf.data.AUTOTUNE
    pipelines = {
        "plain": frames.map(scaling.decode_frame).batch(32),
        "cache_prefetch": frames.map(scaling.decode_frame, num_parallel_calls=autotune).cache().batch(32).prefetch(autotune),
    }
    rates = {}
    for name, ds in pipelines.items():
        seconds = scaling.time_epochs(scaling.unoptimized(ds), epochs=3, step_s=0.03)
        rates[name] = 2 * len(counts) / sum(seconds[1:])

    x_train, y_train, _, _ = scaling.catalog_split(4096, 10)
    global_batch, epochs = 128, 3
    steps = len(x_train) // global_batch
    step_ms = {}
    for name, strategy in (("one", tf.distribute.OneDeviceStrategy(replicas[0])),
                           ("two", tf.distribute.MirroredStrategy(replicas))):
        with strategy.scope():
            model = scaling.build_catalog_mlp(seed=0)
            model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.2), loss="sparse_categorical_crossentropy")
        starts: list[float] = []
        timer = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: starts.append(time.perf_counter()))
        train = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(global_batch, drop_remainder=True)
        model.fit(train, epochs=epochs, verbose=0, callbacks=[timer])
        end = time.perf_counter()
        step_ms[name] = 1000 * (end - starts[1]) / ((epochs - 1) * steps)
    return {"replicas": len(replicas), "rates": rates, "step_ms": step_ms}


def run() -> list[dict]:
    out = subprocess.run(
        [sys.executable, "-c", "from bench.bench_scaling import _measure; import json; print(json.dumps(_measure()))"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench_scaling's measurement failed:\n{out.stderr[-2000:]}")
    m = json.loads(out.stdout.strip().splitlines()[-1])
    plain, fast = m["rates"]["plain"], m["rates"]["cache_prefetch"]
    one, two = m["step_ms"]["one"], m["step_ms"]["two"]
    speedup = fast / plain
    return [
        {"name": "tf.data plain map -> batch", "value": round(plain), "unit": "samples/s", "target": None},
        {"name": "tf.data parallel map + cache + prefetch", "value": round(fast), "unit": "samples/s", "target": None},
        {"name": "tf.data speed-up from cache + prefetch", "value": round(speedup, 2), "unit": "x",
         "target": f">= {TARGET_PIPELINE_SPEEDUP:g} x", "ok": speedup >= TARGET_PIPELINE_SPEEDUP},
        {"name": "MirroredStrategy step, 1 device (batch 128)", "value": round(one, 1), "unit": "ms", "target": None},
        {"name": f"MirroredStrategy step, {m['replicas']} logical CPUs (2 x 64)", "value": round(two, 1), "unit": "ms",
         "target": None},
        {"name": "MirroredStrategy step time ratio (2 / 1 devices)", "value": round(two / one, 2), "unit": "x",
         "target": None},
    ]
