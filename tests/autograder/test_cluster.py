"""Scale: a real Dask scheduler with two workers on 127.0.0.1, and a real PostgreSQL gradebook.

Nothing here is skipped: when PostgreSQL is missing the test fails with the
line that installs it (`.ci/run` installs it from .ci/debian-packages.txt).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from autograder.grade import GradeOptions, grade
from tests.autograder import helpers as h

A = h.TOY
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on port {port} within {timeout:g} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def course_with_students(tmp: Path, students: dict[str, dict[str, str]]) -> Path:
    course = h.toy_course(tmp)
    rel = h.toy_release(course)
    for student, answers in students.items():
        h.submit(course, student, A, h.fill(rel, answers))
    return course


RIGHT = {g: h.toy_solution(g) for g in ("add", "mean", "scale")}
WRONG_MEAN = {**RIGHT, "mean": "def mean(xs):\n    return 0.0"}


# ------------------------------------------------------------------ Dask


@pytest.fixture(scope="module")
def dask_cluster():
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    port = free_port()
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", "127.0.0.1:0"], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        wait_for_port(port, procs[0], "the Dask scheduler")
        for _ in range(2):
            procs.append(subprocess.Popen([str(BIN / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nworkers", "1",
                                           "--nthreads", "1", "--no-dashboard"], env=env, start_new_session=True,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield f"tcp://127.0.0.1:{port}"
    finally:
        for proc in reversed(procs):
            stop(proc)


def test_grading_on_a_dask_cluster_with_two_workers(dask_cluster, tmp_path: Path) -> None:
    students = {f"s{i}": (RIGHT if i % 2 == 0 else WRONG_MEAN) for i in range(6)}
    course = course_with_students(tmp_path, students)
    grade(GradeOptions(A, course, scheduler=dask_cluster), log=lambda s: None)
    rows = h.by_cell(h.csv_rows(course, A))
    for student, answers in students.items():
        assert rows[(student, "add_test")]["status"] == "passed"
        assert rows[(student, "mean_test")]["status"] == ("passed" if answers is RIGHT else "failed")
    assert rows[("s1", "mean_test")]["message"] == (
        "check 1 (mean([1, 2, 3])) failed: expected 2, got 0. Try: Sum and divide by the count.")
    workers = set()
    for path in (course / "reports" / A / "results").glob("*.json"):
        workers.add(json.loads(path.read_text())["notebooks"][A]["worker"])
    assert len(workers) == 2, f"both Dask workers graded (saw {workers})"
    assert h.gradebook_scores(course, A)[("s1", "mean_test")] == 0.0, "the coordinator wrote the gradebook"


def test_an_unreachable_scheduler_stops_the_grader(tmp_path: Path, monkeypatch) -> None:
    from autograder.grade import GraderError
    from autograder.pool import DaskPool

    monkeypatch.setattr(DaskPool, "connect_timeout", 2.0)
    course = course_with_students(tmp_path, {"s0": RIGHT})
    with pytest.raises(GraderError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:"):
        grade(GradeOptions(A, course, scheduler=f"tcp://127.0.0.1:{free_port()}"), log=lambda s: None)


# ------------------------------------------------------------- PostgreSQL


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        pytest.fail("PostgreSQL is not installed: apt-get install -y postgresql "
                    "(bash .ci/run installs it from .ci/debian-packages.txt)")
    return found


@pytest.fixture(scope="module")
def postgres():
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if as_postgres:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()
    subprocess.run([*as_postgres, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, pg_ctl, "-D", str(data), "-w", "-l", str(root / "log"), "-o",
                    f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE gradebook")
        yield f"postgresql://postgres@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([*as_postgres, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def test_several_graders_share_a_postgresql_gradebook(postgres: str, tmp_path: Path) -> None:
    students = {"alice": RIGHT, "bob": WRONG_MEAN, "carol": RIGHT, "dave": WRONG_MEAN}
    course = course_with_students(tmp_path, students)
    grade(GradeOptions(A, course, students=["alice"], workers=1, db=postgres), log=lambda s: None)
    errors: list[BaseException] = []

    def grader(names: list[str]) -> None:
        env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
        args = [sys.executable, "-m", "autograder", "grade", A, "--db", postgres, "--workers", "1"]
        for name in names:
            args += ["--student", name]
        proc = subprocess.run(args, cwd=course, env=env, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            errors.append(AssertionError(proc.stderr))

    threads = [threading.Thread(target=grader, args=(names,)) for names in (["bob"], ["carol", "dave"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    scores = h.gradebook_scores(course, A, url=postgres)
    assert {s for s, _ in scores} == set(students)
    for student, answers in students.items():
        assert scores[(student, "mean_test")] == (2.0 if answers is RIGHT else 0.0)
        assert scores[(student, "add_test")] == 1.0
    assert not (course / "gradebook.db").exists(), "nothing went to the SQLite default"
