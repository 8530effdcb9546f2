"""Worker slots that run notebooks: a local pool of sandboxed runners, or Dask workers.

A :class:`Runner` is one long-lived ``autograder.runner`` process (in its
sandbox) with the assignment's libraries imported; it grades one notebook at a
time.  :class:`LocalPool` keeps ``N`` of them; :class:`DaskPool` sends the same
jobs to a Dask distributed cluster, where each worker process keeps its own
runner.  Jobs and results are plain data (JSON-able dicts) both ways; the
coordinating process alone compares values and writes the gradebook.

Defined for the trusted autograder (issue 6).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from typing import Callable, Iterable

from autograder import sandbox as sb

MAX_LINE = 96 << 20  # one message from the runner
START_TIMEOUT = 300.0


@dataclass(frozen=True)
class RunnerSpec:
    """Everything a worker needs to start a runner: plain data, so Dask can ship it."""

    sandbox: str = "bwrap"
    preload: tuple[str, ...] = ()
    rules: str = ""  # JSON: exercise -> off-limits paths (course.integrity), resolved by the runner at preload
    env: tuple[tuple[str, str], ...] = ()
    tmp_mb: int = 512
    home_mb: int = 1024

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


class RunnerError(RuntimeError):
    """The runner could not start or stopped answering."""


def _spawner_loop(requests: queue.Queue) -> None:
    while True:
        args, kwargs, reply = requests.get()
        try:
            reply.put((subprocess.Popen(*args, **kwargs), None))
        except Exception as exc:  # noqa: BLE001 - handed back to the caller
            reply.put((None, exc))


_SPAWN_REQUESTS: queue.Queue = queue.Queue()
_SPAWNER: threading.Thread | None = None
_SPAWNER_LOCK = threading.Lock()


def spawn(*args, **kwargs) -> subprocess.Popen:
    """Popen from one long-lived thread.

    bubblewrap's --die-with-parent (and the runner's own parent-death signal)
    fire when the *thread* that started the process exits; starting runners
    from short-lived pool threads would kill them as soon as the pool thread
    is recycled.
    """
    global _SPAWNER
    with _SPAWNER_LOCK:
        if _SPAWNER is None or not _SPAWNER.is_alive():
            _SPAWNER = threading.Thread(target=_spawner_loop, args=(_SPAWN_REQUESTS,), name="autograder-spawner",
                                        daemon=True)
            _SPAWNER.start()
    reply: queue.Queue = queue.Queue()
    _SPAWN_REQUESTS.put((args, kwargs, reply))
    proc, exc = reply.get()
    if exc is not None:
        raise exc
    return proc


class Runner:
    """One sandboxed runner process and the protocol to it."""

    def __init__(self, spec: RunnerSpec) -> None:
        self.spec = spec
        self.proc: subprocess.Popen | None = None
        self.slot: sb.Slot | None = None
        self.workroot: str | None = None
        self.events: queue.Queue = queue.Queue()
        self.stderr: deque[str] = deque(maxlen=50)
        self.info: dict = {}

    # ----------------------------------------------------------- life cycle

    def start(self) -> None:
        box = sb.Sandbox(self.spec.sandbox, tmp_mb=self.spec.tmp_mb, home_mb=self.spec.home_mb, env=dict(self.spec.env))
        if self.spec.sandbox == "bwrap":
            if self.slot is None:
                self.slot = sb.claim_slot()
            cmd = sb.bwrap_command(self.slot.uid, box)
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        else:
            self.workroot = tempfile.mkdtemp(prefix="autograder-none-")
            cmd = sb.none_command(self.workroot)
            env = sb.none_env(box, self.workroot)
        self.events = queue.Queue()
        self.proc = spawn(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, start_new_session=True, cwd=self.workroot or "/",
        )
        threading.Thread(target=self._read_stdout, args=(self.proc, self.events), daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(self.proc,), daemon=True).start()
        self._send({"op": "preload", "modules": list(self.spec.preload), "env": dict(self.spec.env),
                    "rules": json.loads(self.spec.rules or "{}")})
        ready = self._next(time.monotonic() + START_TIMEOUT)
        if ready is None or ready.get("event") != "ready":
            self.close()
            raise RunnerError(f"the runner did not start: {self.describe_failure()}")
        wrong = sb.foreign_packages(ready.get("packages") or {}, self.spec.sandbox)
        if wrong:
            self.close()
            raise RunnerError(wrong)
        self.info = ready

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                if proc.poll() is None:
                    try:
                        proc.stdin.write(b'{"op":"exit"}\n')
                        proc.stdin.flush()
                    except (BrokenPipeError, OSError, ValueError):
                        pass
                    try:
                        proc.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        pass
            finally:
                if proc.poll() is None:
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait()
                for stream in (proc.stdin, proc.stdout, proc.stderr):
                    try:
                        stream.close()
                    except Exception:  # noqa: BLE001
                        pass
        if self.workroot:
            shutil.rmtree(self.workroot, ignore_errors=True)
            self.workroot = None

    def release(self) -> None:
        self.close()
        if self.slot is not None:
            self.slot.release()
            self.slot = None

    def describe_failure(self) -> str:
        code = self.proc.poll() if self.proc else None
        tail = " | ".join(line.strip() for line in list(self.stderr)[-5:] if line.strip())
        return f"exit status {code}; {tail}" if tail else f"exit status {code}"

    # ------------------------------------------------------------- protocol

    def _send(self, message: dict) -> None:
        data = (json.dumps(message, allow_nan=False) + "\n").encode()
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as exc:
            raise RunnerError(f"the runner stopped: {self.describe_failure()}") from exc

    @staticmethod
    def _read_stdout(proc: subprocess.Popen, events: queue.Queue) -> None:
        stream = proc.stdout
        while True:
            try:
                line = stream.readline(MAX_LINE)
            except (OSError, ValueError):
                break
            if not line:
                break
            if not line.endswith(b"\n"):
                events.put({"event": "protocol-error", "message": "a message from the runner was too long"})
                break
            try:
                message = json.loads(line)
            except (ValueError, RecursionError):
                events.put({"event": "protocol-error", "message": "the runner sent something that is not JSON"})
                break
            if type(message) is not dict:
                events.put({"event": "protocol-error", "message": "the runner sent a message that is not an object"})
                break
            events.put(message)
        events.put(None)

    def _read_stderr(self, proc: subprocess.Popen) -> None:
        for raw in iter(lambda: proc.stderr.readline(1 << 16), b""):
            self.stderr.append(raw.decode("utf-8", "replace"))

    def _next(self, deadline: float) -> dict | None:
        try:
            return self.events.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None

    def run(self, job: dict) -> dict:
        """Grade one notebook; always returns a result (cells the runner never reported are marked)."""
        if not self.alive():
            self.start()
        limits = job.get("limits", {})
        deadline = time.monotonic() + float(limits.get("notebook_timeout", 600)) + 60.0
        cells: dict[int, dict] = {}
        result = {"id": job.get("id"), "cells": cells, "restarts": 0, "seconds": None, "runner_error": None}
        started = time.monotonic()
        try:
            self._send({"op": "run", **job})
        except RunnerError as exc:
            result["runner_error"] = str(exc)
            return self._finish(job, result)
        while True:
            event = self._next(deadline)
            if event is None:
                result["runner_error"] = (
                    "the grader's runner stopped answering" if self.alive() else
                    f"the grader's runner stopped ({self.describe_failure()})"
                )
                self.close()
                break
            kind = event.get("event")
            if kind == "cell" and event.get("id") == job.get("id"):
                index = event.get("index")
                if type(index) is int and 0 <= index < len(job["cells"]):
                    cells[index] = event
            elif kind == "done" and event.get("id") == job.get("id"):
                result["restarts"] = event.get("restarts", 0)
                break
            elif kind == "protocol-error":
                result["runner_error"] = event.get("message")
                self.close()
                break
        result["seconds"] = round(time.monotonic() - started, 3)
        return self._finish(job, result)

    @staticmethod
    def _finish(job: dict, result: dict) -> dict:
        cells = result["cells"]
        for index in range(len(job["cells"])):
            if index not in cells:
                cells[index] = {"event": "cell", "index": index, "status": "killed", "outputs": [],
                                "message": result["runner_error"] or "the cell was never run"}
        result["cells"] = [cells[i] for i in range(len(job["cells"]))]
        return result


# -------------------------------------------------------------------- pools


class LocalPool:
    """``workers`` runners on this machine; jobs go to whichever is free."""

    def __init__(self, spec: RunnerSpec, workers: int) -> None:
        self.spec = spec
        self.workers = max(1, int(workers))
        self.idle: queue.Queue = queue.Queue()
        self.runners: list[Runner] = []
        self.lock = threading.Lock()

    def __enter__(self) -> "LocalPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _take(self) -> Runner:
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            pass
        with self.lock:
            if len(self.runners) < self.workers:
                runner = Runner(self.spec)
                self.runners.append(runner)
                return runner
        return self.idle.get()

    def _run_one(self, job: dict) -> dict:
        runner = self._take()
        try:
            return runner.run(job)
        except RunnerError as exc:
            return Runner._finish(job, {"id": job.get("id"), "cells": {}, "restarts": 0, "seconds": None,
                                        "runner_error": str(exc)})
        finally:
            self.idle.put(runner)

    def start(self) -> None:
        """Start every runner now (in parallel), so start-up failures surface before any grading."""
        with ThreadPoolExecutor(self.workers) as ex:
            runners = [self._take() for _ in range(self.workers)]
            list(ex.map(lambda r: r.start(), runners))
        for r in runners:
            self.idle.put(r)

    def run(self, jobs: Iterable[dict], on_result: Callable[[dict, dict], None] | None = None) -> list[tuple[dict, dict]]:
        jobs = list(jobs)
        done: list[tuple[dict, dict]] = []
        with ThreadPoolExecutor(self.workers) as ex:
            futures = {ex.submit(self._run_one, job): job for job in jobs}
            for fut in as_completed(futures):
                job = futures[fut]
                result = fut.result()
                done.append((job, result))
                if on_result:
                    on_result(job, result)
        return done

    def close(self) -> None:
        with ThreadPoolExecutor(max(1, len(self.runners))) as ex:
            list(ex.map(lambda r: r.release(), self.runners))
        self.runners = []


# ----------------------------------------------------------------- dask


_DASK_RUNNERS: dict[str, Runner] = {}
_DASK_LOCK = threading.Lock()


def run_on_worker(spec: dict, job: dict) -> dict:
    """Executed by a Dask worker: run ``job`` in this worker process's own sandboxed runner."""
    runner_spec = RunnerSpec(**{k: tuple(tuple(x) if isinstance(x, list) else x for x in v) if isinstance(v, list) else v
                                for k, v in spec.items()})
    with _DASK_LOCK:
        runner = _DASK_RUNNERS.get(runner_spec.key())
        if runner is None:
            for old in _DASK_RUNNERS.values():
                old.release()
            _DASK_RUNNERS.clear()
            runner = _DASK_RUNNERS[runner_spec.key()] = Runner(runner_spec)
        try:
            result = runner.run(job)
        except RunnerError as exc:
            result = Runner._finish(job, {"id": job.get("id"), "cells": {}, "restarts": 0, "seconds": None,
                                          "runner_error": str(exc)})
        result["worker"] = os.uname().nodename + f":{os.getpid()}"
        return json.loads(json.dumps(result, allow_nan=False))


class DaskPool:
    """The same jobs on a Dask distributed cluster (``--scheduler tcp://HOST:PORT``)."""

    connect_timeout = 10.0

    def __init__(self, spec: RunnerSpec, address: str) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RunnerError("--scheduler needs Dask distributed: pip install 'distributed'") from exc
        self.spec = spec
        try:
            self.client = Client(address, timeout=self.connect_timeout, set_as_default=False)
        except Exception as exc:  # noqa: BLE001
            raise RunnerError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc

    def __enter__(self) -> "DaskPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        if not self.client.scheduler_info().get("workers"):
            raise RunnerError("the Dask cluster has no workers")

    def run(self, jobs: Iterable[dict], on_result: Callable[[dict, dict], None] | None = None) -> list[tuple[dict, dict]]:
        from distributed import as_completed as dask_completed

        spec = asdict(self.spec)
        jobs = list(jobs)
        futures = {}
        for job in jobs:
            fut = self.client.submit(run_on_worker, spec, job, pure=False, key=f"autograde-{job['id']}-{time.time_ns()}")
            futures[fut] = job
        done = []
        for fut in dask_completed(futures, loop=self.client.loop):
            job = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker costs that job, not the batch
                result = Runner._finish(job, {"id": job.get("id"), "cells": {}, "restarts": 0, "seconds": None,
                                              "runner_error": f"the Dask worker failed: {exc}"})
            done.append((job, result))
            if on_result:
                on_result(job, result)
        return done

    def close(self) -> None:
        self.client.close()


def make_pool(spec: RunnerSpec, workers: int, scheduler: str | None) -> "LocalPool | DaskPool":
    return DaskPool(spec, scheduler) if scheduler else LocalPool(spec, workers)
