"""Tests for course.device: the CPU path for real, the GPU branch with faked devices."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from course import device
from course.device import CPU_PROFILE, GPU_PROFILE, PROFILE_ENV, Profile

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def _no_profile_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A COURSE_PROFILE in the caller's environment must not steer these tests."""
    monkeypatch.delenv(PROFILE_ENV, raising=False)


@pytest.fixture
def tf():
    """TensorFlow, with the global Keras policy and op determinism restored afterwards."""
    tf = pytest.importorskip("tensorflow")
    import keras
    from tensorflow.python.framework import config as tf_config

    policy = keras.mixed_precision.global_policy().name
    determinism = tf_config.is_op_determinism_enabled()
    yield tf
    keras.mixed_precision.set_global_policy(policy)
    if determinism:
        tf_config.enable_op_determinism()
    else:
        tf_config.disable_op_determinism()


@pytest.fixture
def cpu_only(tf):
    """The real hardware path, where it is a CPU (skips on a machine with a GPU)."""
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU; the CPU path is tested in subprocesses")
    return tf


class FakeGpus:
    """Stands in for TensorFlow's GPU list and records set_memory_growth calls."""

    def __init__(self, tf, monkeypatch: pytest.MonkeyPatch, specs, growth_error=None):
        self.devices = [
            tf.config.PhysicalDevice(name=f"/physical_device:GPU:{i}", device_type="GPU")
            for i in range(len(specs))
        ]
        self.details = {d.name: spec for d, spec in zip(self.devices, specs)}
        self.growth_calls: list[tuple[str, bool]] = []
        self.growth_error = growth_error
        real_list = tf.config.list_physical_devices

        def list_physical_devices(device_type=None):
            if device_type == "GPU":
                return list(self.devices)
            return real_list(device_type)

        def get_device_details(dev):
            name, cc = self.details[dev.name]
            return {"device_name": name, "compute_capability": cc}

        def set_memory_growth(dev, enable):
            self.growth_calls.append((dev.name, enable))
            if self.growth_error is not None:
                raise self.growth_error

        monkeypatch.setattr(tf.config, "list_physical_devices", list_physical_devices)
        monkeypatch.setattr(tf.config.experimental, "get_device_details", get_device_details)
        monkeypatch.setattr(tf.config.experimental, "set_memory_growth", set_memory_growth)


def _run_python(code: str, **env_changes: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", PROFILE_ENV)}
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


# ---------------------------------------------------------------- profiles


def test_profiles_are_small_on_cpu_and_full_size_on_gpu():
    for field in ("epochs", "batch_size", "n_train", "n_test"):
        assert getattr(CPU_PROFILE, field) < getattr(GPU_PROFILE, field), field
    assert CPU_PROFILE.n_test < CPU_PROFILE.n_train
    assert GPU_PROFILE.n_test < GPU_PROFILE.n_train
    assert (CPU_PROFILE.name, GPU_PROFILE.name) == ("cpu", "gpu")
    assert not CPU_PROFILE.mixed_precision


def test_mixed_precision_follows_policy():
    assert dataclasses.replace(CPU_PROFILE, policy="mixed_float16").mixed_precision
    assert dataclasses.replace(CPU_PROFILE, policy="mixed_bfloat16").mixed_precision
    assert not dataclasses.replace(GPU_PROFILE, policy="float32").mixed_precision


def test_profile_is_frozen_and_validated():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CPU_PROFILE.epochs = 1  # type: ignore[misc]
    with pytest.raises(ValueError, match="policy"):
        dataclasses.replace(CPU_PROFILE, policy="float16")
    with pytest.raises(ValueError, match="name"):
        dataclasses.replace(CPU_PROFILE, name="tpu")
    with pytest.raises(ValueError, match="batch_size"):
        dataclasses.replace(CPU_PROFILE, batch_size=0)


def test_scaled_keeps_gpu_counts_and_shrinks_cpu_counts_by_the_n_train_ratio():
    for n in (0, 1, 7, 1000, 60_000, 123_457):
        assert GPU_PROFILE.scaled(n) == n
    ratio = CPU_PROFILE.n_train / GPU_PROFILE.n_train
    assert CPU_PROFILE.scaled(GPU_PROFILE.n_train) == CPU_PROFILE.n_train
    assert CPU_PROFILE.scaled(GPU_PROFILE.n_test) >= round(GPU_PROFILE.n_test * ratio)
    assert CPU_PROFILE.scaled(0) == 0
    assert CPU_PROFILE.scaled(1) == 1  # never rounds a non-empty request down to nothing
    counts = [CPU_PROFILE.scaled(n) for n in range(0, 5000, 37)]
    assert counts == sorted(counts)
    assert all(c <= n for c, n in zip(counts, range(0, 5000, 37)))
    assert CPU_PROFILE.scaled(30_000) == 30_000 * CPU_PROFILE.n_train // GPU_PROFILE.n_train


@pytest.mark.parametrize("bad", [-1, 2.5, "10", True])
def test_scaled_rejects_non_counts(bad):
    with pytest.raises(ValueError, match="n >= 0"):
        CPU_PROFILE.scaled(bad)


# ------------------------------------------------------ decisions (no TensorFlow)


@pytest.mark.parametrize(
    "capabilities, policy",
    [
        ([], "float32"),
        ([(6, 1)], "float32"),
        ([(7, 0)], "mixed_float16"),
        ([(7, 5)], "mixed_float16"),
        ([(8, 0)], "mixed_bfloat16"),
        ([(9, 0)], "mixed_bfloat16"),
        ([(8, 0), (7, 5)], "mixed_float16"),  # the weakest GPU decides
        ([(9, 0), (6, 1)], "float32"),
        ([(9, 0), None], "float32"),
        ([None], "float32"),
    ],
)
def test_policy_is_what_every_gpu_supports(capabilities, policy):
    gpus = [(f"GPU {i}", cc) for i, cc in enumerate(capabilities)]
    assert device._plan(gpus, None, 0, None).profile.policy == policy


def test_plan_without_gpus_is_the_deterministic_cpu_profile():
    plan = device._plan([], None, 3, None)
    assert plan.profile == dataclasses.replace(CPU_PROFILE, seed=3)
    assert plan.deterministic is True
    assert plan.line == (
        f"Device: CPU · precision policy: float32 · profile: cpu (epochs={CPU_PROFILE.epochs}, "
        f"batch_size={CPU_PROFILE.batch_size}, n_train={CPU_PROFILE.n_train}, "
        f"n_test={CPU_PROFILE.n_test})"
    )


def test_plan_with_gpus_names_them_and_uses_full_sizes():
    plan = device._plan([("NVIDIA A100", (8, 0))] * 2, None, 0, None)
    assert plan.profile.name == "gpu" and plan.profile.gpus == 2
    assert plan.profile.device == "2 x NVIDIA A100"
    assert (plan.profile.n_train, plan.profile.epochs) == (GPU_PROFILE.n_train, GPU_PROFILE.epochs)
    assert plan.deterministic is False
    assert plan.line.startswith("Device: 2 x NVIDIA A100 (compute capability 8.0) · ")
    mixed = device._plan([("NVIDIA A100", (8, 0)), ("Tesla T4", (7, 5))], None, 0, True)
    assert mixed.profile.device == "NVIDIA A100, Tesla T4"
    assert "(compute capability 7.5, 8.0)" in mixed.line
    assert mixed.deterministic is True


def test_choice_sets_sizes_but_not_hardware():
    small_on_gpu = device._plan([("NVIDIA H200", (9, 0))], "cpu", 0, None).profile
    assert small_on_gpu.name == "cpu" and small_on_gpu.n_train == CPU_PROFILE.n_train
    assert small_on_gpu.device == "NVIDIA H200" and small_on_gpu.policy == "mixed_bfloat16"
    full_on_cpu = device._plan([], "gpu", 0, None).profile
    assert full_on_cpu.name == "gpu" and full_on_cpu.n_train == GPU_PROFILE.n_train
    assert (full_on_cpu.device, full_on_cpu.gpus, full_on_cpu.policy) == ("CPU", 0, "float32")


def test_resolve_choice_argument_beats_environment(monkeypatch):
    assert device._resolve_choice(None) is None
    monkeypatch.setenv(PROFILE_ENV, "GPU ")
    assert device._resolve_choice(None) == "gpu"
    assert device._resolve_choice("cpu") == "cpu"
    assert device._resolve_choice("auto") is None
    monkeypatch.setenv(PROFILE_ENV, "")
    assert device._resolve_choice(None) is None


def test_bad_choices_name_the_valid_ones(monkeypatch):
    with pytest.raises(ValueError, match="'cpu', 'gpu' or 'auto'") as err:
        device.setup(profile="tpu")
    assert "tpu" in str(err.value)
    monkeypatch.setenv(PROFILE_ENV, "big")
    with pytest.raises(ValueError, match=PROFILE_ENV) as err:
        device.setup()
    assert "'cpu', 'gpu' or 'auto'" in str(err.value) and "big" in str(err.value)
    for seed in (-1, 2**32, 1.5, "0"):
        with pytest.raises(ValueError, match="seed"):
            device.setup(seed=seed)


# ------------------------------------------------------------- the CPU, for real


def test_cpu_setup_prints_one_line_and_returns_the_cpu_profile(cpu_only, capsys):
    import keras

    keras.mixed_precision.set_global_policy("mixed_float16")  # stale, from an earlier call
    profile = device.setup(seed=5)
    out = capsys.readouterr()
    assert out.out.splitlines() == [device._plan([], None, 5, None).line]
    assert out.err == ""
    assert profile == dataclasses.replace(CPU_PROFILE, seed=5)
    assert keras.mixed_precision.global_policy().name == "float32"
    from tensorflow.python.framework import config as tf_config

    assert tf_config.is_op_determinism_enabled()


def test_cpu_setup_quiet_and_explicit_gpu_profile(cpu_only, capsys):
    import keras

    profile = device.setup(profile="gpu", verbose=False, deterministic=False)
    assert capsys.readouterr().out == ""
    assert profile.name == "gpu" and profile.n_train == GPU_PROFILE.n_train
    assert (profile.device, profile.gpus, profile.policy) == ("CPU", 0, "float32")
    assert keras.mixed_precision.global_policy().name == "float32"
    from tensorflow.python.framework import config as tf_config

    assert not tf_config.is_op_determinism_enabled()


def test_environment_overrides_auto_on_cpu(cpu_only, monkeypatch):
    monkeypatch.setenv(PROFILE_ENV, "gpu")
    assert device.setup(verbose=False).name == "gpu"
    assert device.setup(profile="cpu", verbose=False).name == "cpu"


def test_seeds_make_numpy_and_tensorflow_repeat(cpu_only):
    import random

    import numpy as np

    tf = cpu_only

    def draw(seed):
        device.setup(seed=seed, verbose=False)
        return random.random(), np.random.rand(3), tf.random.uniform([3]).numpy()

    first, again, other = draw(11), draw(11), draw(12)
    assert first[0] == again[0]
    np.testing.assert_array_equal(first[1], again[1])
    np.testing.assert_array_equal(first[2], again[2])
    assert first[0] != other[0]
    assert not np.array_equal(first[1], other[1])
    assert not np.array_equal(first[2], other[2])


# ---------------------------------------------------------- the GPU branch, faked


@pytest.mark.parametrize(
    "cc, policy",
    [((6, 1), "float32"), ((7, 5), "mixed_float16"), ((8, 0), "mixed_bfloat16"),
     ((9, 0), "mixed_bfloat16")],
)
def test_one_fake_gpu(tf, monkeypatch, capsys, cc, policy):
    import keras

    fake = FakeGpus(tf, monkeypatch, [("NVIDIA Fake", cc)])
    profile = device.setup(seed=1)
    assert profile.name == "gpu" and profile.gpus == 1 and profile.device == "NVIDIA Fake"
    assert profile.policy == policy and profile.mixed_precision == (policy != "float32")
    assert (profile.epochs, profile.batch_size) == (GPU_PROFILE.epochs, GPU_PROFILE.batch_size)
    assert keras.mixed_precision.global_policy().name == policy
    assert fake.growth_calls == [("/physical_device:GPU:0", True)]
    line = capsys.readouterr().out.splitlines()
    assert len(line) == 1
    assert line[0].startswith(f"Device: NVIDIA Fake (compute capability {cc[0]}.{cc[1]}) · ")
    assert f"precision policy: {policy}" in line[0] and "profile: gpu (" in line[0]


def test_two_fake_gpus_each_get_memory_growth_once(tf, monkeypatch, capsys):
    import keras
    from tensorflow.python.framework import config as tf_config

    fake = FakeGpus(tf, monkeypatch, [("NVIDIA A100", (8, 0)), ("NVIDIA A100", (8, 0))])
    profile = device.setup()
    assert fake.growth_calls == [("/physical_device:GPU:0", True), ("/physical_device:GPU:1", True)]
    assert (profile.gpus, profile.device) == (2, "2 x NVIDIA A100")
    assert profile.policy == "mixed_bfloat16"
    assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
    assert "Device: 2 x NVIDIA A100 (compute capability 8.0)" in capsys.readouterr().out
    assert not tf_config.is_op_determinism_enabled()  # off by default on a GPU
    device.setup(verbose=False, deterministic=True)
    assert tf_config.is_op_determinism_enabled()


def test_second_setup_tolerates_initialised_gpus(tf, monkeypatch):
    initialised = RuntimeError("Physical devices cannot be modified after being initialized")
    fake = FakeGpus(tf, monkeypatch, [("Tesla T4", (7, 5))], growth_error=initialised)
    profile = device.setup(verbose=False)
    assert profile.policy == "mixed_float16"
    assert len(fake.growth_calls) == 1


def test_environment_runs_small_on_a_gpu(tf, monkeypatch):
    FakeGpus(tf, monkeypatch, [("NVIDIA H200", (9, 0))])
    monkeypatch.setenv(PROFILE_ENV, "cpu")
    profile = device.setup(verbose=False)
    assert profile.name == "cpu" and profile.n_train == CPU_PROFILE.n_train
    assert profile.device == "NVIDIA H200" and profile.policy == "mixed_bfloat16"
    assert device.setup(profile="gpu", verbose=False).n_train == GPU_PROFILE.n_train


def test_cpu_setup_resets_a_gpu_policy(tf, monkeypatch):
    import keras

    with monkeypatch.context() as m:
        FakeGpus(tf, m, [("NVIDIA H200", (9, 0))])
        device.setup(verbose=False)
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU: the real path is not the CPU one")
    profile = device.setup(profile="gpu", verbose=False)
    assert profile.policy == "float32"
    assert keras.mixed_precision.global_policy().name == "float32"


# ------------------------------------------------------------- fresh processes


def test_import_is_lazy_and_setup_writes_nothing_to_stderr():
    """As in a notebook's first cell, and again after TensorFlow has run an op."""
    result = _run_python(
        """
        import sys
        from course import device
        assert "tensorflow" not in sys.modules, "importing course.device imported TensorFlow"
        device.setup()
        import tensorflow as tf
        float(tf.reduce_sum(tf.random.uniform([4])))
        device.setup(verbose=False)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and result.stdout.endswith("\n")
    assert lines[0].startswith("Device: ") and " · precision policy: " in lines[0]


def test_setup_on_a_cpu_split_into_two_logical_devices():
    """setup() leaves the runtime unstarted, so the CPU can still be split after it."""
    result = _run_python(
        """
        import tensorflow as tf
        from course import device
        before = device.setup()
        cpu, = tf.config.list_physical_devices("CPU")
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        after = device.setup()
        print(len(tf.config.list_logical_devices("CPU")), before == after, after.gpus)
        """,
        CUDA_VISIBLE_DEVICES="-1",
    )
    assert result.returncode == 0, result.stderr
    first, second, facts = result.stdout.splitlines()
    assert first == second and first.startswith("Device: CPU · precision policy: float32")
    assert facts == "2 True 0"


def test_in_colab_the_line_says_whether_a_gpu_runtime_is_on(monkeypatch):
    cpu = device._plan([], None, 0, None, colab=True)
    gpu = device._plan([("Tesla T4", (7, 5))], None, 0, None, colab=True)
    assert cpu.line.endswith("· Colab: GPU runtime off (Runtime > Change runtime type > a GPU, for the full sizes)")
    assert gpu.line.endswith("· Colab: GPU runtime on") and "Tesla T4" in gpu.line
    assert "Colab" not in device._plan([], None, 0, None).line
    assert "\n" not in cpu.line
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert device.in_colab() is False
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    assert device.in_colab() is True
