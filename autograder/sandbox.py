"""How the runner is started: inside bubblewrap, or (loudly) without a sandbox.

``bwrap`` mode (the default, needs root and Debian's ``bubblewrap``) starts
``python -m autograder.runner`` with

- new IPC, PID, network (only ``lo``), UTS and cgroup namespaces, a new
  session, an empty environment, and death with its parent;
- a root file system that holds only read-only binds of ``/usr``, ``/etc``,
  the Python installation, the virtual environment and, on ``PYTHONPATH``, the
  ``course`` and ``autograder`` packages this process runs (so a venv whose
  editable install points elsewhere cannot swap the grader), a fresh ``/proc`` and ``/dev``, and size-capped
  private tmpfs mounts for ``/tmp``, ``/dev/shm`` and ``/home/student`` (where
  each notebook gets its folder).  The course folder (``source/``, hidden
  tests, ``submitted/``, the gradebook) is simply not there;
- no capabilities but CAP_SETUID, CAP_SETGID, CAP_SETPCAP, CAP_KILL and
  CAP_SYS_PTRACE (to read the children's memory use), kept by the trusted
  zygote only: every student process runs as the worker slot's own
  unprivileged uid (``AUTOGRADER_UID_BASE``, default 61000, plus the slot
  number; uids with a passwd entry are skipped, nothing is added to
  /etc/passwd), with an empty bounding set, ``no_new_privs`` and rlimits.

Why a uid per slot: RLIMIT_NPROC counts processes per uid, and a uid shared
between concurrent notebooks would let one exhaust the other's budget.

``none`` mode runs the same runner as the grading user with rlimits only; it
exists for machines without bubblewrap and says loudly what that gives up
(:data:`NONE_WARNING`).

Defined for the trusted autograder (issue 6).
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

WORKROOT = "/home/student"
UID_BASE_ENV = "AUTOGRADER_UID_BASE"
DEFAULT_UID_BASE = 61000
CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_KILL", "CAP_SYS_PTRACE")

NONE_WARNING = """\
*** WARNING: grading WITHOUT a sandbox (--sandbox none). ***
Student code runs as {user}, with everything that user may do. Given up:
  - files: it can read source/ and the hidden tests, other students' work and the gradebook, and change them;
  - network: it can reach the network;
  - users: no unprivileged per-slot uid, so no limit on the number of processes.
Kept: scores from the trusted comparison, rlimits on CPU time, memory and file size, the wall-clock limits.
Use --sandbox bwrap (as root, with Debian's bubblewrap) for real submissions."""


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot be used here; the message says why and what to do."""


@dataclass(frozen=True)
class Sandbox:
    """How runners are started: ``kind`` is ``bwrap`` or ``none``."""

    kind: str
    tmp_mb: int = 512
    home_mb: int = 1024
    shm_mb: int = 256
    env: dict = field(default_factory=dict)


def runner_env(extra: dict | None = None) -> dict[str, str]:
    """The environment every runner starts with (nothing is inherited in bwrap mode)."""
    env = {
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": WORKROOT,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "MPLBACKEND": "Agg",
        "MALLOC_ARENA_MAX": "2",  # glibc's per-thread arenas would eat the address-space limit
        "IPYTHONDIR": "/tmp/.ipython-zygote",
    }
    for name in ("COURSE_PROFILE", "TF_ENABLE_ONEDNN_OPTS", "OMP_NUM_THREADS"):
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra or {})
    return env


def check_bwrap() -> None:
    """Raise :class:`SandboxUnavailable` unless bwrap mode can work on this machine."""
    if not shutil.which("bwrap"):
        raise SandboxUnavailable(
            "bubblewrap is not installed: apt-get install -y bubblewrap "
            "(or pass --sandbox none to grade WITHOUT isolation)"
        )
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            "the bwrap sandbox runs student code under per-slot uids, which needs root; "
            "run the grader as root (or pass --sandbox none to grade WITHOUT isolation)"
        )
    probe = subprocess.run(
        ["bwrap", "--unshare-pid", "--unshare-net", "--die-with-parent", "--ro-bind", "/usr", "/usr",
         *_usr_links(), "--proc", "/proc", "--dev", "/dev", "true"],
        capture_output=True, text=True, timeout=30,
    )
    if probe.returncode != 0:
        raise SandboxUnavailable(f"bubblewrap does not work here: {probe.stderr.strip() or probe.returncode}")


def resolve(kind: str) -> str:
    """``auto`` and ``bwrap`` both mean bubblewrap, or an error naming both ways out.

    ``auto`` never falls back to ``none`` on its own: grading hostile code
    without isolation must be a decision someone typed.
    """
    if kind == "none":
        return "none"
    if kind not in ("auto", "bwrap"):
        raise SandboxUnavailable(f"unknown sandbox {kind!r}: use auto, bwrap or none")
    check_bwrap()
    return "bwrap"


def _usr_links() -> list[str]:
    args: list[str] = []
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


#: Where the sandbox sees the ``course`` and ``autograder`` packages the coordinator imported (on PYTHONPATH).
PACKAGES = "/opt/autograder/packages"
PACKAGE_NAMES = ("course", "autograder")


def package_dirs() -> dict[str, Path]:
    """The folders of the ``course`` and ``autograder`` packages this process runs (imported ones first).

    The runner must import exactly these: a venv whose editable install points at
    another checkout would otherwise hand the sandbox a different grader.
    """
    dirs: dict[str, Path] = {}
    for name in PACKAGE_NAMES:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            dirs[name] = Path(module.__file__).resolve().parent
            continue
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            dirs[name] = Path(list(spec.submodule_search_locations)[0]).resolve()
    return dirs


def link_packages(folder: str) -> str:
    """``folder``/.packages holding links to :func:`package_dirs` (the PYTHONPATH of an unsandboxed runner)."""
    target = os.path.join(folder, ".packages")
    os.makedirs(target, exist_ok=True)
    for name, path in package_dirs().items():
        os.symlink(path, os.path.join(target, name))
    return target


def foreign_packages(reported: dict, kind: str = "bwrap", linked: str | None = None) -> str:
    """Why the runner's ``course``/``autograder`` are not the coordinator's ("" when they are)."""
    problems = []
    for name, path in package_dirs().items():
        got = str(reported.get(name) or "")
        if kind == "bwrap":
            want = os.path.join(PACKAGES, name)
            same = got == want
        else:
            same = bool(got) and os.path.realpath(got) == str(path)
        if not same:
            problems.append(f"{name} from {got or 'nowhere'} instead of {path}")
    if not problems:
        return ""
    return ("the sandboxed runner imported " + "; ".join(problems) + ". The grader must run the code it was started "
            "with: run it with the Python of the environment this course is installed in "
            "(pip install -e . in the course folder), from the course folder.")


def read_only_paths() -> list[Path]:
    """What the sandbox sees of the host besides /usr and /etc: Python and the venv (packages: :data:`PACKAGES`)."""
    candidates = [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.prefix),
                  Path(os.path.realpath(sys.executable)).parent.parent]
    chosen: list[Path] = []
    for path in candidates:
        if not path.exists() or str(path).startswith(("/usr/", "/etc/")) or str(path) in ("/usr", "/etc"):
            continue
        if any(path == c or c in path.parents for c in chosen):
            continue
        chosen = [c for c in chosen if path not in c.parents]
        chosen.append(path)
    return chosen


def bwrap_command(uid: int, sandbox: Sandbox, python: str | None = None) -> list[str]:
    """The full command line of one sandboxed runner whose student code runs as ``uid``."""
    python = python or os.path.join(sys.prefix, "bin", "python")
    mb = 1 << 20
    args = [
        "bwrap",
        "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
        "--hostname", "grader", "--die-with-parent", "--new-session", "--clearenv",
        "--ro-bind", "/usr", "/usr", *_usr_links(),
        "--ro-bind", "/etc", "/etc",
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", "--size", str(sandbox.tmp_mb * mb), "--tmpfs", "/tmp",
        "--perms", "1777", "--size", str(sandbox.shm_mb * mb), "--tmpfs", "/dev/shm",
        "--perms", "0755", "--dir", "/home",
        "--perms", "1777", "--size", str(sandbox.home_mb * mb), "--tmpfs", WORKROOT,
    ]
    made: set[str] = {"/", "/usr", "/etc", "/proc", "/dev", "/tmp", "/home", WORKROOT}
    for path in read_only_paths():
        for parent in reversed(path.parents):
            if str(parent) not in made:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(str(parent))
        args += ["--ro-bind", str(path), str(path)]
        made.add(str(path))
    for parent in reversed(Path(PACKAGES).parents):
        if str(parent) not in made:
            args += ["--perms", "0755", "--dir", str(parent)]
            made.add(str(parent))
    args += ["--perms", "0755", "--dir", PACKAGES]
    for name, path in package_dirs().items():
        args += ["--ro-bind", str(path), os.path.join(PACKAGES, name)]
    for key, value in runner_env({**sandbox.env, "PYTHONPATH": PACKAGES}).items():
        args += ["--setenv", key, value]
    args += ["--chdir", WORKROOT, "--cap-drop", "ALL"]
    for cap in CAPS:
        args += ["--cap-add", cap]
    args += [python, "-m", "autograder.runner", "--uid", str(uid), "--workroot", WORKROOT]
    return args


def none_command(workroot: str, python: str | None = None) -> list[str]:
    python = python or os.path.join(sys.prefix, "bin", "python")
    return [python, "-m", "autograder.runner", "--workroot", workroot]


def none_env(sandbox: Sandbox, workroot: str) -> dict[str, str]:
    env = runner_env(sandbox.env)
    env["PATH"] = f"{Path(sys.prefix) / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    env["HOME"] = workroot
    env["IPYTHONDIR"] = os.path.join(workroot, ".ipython-zygote")
    env["PYTHONPATH"] = link_packages(workroot)
    return env


# ---------------------------------------------------------------- worker slots


def _uid_free(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return True
    return False


class Slot:
    """A worker slot: a uid for its student processes, held with a lock file while in use."""

    def __init__(self, index: int, uid: int, lock: "object") -> None:
        self.index = index
        self.uid = uid
        self._lock = lock

    def release(self) -> None:
        if self._lock is not None:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_UN)
            finally:
                self._lock.close()
                self._lock = None


def claim_slot(max_slots: int = 256) -> Slot:
    """Take the first free slot on this machine (several graders and Dask workers may share it)."""
    base = int(os.environ.get(UID_BASE_ENV, DEFAULT_UID_BASE))
    lock_dir = Path(tempfile.gettempdir()) / f".autograder-slots-{os.geteuid()}"
    lock_dir.mkdir(mode=0o700, exist_ok=True)
    for index in range(max_slots):
        uid = base + index
        if not _uid_free(uid):
            continue
        fh = open(lock_dir / f"slot-{index}.lock", "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue
        return Slot(index, uid, fh)
    raise SandboxUnavailable(f"no free worker slot among {max_slots} (uids {base}..{base + max_slots - 1})")
