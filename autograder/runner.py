"""What runs inside the sandbox: a zygote that forks one child per notebook.

``python -m autograder.runner [--uid U]`` reads JSON lines on stdin and writes
JSON lines on stdout (never pickles).  It first imports the heavy libraries an
assignment needs (``preload``: NumPy, TensorFlow, the course package; no
TensorFlow op runs, so forking stays safe), then for every ``run`` message it
forks a child that

- drops to the unprivileged uid ``U`` (the zygote keeps only CAP_SETUID,
  CAP_SETGID, CAP_SETPCAP, CAP_KILL and CAP_SYS_PTRACE, the last to read its
  children's memory use; a child can neither signal nor trace the zygote),
  applies per-notebook rlimits (address space, CPU, file size, processes,
  open files),
- writes the submission's files into a fresh private folder and runs the cells
  in an IPython shell (magics work), stdout/stderr/display output captured and
  capped in bytes,
- runs test cells (already rewritten by :mod:`autograder.transform`) with the
  library functions restored to what they were before any student code ran,
  builtins pristine and trace hooks off, recording each check's *value* as
  plain JSON through a recorder the child gets only while that cell runs.

The zygote enforces the wall-clock limits (per cell and per notebook) and the
memory limit (private memory of the child's whole process tree), kills the
child when one is exceeded, and starts a fresh child that replays the earlier
non-test cells and skips the offender, so a bad cell costs only the points
that depend on it.  After every notebook it kills every process the child left
behind (it is their subreaper) and removes the child's folder.

Only the standard library is imported before ``preload``.
Defined for the trusted autograder (issue 6).
"""

from __future__ import annotations

import base64
import builtins as _builtins
import ctypes
import json
import os
import resource
import select
import signal
import sys
import threading as _threading
import time

PROTOCOL_VERSION = 1
MAX_MESSAGE = 12 << 20  # one line from the child (outputs + records of one cell)
MAX_JOB_BYTES = 96 << 20  # everything one notebook's children may send
MAX_RECORD_BYTES = 8 << 20  # JSON of all records of one cell
MAX_TRACEBACK = 8000
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1

_libc = ctypes.CDLL(None, use_errno=True)
_MISSING = object()
_getframe = sys._getframe


# ------------------------------------------------------------------ protocol io


class Channel:
    """JSON lines over file descriptors (the zygote's link to the coordinator)."""

    def __init__(self, rfd: int, wfd: int) -> None:
        self.rfile = os.fdopen(rfd, "rb", buffering=1 << 16)
        self.wfd = wfd

    def read(self) -> dict | None:
        line = self.rfile.readline(1 << 30)
        if not line:
            return None
        return json.loads(line)

    def send(self, message: dict) -> None:
        data = (json.dumps(message, allow_nan=False, separators=(",", ":")) + "\n").encode()
        view = memoryview(data)
        while view:
            n = os.write(self.wfd, view)
            view = view[n:]


def _prctl(option: int, arg: int) -> int:
    return _libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0)


# -------------------------------------------------------------------- preload


def preload(modules: list[str], env: dict[str, str], rules: dict | None = None) -> dict:
    """Import what the assignment needs once, before any fork (no TensorFlow op runs here).

    ``rules`` (exercise -> off-limits paths, from the coordinator) are resolved
    here too, while every name still points at what the libraries defined.
    """
    os.environ.update(env)
    imported: list[str] = []
    failed: dict[str, str] = {}
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(2)
    os.dup2(devnull, 2)  # TensorFlow prints start-up notices on fd 2
    try:
        for name in modules:
            try:
                __import__(name)
                imported.append(name)
            except BaseException as exc:  # noqa: BLE001 - report, never die
                failed[name] = f"{type(exc).__name__}: {exc}"[:300]
        try:
            import matplotlib

            matplotlib.use("Agg")
        except Exception:  # noqa: BLE001
            pass
        _make_shell()
        _compile_rules(rules or {})
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    _snapshot_library()
    packages = {}
    for name in ("course", "autograder"):
        module = sys.modules.get(name)
        packages[name] = os.path.dirname(getattr(module, "__file__", "") or "") if module else ""
    return {"imported": imported, "failed": failed, "packages": packages}


_RULES: dict = {}
_DEFAULT_RULE = None
_TEST_FILES: set[str] = set()


def _compile_rules(rules: dict) -> None:
    """Resolve each exercise's off-limits paths (``course.integrity``) once, in the zygote."""
    global _DEFAULT_RULE, _TRUSTED
    from course import integrity

    integrity.GRADER = True  # a Checker made by student code starts no watch of its own
    _DEFAULT_RULE = integrity.compiled(integrity.DEFAULT_RULE)
    for exercise, spec in rules.items():
        rule = integrity.Rule(tuple(spec.get("course", ())), tuple(spec.get("library", ())),
                              str(spec.get("advice", integrity.DEFAULT_RULE.advice)),
                              tuple(str(a) for a in spec.get("answers", ())))
        _RULES[exercise] = integrity.compiled(rule)
    integrity.library_roots()
    classes = [integrity.Watch, integrity.Violation, integrity.Targets, integrity.CompiledRule, integrity.Rule]
    _TRUSTED = ({cls: dict(vars(cls)) for cls in classes},
                {k: getattr(integrity, k) for k in ("_ROOTS", "GRADER", "STRICT", "TAMPER_BUILTINS", "TAMPER_FUNCTIONS")},
                dict(_RULES))


_TRUSTED: tuple = ({}, {}, {})


def _restore_watch() -> None:
    """Put back the watch's classes, settings and rules as preloaded: an answer cell may have patched them."""
    from course import integrity

    classes, settings, rules = _TRUSTED
    for cls, members in classes.items():
        for name in [n for n in vars(cls) if n not in members]:
            try:
                delattr(cls, name)
            except (AttributeError, TypeError):
                pass
        for name, value in members.items():
            if vars(cls).get(name, _MISSING) is not value:
                try:
                    setattr(cls, name, value)
                except (AttributeError, TypeError):
                    pass
    for name, value in settings.items():
        setattr(integrity, name, value)
    _RULES.clear()
    _RULES.update(rules)


_SHELL = None
_SNAPSHOT: list[tuple[dict, dict]] = []


def _make_shell():
    """One IPython shell built in the zygote; every child inherits a copy of it."""
    global _SHELL
    os.environ.setdefault("IPYTHONDIR", "/tmp/.ipython-zygote")
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):  # noqa: D401
            _OUT.display("display", data)

        def clear_output(self, wait=False):
            pass

    class Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            _OUT.display("result", format_dict)

        def finish_displayhook(self):
            pass

    class Shell(InteractiveShell):
        def init_display_pub(self):
            self.display_pub = Publisher(shell=self, parent=self)
            self.configurables.append(self.display_pub)

        def init_displayhook(self):
            self.displayhook = Hook(shell=self, cache_size=self.cache_size, parent=self)
            self.configurables.append(self.displayhook)
            self.display_trap = __import__("IPython.core.display_trap", fromlist=["DisplayTrap"]).DisplayTrap(
                hook=self.displayhook
            )

        def showtraceback(self, *args, **kwargs):  # the grader reports errors itself
            pass

        def showsyntaxerror(self, *args, **kwargs):
            pass

        def showindentationerror(self):
            pass

    cfg = Config()
    cfg.HistoryManager.enabled = False
    cfg.InteractiveShell.colors = "NoColor"
    cfg.InteractiveShell.autocall = 0
    cfg.InteractiveShell.autoindent = False
    _SHELL = Shell.instance(config=cfg)
    _SHELL.display_formatter.active_types = ["text/plain", "text/html", "text/markdown", "image/png", "text/latex"]
    return _SHELL


def _snapshot_library() -> None:
    """Remember every module-level function and class as imported, before any student code."""
    from types import ModuleType

    global _SNAPSHOT
    _SNAPSHOT = []
    user_ns = _SHELL.user_ns if _SHELL is not None else None
    for module in list(sys.modules.values()):
        if isinstance(module, ModuleType) and vars(module) is not user_ns and module.__name__ != "__main__":
            try:
                items = {k: v for k, v in vars(module).items() if callable(v) and not isinstance(v, ModuleType)}
            except Exception:  # noqa: BLE001
                continue
            if items:
                _SNAPSHOT.append((vars(module), items))


def _restore_library() -> list[tuple[dict, str, object]]:
    """Put back every snapshotted function/class a student rebound; return what to re-apply after."""
    changed: list[tuple[dict, str, object]] = []
    for namespace, items in _SNAPSHOT:
        get = namespace.get
        for key, value in items.items():
            current = get(key, _MISSING)
            if current is not value:
                changed.append((namespace, key, current))
                namespace[key] = value
    return changed


def _reapply(changed: list[tuple[dict, str, object]]) -> None:
    for namespace, key, value in reversed(changed):
        if value is _MISSING:
            namespace.pop(key, None)
        else:
            namespace[key] = value


# ------------------------------------------------------------- output capture


class _Outputs:
    """Per-cell output collector with byte caps (shared by the stream writers and display hooks)."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.cell_bytes = 0
        self.total_bytes = 0
        self.cell_cap = 64 << 10
        self.total_cap = 1 << 20
        self.truncated = False

    def start_cell(self) -> None:
        self.items = []
        self.cell_bytes = 0
        self.truncated = False

    def _room(self, n: int) -> int:
        return max(0, min(self.cell_cap - self.cell_bytes, self.total_cap - self.total_bytes, n))

    def stream(self, name: str, text: str) -> None:
        if not isinstance(text, str):
            text = str(text)
        room = self._room(len(text))
        if room < len(text):
            if not self.truncated:
                self.truncated = True
                text = text[:room] + f"\n[output truncated: more than {self.cell_cap // 1024} kB]\n"
            else:
                return
        if not text:
            return
        self.cell_bytes += len(text)
        self.total_bytes += len(text)
        if self.items and self.items[-1].get("type") == "stream" and self.items[-1]["name"] == name:
            self.items[-1]["text"] += text
        else:
            self.items.append({"type": "stream", "name": name, "text": text})

    def display(self, kind: str, data) -> None:
        out = {}
        try:
            for mime, value in dict(data).items():
                if type(mime) is not str or mime not in ("text/plain", "text/html", "text/markdown", "image/png", "text/latex"):
                    continue
                if not isinstance(value, str):
                    continue
                if self._room(len(value)) < len(value):
                    self.truncated = True
                    continue
                self.cell_bytes += len(value)
                self.total_bytes += len(value)
                out[mime] = value
        except Exception:  # noqa: BLE001
            return
        if out:
            self.items.append({"type": kind, "data": out})


_OUT = _Outputs()


class _Writer:
    """A text stream that lands in the current cell's outputs (sys.stdout / sys.stderr)."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, name: str) -> None:
        self.name = name

    def write(self, text) -> int:
        _OUT.stream(self.name, text)
        return len(text) if isinstance(text, str) else 0

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return 1 if self.name == "stdout" else 2

    @property
    def closed(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


# ------------------------------------------------------------- the recorder


def _encode(value):
    """Plain data for a check value: ``course.checks.encode`` (exact types only, never pickles)."""
    from course.checks import Unencodable, encode

    try:
        return encode(value)
    except Unencodable as exc:
        return {"__unencodable__": str(exc)[:300]}
    except RecursionError:
        return {"__unencodable__": "value is nested too deeply"}
    except Exception as exc:  # noqa: BLE001 - a hostile object must not break the recorder
        return {"__unencodable__": f"{type(exc).__name__} while reading the value"}


def _shape_of(value):
    import numpy as np

    try:
        return {"__tuple__": [int(n) for n in np.shape(value)]}
    except Exception:  # noqa: BLE001 - same as Checker.shape: no shape
        return None


def _truth(value) -> bool:
    import numpy as np

    return value is True or (type(value) is np.bool_ and bool(value))


class _Recorder:
    """Collects check values of one test cell; handed to the cell as ``__ag_check__``.

    A record counts only when the call comes straight from the test cell's
    own code (its code objects carry a file name with a fresh random part),
    so a student function cannot slip in records of its own by reaching for
    the recorder through the frames that called it.
    """

    def __init__(self, filename: str) -> None:
        self.records: list[dict] = []
        self.bytes = 0
        self.filename = filename

    def check(self, site, kind, value, what=None, hint=None, rtol=None, atol=None, expected=_MISSING):
        self._record(_getframe(1), site, kind, value, what, hint, rtol, atol, expected)

    def _record(self, caller, site, kind, value, what, hint, rtol, atol, expected=_MISSING):
        if caller.f_code.co_filename != self.filename:
            encoded = {"__unencodable__": "a check was recorded from outside the test cell"}
        elif kind == "shape":
            encoded = _shape_of(value)
        elif kind == "true":
            encoded = _truth(value)
        else:
            encoded = _encode(value)
        params = {}
        for key, v in (("rtol", rtol), ("atol", atol)):
            if v is not None:
                try:
                    params[key] = float(v)
                except Exception:  # noqa: BLE001
                    pass
        record = {"site": site if type(site) is int else -1, "kind": kind if type(kind) is str else "?",
                  "value": encoded, "what": what if type(what) is str else None,
                  "hint": hint if type(hint) is str else None, "params": params}
        if expected is not _MISSING:  # the validating run of the instructor's solution
            record["expected"] = _encode(tuple(expected) if kind == "shape" else expected)
        size = len(json.dumps(record, allow_nan=False, default=str))
        if self.bytes + size > MAX_RECORD_BYTES:
            record["value"] = {"__unencodable__": "the values of this cell are too large to check"}
            record.pop("expected", None)
            size = 300
        self.bytes += size
        self.records.append(record)

    def done(self) -> None:
        pass


class _CheckerStandIn:
    """What ``Checker(name)`` becomes in a rewritten test cell (calls not rewritten still record)."""

    def __init__(self, recorder: _Recorder, name=None) -> None:
        self._recorder = recorder
        self.name = name

    def close(self, value, expected=None, *, what=None, hint=None, rtol=None, atol=None):
        self._recorder._record(_getframe(1), -1, "close", value, what, hint, rtol, atol)

    def equal(self, value, expected=None, *, what=None, hint=None):
        self._recorder._record(_getframe(1), -1, "equal", value, what, hint, None, None)

    def shape(self, value, expected=None, *, what=None, hint=None):
        self._recorder._record(_getframe(1), -1, "shape", value, what, hint, None, None)

    def true(self, condition, *, what=None, hint=None):
        self._recorder._record(_getframe(1), -1, "true", condition, what, hint, None, None)

    def done(self):
        pass


# ------------------------------------------------------------------ the child


def _drop_privileges(uid: int | None) -> None:
    if uid is None:
        return
    for cap in range(64):
        _prctl(PR_CAPBSET_DROP, cap)  # EINVAL past the last cap is fine
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit("could not drop privileges")


def _set_limits(limits: dict, as_base: int) -> None:
    def cap(which, soft, hard=None):
        hard = soft if hard is None else hard
        try:
            cur_soft, cur_hard = resource.getrlimit(which)
            if cur_hard != resource.RLIM_INFINITY:
                hard = min(hard, cur_hard)
                soft = min(soft, hard)
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            pass

    mb = 1 << 20
    if limits.get("memory_mb"):
        cap(resource.RLIMIT_AS, as_base + int(limits["memory_mb"]) * mb)
    if limits.get("cpu_seconds"):
        s = int(limits["cpu_seconds"])
        cap(resource.RLIMIT_CPU, s, s + 5)
    if limits.get("fsize_mb"):
        cap(resource.RLIMIT_FSIZE, int(limits["fsize_mb"]) * mb)
    if limits.get("nproc"):
        cap(resource.RLIMIT_NPROC, int(limits["nproc"]))
    cap(resource.RLIMIT_NOFILE, int(limits.get("nofile", 1024)))
    cap(resource.RLIMIT_CORE, 0)


def _vm_size() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _format_error(exc: BaseException, shell, test: bool) -> dict:
    ename = type(exc).__name__
    try:
        evalue = str(exc)
    except Exception:  # noqa: BLE001
        evalue = "<unprintable>"
    tb = ""
    try:
        if test:
            import traceback

            frames = traceback.extract_tb(exc.__traceback__)
            tb = "".join(traceback.format_list(frames[1:])) if len(frames) > 1 else ""
            tb += f"{ename}: {evalue}"
        else:
            stb = shell.InteractiveTB.structured_traceback(type(exc), exc, exc.__traceback__)
            tb = "\n".join(stb)
    except Exception:  # noqa: BLE001
        tb = f"{ename}: {evalue}"
    return {"ename": ename[:200], "evalue": evalue[:2000], "traceback": tb[-MAX_TRACEBACK:]}


def _run_code_cell(shell, code: str) -> dict:
    result = shell.run_cell(code, store_history=True, silent=False)
    exc = result.error_before_exec or result.error_in_exec
    if exc is None:
        return {"status": "ok"}
    return {"status": "error", **_format_error(exc, shell, test=False)}


def _run_test_cell(shell, code: str, name: str, cell: dict | None = None) -> dict:
    changed = _restore_library()  # first: everything below uses library functions
    _restore_watch()
    name = f"{name[:-1]} {os.urandom(8).hex()}>"
    _TEST_FILES.add(name)
    recorder = _Recorder(name)
    ns = shell.user_ns
    saved_builtins = ns.get("__builtins__", _MISSING)
    sys.settrace(None)
    sys.setprofile(None)
    _threading.settrace(None)
    _threading.setprofile(None)
    sys.stdout, sys.stderr = _Writer("stdout"), _Writer("stderr")
    ns["__builtins__"] = _builtins
    ns["__ag_check__"] = recorder.check
    ns["__ag_done__"] = recorder.done
    ns["__ag_checker__"] = lambda *a, **k: _CheckerStandIn(recorder, a[0] if a else None)
    outcome: dict = {"status": "ok"}
    watch = _watch(cell or {}, ns)
    try:
        compiled = compile(code, name, "exec")
        watch.start(stop_frame=_getframe())
        exec(compiled, ns)  # noqa: S102 - the instructor's rewritten test cell
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt included
        outcome = {"status": "error", **_format_error(exc, shell, test=True)}
    finally:
        watch.stop()
        found = watch.first()
        if found is not None:
            outcome["integrity"] = found.as_dict()
        for key in ("__ag_check__", "__ag_done__", "__ag_checker__"):
            ns.pop(key, None)
        if saved_builtins is _MISSING:
            ns.pop("__builtins__", None)
        else:
            ns["__builtins__"] = saved_builtins
        _reapply(changed)
    outcome["records"] = recorder.records
    return outcome


def _watch(cell: dict, namespace: dict):
    """The off-limits watch for one test cell (``course.integrity``), from the rules resolved at preload."""
    from course import integrity

    rule = _RULES.get(cell.get("exercise")) or _DEFAULT_RULE or integrity.compiled(integrity.DEFAULT_RULE)
    callbacks = [c for c in cell.get("callbacks", ()) if isinstance(c, str)]
    return integrity.Watch(rule, _TEST_FILES, callbacks, namespace, integrity.loaded_names(cell.get("code", "")))


def _close_stray_fds(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd in keep or fd < 3:
            continue
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(("pipe:", "socket:")):
            try:
                os.close(fd)
            except OSError:
                pass


def child_main(job: dict, start: int, replay: list[int], wfd: int, uid: int | None, workroot: str, as_base: int,
               protocol_fds: set[int]) -> None:
    """Runs in the forked child; never returns."""
    code = 0
    try:
        for fd in protocol_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        _close_stray_fds({wfd})
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        os.setsid()
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-large file write fails with EFBIG instead
        _drop_privileges(uid)
        _prctl(PR_SET_DUMPABLE, 1)  # the zygote (not the student) reads its memory use from /proc
        _set_limits(job.get("limits", {}), as_base)
        os.umask(0o077)
        workdir = os.path.join(workroot, f"job-{os.getpid()}")
        os.mkdir(workdir, 0o700)
        for rel, blob in job.get("files", []):
            path = os.path.join(workdir, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(base64.b64decode(blob))
        os.chdir(workdir)
        home_env = {"HOME": workdir, "TMPDIR": os.path.join(workdir, ".tmp"), "MPLCONFIGDIR": os.path.join(workdir, ".mpl"),
                    "KERAS_HOME": os.path.join(workdir, ".keras"), "IPYTHONDIR": os.path.join(workdir, ".ipython"),
                    "USER": "student", "LOGNAME": "student"}
        os.makedirs(home_env["TMPDIR"], exist_ok=True)
        os.environ.update(home_env)
        sys.path.insert(0, workdir)
        shell = _SHELL or _make_shell()
        shell.user_ns["__name__"] = "__main__"
        try:  # the zygote's profile folder is not the student's to write (%cd keeps its history there)
            shell.profile_dir.location = os.path.join(home_env["IPYTHONDIR"], "profile_default")
        except Exception:  # noqa: BLE001
            pass
        channel = wfd
        cells = job["cells"]
        sys.stdout, sys.stderr = _Writer("stdout"), _Writer("stderr")
        for k in replay:  # earlier cells of a notebook whose child had to be restarted: outputs dropped
            _send(channel, {"t": "replay", "k": k})
            _OUT.start_cell()
            cell = cells[k]
            _run_code_cell(shell, cell["code"])
        _send(channel, {"t": "replayed"})
        _OUT.total_bytes = 0
        for k in range(start, len(cells)):
            cell = cells[k]
            _send(channel, {"t": "start", "k": k})
            _OUT.start_cell()
            t0 = time.monotonic()
            sys.stdout, sys.stderr = _Writer("stdout"), _Writer("stderr")
            if cell["kind"] == "test":
                outcome = _run_test_cell(shell, cell["code"], f"<test cell {cell.get('grade_id')}>", cell)
            else:
                outcome = _run_code_cell(shell, cell["code"])
            sys.stdout, sys.stderr = _Writer("stdout"), _Writer("stderr")
            _close_figures()
            outcome.update({"t": "end", "k": k, "outputs": _OUT.items, "seconds": round(time.monotonic() - t0, 3)})
            _send(channel, outcome)
        _send(channel, {"t": "finished"})
    except BaseException as exc:  # noqa: BLE001
        try:
            _send(wfd, {"t": "crash", "error": f"{type(exc).__name__}: {exc}"[:500]})
        except BaseException:  # noqa: BLE001
            pass
        code = 70
    os._exit(code)


def _close_figures() -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            plt.close("all")
        except Exception:  # noqa: BLE001
            pass


def _send(fd: int, message: dict) -> None:
    data = (json.dumps(message, allow_nan=False, default=_jsonable) + "\n").encode("utf-8", "replace")
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _jsonable(obj):
    return str(obj)[:200]


# ----------------------------------------------------------------- the zygote


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (orphans re-parent to the zygote, its subreaper)."""
    found: list[int] = []
    stack = _children(root)
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(_children(pid))
    return found


def _rss(pids: list[int]) -> int:
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            pass
    return total


def _private(pids: list[int]) -> int:
    """Memory the processes do not share with anyone (USS), in bytes.

    Resident sizes would count the preloaded libraries, shared copy-on-write
    with the zygote, once per forked process; private pages count what a
    notebook really added.  Falls back to the resident size of a process
    whose smaps cannot be read.
    """
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith(("Private_Clean:", "Private_Dirty:", "Swap:")):
                        total += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            total += _rss([pid])
    return total


def sweep(me: int) -> int:
    """Kill every process left below the zygote and reap them; return how many were killed."""
    killed = 0
    for _ in range(200):
        pids = descendants(me)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        _reap()
        time.sleep(0.005)
    _reap()
    return killed


def _reap() -> list[tuple[int, int]]:
    done = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        done.append((pid, status))
    return done


def _cleanup(workroot: str, uid: int | None) -> None:
    """Remove everything the student's uid left in the writable places (as that uid)."""
    pid = os.fork()
    if pid == 0:
        try:
            import shutil

            _drop_privileges(uid)
            for root in (workroot, "/tmp", "/dev/shm"):
                if uid is None and root != workroot:
                    continue
                try:
                    names = os.listdir(root)
                except OSError:
                    continue
                for name in names:
                    path = os.path.join(root, name)
                    try:
                        st = os.lstat(path)
                    except OSError:
                        continue
                    if uid is not None and st.st_uid != uid:
                        continue
                    if uid is None and not name.startswith("job-"):
                        continue
                    if os.path.isdir(path) and not os.path.islink(path):
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        try:
                            os.unlink(path)
                        except OSError:
                            pass
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


class Zygote:
    """Runs jobs one at a time; see the module docstring."""

    def __init__(self, channel: Channel, uid: int | None, workroot: str) -> None:
        self.channel = channel
        self.uid = uid
        self.workroot = workroot
        self.me = os.getpid()

    def serve(self) -> None:
        while True:
            message = self.channel.read()
            if message is None or message.get("op") == "exit":
                return
            op = message.get("op")
            if op == "preload":
                info = preload(list(message.get("modules", [])), dict(message.get("env", {})),
                               dict(message.get("rules", {})))
                self.channel.send({"event": "ready", "protocol": PROTOCOL_VERSION, "uid": self.uid,
                                   "python": sys.version.split()[0], **info})
            elif op == "run":
                self.run_job(message)
            elif op == "ping":
                self.channel.send({"event": "pong"})
            else:
                self.channel.send({"event": "error", "message": f"unknown op {op!r}"})

    def run_job(self, job: dict) -> None:
        limits = job.get("limits", {})
        self.limits = limits
        self.sent = [0]
        cells = job["cells"]
        n = len(cells)
        job_id = job.get("id")
        cell_timeout = float(limits.get("cell_timeout", 60))
        notebook_deadline = time.monotonic() + float(limits.get("notebook_timeout", 600))
        # The child shares the zygote's pages (TensorFlow alone is ~650 MB resident): the budget is on top.
        memory = (int(limits["memory_mb"]) << 20) if limits.get("memory_mb") else 0
        max_restarts = int(limits.get("max_restarts", 3))
        as_base = _vm_size()
        started = time.monotonic()
        skipped: set[int] = set()
        start = 0
        restarts = 0
        reported: set[int] = set()
        replay_failed = False
        while start < n:
            replay = [k for k in range(start) if k not in skipped and cells[k]["kind"] != "test"]
            rfd, wfd = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(rfd)
                child_main(job, start, replay, wfd, self.uid, self.workroot, as_base,
                           {self.channel.rfile.fileno(), self.channel.wfd})
            os.close(wfd)
            outcome = self._watch(pid, rfd, cells, start, cell_timeout, notebook_deadline, memory, job_id, reported)
            os.close(rfd)
            sweep(self.me)
            _cleanup(self.workroot, self.uid)
            if outcome is None:
                break  # the child finished the notebook
            bad, status = outcome
            skipped.add(bad)
            if status in ("timeout-notebook", "replay-failed"):
                replay_failed = status == "replay-failed"
                break
            restarts += 1
            if restarts > max_restarts:
                break
            start = bad + 1
        for k in range(n):
            if k not in reported:
                if time.monotonic() >= notebook_deadline:
                    status, why = "timeout", "the notebook's time limit was reached before this cell ran"
                elif replay_failed:
                    status, why = "not-run", "not run: the notebook could not be restarted after an earlier cell stopped"
                else:
                    status, why = "not-run", "not run: the notebook's process was restarted too often"
                self._emit(job_id, cells, k, {"status": status, "message": why, "outputs": []})
        self.channel.send({"event": "done", "id": job_id, "restarts": restarts,
                           "seconds": round(time.monotonic() - started, 3)})

    def _emit(self, job_id, cells, k: int, payload: dict) -> None:
        payload = dict(payload)
        payload.pop("t", None)
        payload.pop("k", None)
        message = {"event": "cell", "id": job_id, "index": k, "kind": cells[k]["kind"],
                   "grade_id": cells[k].get("grade_id"), **payload}
        self.channel.send(message)

    def _watch(self, pid, rfd, cells, start, cell_timeout, notebook_deadline, memory, job_id, reported):
        """Relay the child's messages; return None when it finished, else (bad cell index, status)."""
        w = _Watch(self, pid, cells, start, job_id, reported)
        w.limits = self.limits
        w.sent = self.sent
        buf = b""
        pidfd = os.pidfd_open(pid)
        last_mem = 0.0
        mem_interval = 0.1
        try:
            while True:
                now = time.monotonic()
                busy = w.current is not None or w.replaying is not None
                cell_deadline = w.cell_started + cell_timeout if busy else float("inf")
                deadline = min(notebook_deadline, cell_deadline)
                if now >= deadline and w.replaying is not None and now < notebook_deadline:
                    return w.stop("killed", f"not run: cell {w.replaying + 1} hung when the notebook was restarted "
                                  "after an earlier cell stopped", "replay-failed")
                if now >= deadline:
                    notebook = now >= notebook_deadline
                    limit = "the notebook's time limit" if notebook else f"the cell time limit of {cell_timeout:g} s"
                    return w.stop("timeout", f"stopped: this cell ran past {limit}",
                                  "timeout-notebook" if notebook else "timeout")
                if memory and now - last_mem >= mem_interval:
                    used = _private(descendants(self.me))
                    mem_interval = max(0.1, 10 * (time.monotonic() - now))  # at most ~10% of a core
                    last_mem = time.monotonic()
                    if used > memory:
                        return w.stop("killed", "stopped: this cell used more than the memory limit of "
                                      f"{int(w.limits.get('memory_mb', 0))} MB")
                ready, _, _ = select.select([rfd, pidfd], [], [], max(0.0, min(0.1, deadline - now)))
                if rfd in ready:
                    chunk = os.read(rfd, 1 << 20)
                    if chunk:
                        buf += chunk
                        if len(buf) > MAX_MESSAGE:
                            return w.stop("killed", "stopped: this cell produced more output than the grader accepts")
                        while b"\n" in buf:
                            line, buf = buf.split(b"\n", 1)
                            verdict = w.handle(line)
                            if verdict == "finished":
                                return None
                            if verdict == "bad":
                                return w.stop("killed", "stopped: the notebook's process broke the grader's protocol")
                        continue
                if pidfd in ready or rfd in ready:  # the child exited, or closed its end of the pipe
                    status = _wait(pid, 1.0)
                    if status is None:
                        return w.stop("killed", "stopped: the notebook's process closed the grader's channel")
                    while True:  # what the child wrote just before it ended
                        r, _, _ = select.select([rfd], [], [], 0)
                        more = os.read(rfd, 1 << 20) if r else b""
                        if not more:
                            break
                        buf += more
                    for line in buf.split(b"\n")[:-1] if buf else []:
                        verdict = w.handle(line)
                        if verdict == "finished":
                            return None
                        if verdict == "bad":
                            break
                    if w.position() >= len(cells):
                        return None
                    status_name, message = _exit_status(status, w.crash)
                    return w.report(status_name, message, "killed")
        finally:
            os.close(pidfd)

    def _kill(self, pid: int) -> None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        sweep(self.me)


class _Watch:
    """The zygote's view of one child: which cell runs, and the messages it may send next."""

    def __init__(self, zygote: Zygote, pid: int, cells: list, start: int, job_id, reported: set[int]) -> None:
        self.zygote = zygote
        self.pid = pid
        self.cells = cells
        self.expected = start
        self.current: int | None = None
        self.cell_started = time.monotonic()
        self.job_id = job_id
        self.reported = reported
        self.crash = ""
        self.replaying: int | None = None

    def position(self) -> int:
        return self.current if self.current is not None else self.expected

    def report(self, status: str, message: str, verdict: str):
        k = self.position()
        if k >= len(self.cells):
            return None
        self.zygote._emit(self.job_id, self.cells, k, {"status": status, "message": message, "outputs": []})
        self.reported.add(k)
        return k, verdict

    def stop(self, status: str, message: str, verdict: str = "killed"):
        self.zygote._kill(self.pid)
        return self.report(status, message, verdict)

    def handle(self, line: bytes):
        self.sent[0] += len(line)
        if len(line) > MAX_MESSAGE or self.sent[0] > MAX_JOB_BYTES:
            return "bad"
        try:
            msg = json.loads(line)
        except (ValueError, RecursionError):
            return "bad"
        if type(msg) is not dict:
            return "bad"
        t = msg.get("t")
        if t == "replay":
            k = msg.get("k")
            if type(k) is not int or self.current is not None or not (0 <= k < self.expected):
                return "bad"
            self.replaying = k
            self.cell_started = time.monotonic()
            return None
        if t == "replayed":
            self.replaying = None
            return None
        if t == "finished":
            return "finished" if self.current is None and self.expected >= len(self.cells) else "bad"
        if t == "crash":
            self.crash = str(msg.get("error", ""))[:500]
            return None
        k = msg.get("k")
        if type(k) is not int or k != self.expected:
            return "bad"
        if t == "start":
            if self.current is not None or self.replaying is not None:
                return "bad"
            self.current = k
            self.cell_started = time.monotonic()
            return None
        if t == "end":
            if self.current != k:
                return "bad"
            payload = {key: msg[key] for key in ("status", "ename", "evalue", "traceback", "outputs", "records", "seconds",
                                                 "integrity") if key in msg}
            if payload.get("status") not in ("ok", "error"):
                return "bad"
            if self.cells[k]["kind"] != "test":
                payload.pop("records", None)
                payload.pop("integrity", None)
            self.zygote._emit(self.job_id, self.cells, k, payload)
            self.reported.add(k)
            self.current = None
            self.expected = k + 1
            return None
        return "bad"


def _wait(pid: int, timeout: float) -> int | None:
    end = time.monotonic() + timeout
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return 0
        if done:
            return status
        if time.monotonic() >= end:
            return None
        time.sleep(0.01)


def _exit_status(status: int | None, crash: str = "") -> tuple[str, str]:
    if crash:
        return "error", f"the grader could not run this notebook: {crash}"
    if status is None:
        return "killed", "the notebook's process stopped during this cell"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGXCPU:
            return "killed", "stopped: the notebook used up its CPU time limit"
        return "killed", f"the notebook's process was killed by {name} during this cell"
    code = os.WEXITSTATUS(status)
    return "error", f"the notebook's process exited (exit code {code}) during this cell"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="the autograder's sandboxed runner (speaks JSON lines)")
    parser.add_argument("--uid", type=int, help="run student code as this uid (needs CAP_SETUID)")
    parser.add_argument("--workroot", default="/work", help="where each child makes its private folder")
    args = parser.parse_args(argv)
    # The protocol gets private copies of stdin/stdout; fd 0/1 then point at /dev/null so that
    # nothing a library prints can corrupt it.
    rfd, wfd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = open(os.devnull, "w")
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.makedirs(args.workroot, exist_ok=True)
    channel = Channel(rfd, wfd)
    Zygote(channel, args.uid, args.workroot).serve()
    sweep(os.getpid())
    return 0


if __name__ == "__main__":
    sys.exit(main())
