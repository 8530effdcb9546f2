"""TensorFlow set-up for every lecture: device, precision, seeds, quiet logs, sizes.

Every lecture's first code cell calls :func:`setup` *before* importing
TensorFlow itself::

    from course import device
    profile = device.setup()          # prints one line: device and precision policy
    import tensorflow as tf           # already imported (quietly) by setup()

    model.fit(x[:profile.n_train], y[:profile.n_train],
              epochs=profile.epochs, batch_size=profile.batch_size, verbose=0)

:func:`setup` finds the GPUs, lets their memory grow on demand, picks the Keras
mixed-precision policy the hardware supports, seeds Python, NumPy and TensorFlow,
keeps TensorFlow's log noise off stderr and returns a :class:`Profile`: small
sizes on a CPU (a lecture finishes in seconds on a laptop or in CI) and full
sizes on a GPU.

Why stderr must stay empty: nbval compares a cell's outputs with the saved ones,
and under pytest ipykernel does not capture the C++ library's stderr, so any
line TensorFlow writes there in a normal run is "missing" in the test run.
``TF_CPP_MIN_LOG_LEVEL=3`` silences the C++ log after import, but a few lines
(oneDNN's notice; CUDA's factory-registration errors on GPU builds) are written
during ``import tensorflow`` whatever the level: :func:`setup` therefore
imports TensorFlow with file descriptor 2 pointed at a temporary file, and
replays what it caught only if the import fails.  A notebook that imports
TensorFlow *before* calling :func:`setup` gets those lines.

Importing this module does not import TensorFlow (it costs ~4 s and 600 MB).

Defined in 00_big_data_in_science (every lecture's set-up cell calls it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import random
import sys
import tempfile
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Iterator, Sequence

__all__ = [
    "Profile",
    "CPU_PROFILE",
    "GPU_PROFILE",
    "PROFILE_ENV",
    "POLICIES",
    "setup",
]

#: Environment variable that overrides the automatic choice of profile
#: (``cpu``, ``gpu`` or ``auto``); an explicit ``setup(profile=...)`` wins over it.
PROFILE_ENV = "COURSE_PROFILE"

#: The Keras mixed-precision policies :func:`setup` chooses from.
POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")

_CHOICES = ("cpu", "gpu", "auto")

#: Python packages whose deprecation and user warnings setup() silences.
_NOISY_MODULES = r"(tensorflow|keras|tf_keras|absl|google\.protobuf|h5py|ml_dtypes|optree)"

# A GPU as setup() sees it: its name and CUDA compute capability (None if unknown).
GpuDescription = tuple[str, "tuple[int, int] | None"]


@dataclass(frozen=True)
class Profile:
    """What a lecture cell needs to size its work for this machine.

    ``name`` says which sizes these are (``"cpu"``: small, ``"gpu"``: full);
    ``device``, ``gpus`` and ``policy`` say what the hardware is.  They normally
    agree, but ``COURSE_PROFILE=cpu`` runs the small sizes on a GPU (CI) and
    ``profile="gpu"`` runs full sizes on a CPU.
    """

    name: str  # "cpu" or "gpu"
    device: str  # "CPU", or the GPU name(s): "NVIDIA H200", "2 x NVIDIA A100"
    gpus: int  # number of physical GPUs used
    policy: str  # Keras mixed-precision policy: one of POLICIES
    epochs: int
    batch_size: int
    n_train: int  # training samples a lecture cell should draw
    n_test: int
    seed: int

    def __post_init__(self) -> None:
        if self.name not in ("cpu", "gpu"):
            raise ValueError(f"Profile.name must be 'cpu' or 'gpu', got {self.name!r}")
        if self.policy not in POLICIES:
            raise ValueError(f"Profile.policy must be one of {POLICIES}, got {self.policy!r}")
        for field in ("epochs", "batch_size", "n_train", "n_test"):
            if getattr(self, field) < 1:
                raise ValueError(f"Profile.{field} must be at least 1, got {getattr(self, field)}")

    @property
    def mixed_precision(self) -> bool:
        """True when layers compute in float16/bfloat16 (variables stay float32)."""
        return self.policy != "float32"

    def scaled(self, n: int) -> int:
        """A sample count ``n`` chosen for the full-size (GPU) profile, resized for this one.

        The rule: ``n`` times this profile's ``n_train`` over the GPU profile's
        ``n_train`` (60 000), rounded up, never more than ``n`` and at least 1
        when ``n >= 1``.  So ``GPU_PROFILE.scaled(n) == n`` and
        ``CPU_PROFILE.scaled(n)`` is ``n / 30``: ``scaled(30_000) == 1000``.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"scaled() takes a count n >= 0, got {n!r}")
        if n == 0:
            return 0
        resized = -(-n * self.n_train // GPU_PROFILE.n_train)  # ceiling division
        return max(1, min(n, resized))

    def summary(self) -> str:
        """``cpu (epochs=5, batch_size=64, n_train=2000, n_test=500)``: the sizes in one phrase."""
        return (
            f"{self.name} (epochs={self.epochs}, batch_size={self.batch_size}, "
            f"n_train={self.n_train}, n_test={self.n_test})"
        )


#: Small sizes: a lecture's training cells finish in seconds on two CPU cores
#: (2 000 MNIST-sized samples x 5 epochs is ~160 steps of 64), enough for a loss
#: curve that goes down and an accuracy well above chance.
CPU_PROFILE = Profile(
    name="cpu", device="CPU", gpus=0, policy="float32",
    epochs=5, batch_size=64, n_train=2_000, n_test=500, seed=0,
)

#: Full sizes: the whole of an MNIST-sized dataset (60 000 / 10 000), 20 epochs,
#: batches of 256 so a modern GPU is kept busy (with mixed precision, batch sizes
#: that are multiples of 8 use the tensor cores).  ``device``, ``gpus`` and
#: ``policy`` here are placeholders that :func:`setup` replaces with what it finds.
GPU_PROFILE = Profile(
    name="gpu", device="GPU", gpus=1, policy="float32",
    epochs=20, batch_size=256, n_train=60_000, n_test=10_000, seed=0,
)

_TEMPLATES = {"cpu": CPU_PROFILE, "gpu": GPU_PROFILE}


# --------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class _Plan:
    """Everything setup() decided, before it touches TensorFlow."""

    profile: Profile
    deterministic: bool
    line: str


def _policy_for(capabilities: Sequence[tuple[int, int] | None]) -> str:
    """The mixed-precision policy every GPU in ``capabilities`` supports.

    - no GPU, or any GPU of unknown or < 7.0 capability: ``float32`` (float16
      there is emulated, slower than float32);
    - all >= 8.0 (Ampere, Ada, Hopper, Blackwell): ``mixed_bfloat16``.  Its tensor
      cores run as fast as float16's, and bfloat16 has float32's exponent range,
      so gradients neither underflow nor overflow and no loss scaling is needed.
      That matters here: lectures 03 and 09 write their own training loops with
      ``tf.GradientTape``, where ``mixed_float16`` would need a
      ``LossScaleOptimizer`` that ``model.fit`` adds only for itself;
    - otherwise (7.x: Volta V100, Turing T4 as on Colab): ``mixed_float16``, the
      only half-precision type their tensor cores have.  Custom loops must then
      scale the loss (``keras.mixed_precision.LossScaleOptimizer``).
    """
    if not capabilities or any(cc is None for cc in capabilities):
        return "float32"
    lowest = min(cc for cc in capabilities if cc is not None)
    if lowest >= (8, 0):
        return "mixed_bfloat16"
    if lowest >= (7, 0):
        return "mixed_float16"
    return "float32"


def _device_name(names: Sequence[str]) -> str:
    """``"CPU"``, ``"NVIDIA H200"``, ``"2 x NVIDIA A100"`` or ``"NVIDIA A100, NVIDIA T4"``."""
    if not names:
        return "CPU"
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(name if k == 1 else f"{k} x {name}" for name, k in counts.items())


def _capability_text(capabilities: Sequence[tuple[int, int] | None]) -> str:
    texts = sorted({"unknown" if cc is None else f"{cc[0]}.{cc[1]}" for cc in capabilities})
    return ", ".join(texts)


def _plan(
    gpus: Sequence[GpuDescription],
    choice: str | None,
    seed: int,
    deterministic: bool | None,
    colab: bool = False,
) -> _Plan:
    """Decide profile, policy, determinism and the printed line from a GPU list.

    ``gpus`` lists ``(name, compute capability)`` pairs; ``choice`` is ``"cpu"``,
    ``"gpu"`` or None (auto: the GPU profile when there is a GPU).  Pure, so the
    GPU branch is testable on a machine without one.
    """
    names = [name for name, _ in gpus]
    capabilities = [cc for _, cc in gpus]
    name = choice if choice is not None else ("gpu" if gpus else "cpu")
    profile = dataclasses.replace(
        _TEMPLATES[name],
        device=_device_name(names),
        gpus=len(gpus),
        policy=_policy_for(capabilities),
        seed=seed,
    )
    device = profile.device
    if gpus:
        device += f" (compute capability {_capability_text(capabilities)})"
    line = f"Device: {device} · precision policy: {profile.policy} · profile: {profile.summary()}"
    if colab:
        line += (" · Colab: GPU runtime on" if gpus else
                 " · Colab: GPU runtime off (Runtime > Change runtime type > a GPU, for the full sizes)")
    return _Plan(
        profile=profile,
        deterministic=(not gpus) if deterministic is None else bool(deterministic),
        line=line,
    )


def in_colab() -> bool:
    """True inside Google Colab, whose runtime imports ``google.colab`` before any notebook cell runs.

    Defined in 00_big_data_in_science.
    """
    return "google.colab" in sys.modules


def _resolve_choice(profile: str | None) -> str | None:
    """The profile asked for: the argument, else ``$COURSE_PROFILE``, else None (auto)."""
    if profile is not None:
        source, value = "profile", profile
    else:
        value = os.environ.get(PROFILE_ENV, "")
        if not value.strip():
            return None
        source = f"environment variable {PROFILE_ENV}"
    if not isinstance(value, str) or value.strip().lower() not in _CHOICES:
        raise ValueError(
            f"{source} must be 'cpu', 'gpu' or 'auto' (or None for auto), got {value!r}"
        )
    value = value.strip().lower()
    return None if value == "auto" else value


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an int in [0, 2**32), got {seed!r}")


# ------------------------------------------------------------------ TensorFlow


@contextlib.contextmanager
def _stderr_fd_caught() -> Iterator[None]:
    """Point file descriptor 2 at a temporary file; replay it only on an exception.

    Catches what C/C++ code writes straight to fd 2 (Python's ``sys.stderr`` in a
    notebook is not fd 2, so Python warnings are not affected).
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable fd 2: nothing to hide
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            caught.seek(0)
            text = caught.read().decode(errors="replace")
            if text:
                sys.stderr.write(text)
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _quiet_python_warnings() -> None:
    """Silence the deprecation and user warnings TensorFlow and Keras raise."""
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning, UserWarning):
        warnings.filterwarnings("ignore", category=category, module=_NOISY_MODULES)


def _import_tensorflow() -> tuple[ModuleType, ModuleType]:
    """Import TensorFlow and Keras quietly (see the module docstring)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _quiet_python_warnings()
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        import keras
        import tensorflow as tf
    else:
        with _stderr_fd_caught():
            import keras
            import tensorflow as tf
    tf.get_logger().setLevel("ERROR")
    tf.autograph.set_verbosity(0)
    try:
        from absl import logging as absl_logging
    except ImportError:  # pragma: no cover - absl ships with TensorFlow
        pass
    else:
        absl_logging.set_verbosity(absl_logging.ERROR)
    return tf, keras


def _list_gpus(tf: ModuleType) -> list[tuple[Any, str, tuple[int, int] | None]]:
    """The physical GPUs as ``(device, name, compute capability)``; [] on a CPU."""
    found = []
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            details = tf.config.experimental.get_device_details(gpu) or {}
        except (RuntimeError, ValueError, NotImplementedError):
            details = {}
        name = str(details.get("device_name") or "GPU")
        cc = details.get("compute_capability")
        capability = (int(cc[0]), int(cc[1])) if cc else None
        found.append((gpu, name, capability))
    return found


def _enable_memory_growth(tf: ModuleType, devices: Sequence[Any]) -> None:
    """Let each GPU's memory grow on demand instead of taking it all at start.

    A second ``setup()`` in a notebook that has already run ops gets a
    RuntimeError (devices cannot be changed once initialised), and GPUs split into
    virtual devices a ValueError: both mean the setting is already decided.
    """
    for gpu in devices:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except (RuntimeError, ValueError):
            pass


def _set_op_determinism(tf: ModuleType, on: bool) -> None:
    if on:
        tf.config.experimental.enable_op_determinism()
        return
    from tensorflow.python.framework import config as tf_config  # no public "disable"

    if getattr(tf_config, "is_op_determinism_enabled", lambda: True)():
        disable = getattr(tf_config, "disable_op_determinism", None)
        if disable is not None:
            disable()


def setup(
    seed: int = 0,
    profile: str | None = None,
    *,
    verbose: bool = True,
    deterministic: bool | None = None,
) -> Profile:
    """Set TensorFlow up for this machine, print one line about it, return the sizes.

    ``profile``: ``"cpu"`` (small sizes), ``"gpu"`` (full sizes) or None/``"auto"``
    (the GPU profile when a GPU is found).  ``$COURSE_PROFILE`` overrides auto,
    and an explicit argument overrides ``$COURSE_PROFILE``.

    ``deterministic``: turn on TensorFlow's op determinism.  None means on for a
    CPU (cheap there, and saved notebook outputs then repeat exactly) and off for
    a GPU (slow there, and some GPU ops have no deterministic kernel and raise).

    Calling it again is safe: the policy, seeds and determinism are set afresh
    each time.  It does not start TensorFlow's runtime, so logical devices can
    still be configured after it.
    """
    _check_seed(seed)
    choice = _resolve_choice(profile)
    tf, keras = _import_tensorflow()
    gpus = _list_gpus(tf)
    plan = _plan([(name, cc) for _, name, cc in gpus], choice, seed, deterministic, in_colab())

    _enable_memory_growth(tf, [device for device, _, _ in gpus])
    keras.mixed_precision.set_global_policy(plan.profile.policy)
    random.seed(seed)
    import numpy as np

    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # Python, NumPy and TensorFlow (and Keras's own)
    _set_op_determinism(tf, plan.deterministic)

    if verbose:
        print(plan.line, flush=True)
    return plan.profile
