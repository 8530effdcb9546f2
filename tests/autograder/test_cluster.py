"""Scale and faults: a real Dask scheduler with two workers on 127.0.0.1, and a real PostgreSQL gradebook.

Faults lose nothing: a Dask worker killed with SIGKILL mid-run has its jobs run
on the other; a PostgreSQL server restarted mid-run (while the jobs run, and
while the scores are written) is retried, and one that stays away stops the
run with a message and nothing half-written.

Nothing here is skipped: when PostgreSQL is missing the test fails with the
line that installs it (`.ci/run` installs it from .ci/debian-packages.txt).
"""

from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def running_dask(n_workers: int = 2):
    """A scheduler and ``n_workers`` one-thread workers (each a nanny and its worker process, own session)."""
    env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    port = free_port()
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", "127.0.0.1:0"], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        wait_for_port(port, procs[0], "the Dask scheduler")
        for _ in range(n_workers):
            procs.append(subprocess.Popen([str(BIN / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nworkers", "1",
                                           "--nthreads", "1", "--no-dashboard"], env=env, start_new_session=True,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout=30) as client:
            client.wait_for_workers(n_workers, timeout=60)
        yield f"tcp://127.0.0.1:{port}", procs[1:]
    finally:
        for proc in reversed(procs):
            stop(proc)


@pytest.fixture(scope="module")
def dask_cluster():
    with running_dask(2) as (address, _):
        yield address


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


#: An answer that takes a second, so that jobs are still running when a worker is killed.
SLOW_RIGHT = {**RIGHT, "add": "import time\ntime.sleep(1.0)\n" + RIGHT["add"]}


def test_a_dask_worker_killed_mid_run_has_its_jobs_run_on_the_other(tmp_path: Path) -> None:
    import psutil
    from distributed import Client

    students = {f"s{i}": (SLOW_RIGHT if i % 2 == 0 else WRONG_MEAN) for i in range(8)}
    course = course_with_students(tmp_path, students)
    with running_dask(2) as (address, workers), Client(address, timeout=30, set_as_default=False) as watcher:
        killed: dict = {}
        worker_pid = watcher.run(os.getpid)  # address -> the worker process's pid

        def log(line: str) -> None:
            if not line.startswith("[") or killed:
                return
            # The first result is in: kill (SIGKILL, nanny and all) a worker that is running a job now.
            busy = {addr: keys for addr, keys in watcher.processing().items() if keys}
            for proc in workers:
                pids = {proc.pid} | {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
                addr = next((a for a in busy if worker_pid.get(a) in pids), None)
                if addr:
                    killed.update(addr=addr, pids=pids, jobs={k.rsplit("-", 1)[0].removeprefix("autograde-")
                                                              for k in busy[addr]})
                    os.killpg(proc.pid, signal.SIGKILL)
                    return

        grade(GradeOptions(A, course, scheduler=address), log=log)
    assert killed, "a worker was busy when the first result came in"
    raw = h.csv_rows(course, A)
    rows = h.by_cell(raw)
    assert len(raw) == len(rows) and {s for s, _ in rows} == set(students), "no lost and no duplicated rows"
    for student, answers in students.items():
        assert rows[(student, "add_test")]["status"] == "passed", rows[(student, "add_test")]
        assert rows[(student, "mean_test")]["status"] == ("failed" if answers is WRONG_MEAN else "passed")
    results = {p.stem: json.loads(p.read_text()) for p in (course / "reports" / A / "results").glob("*.json")}
    assert set(results) == set(students)
    for job in killed["jobs"]:
        student, nb = job.split("/")
        entry = results[student]["notebooks"][nb]
        pid = int(entry["worker"].rsplit(":", 1)[1])
        assert pid not in killed["pids"], f"{job}, running on the killed worker, was run again on the other"
        assert not any("runner failed" in n for n in entry["notes"]), entry["notes"]
    scores = h.gradebook_scores(course, A)
    assert len({s for s, _ in scores}) == 8


# ------------------------------------------------------------- PostgreSQL


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        pytest.fail("PostgreSQL is not installed: apt-get install -y postgresql "
                    "(bash .ci/run installs it from .ci/debian-packages.txt)")
    return found


class Postgres:
    """A throwaway PostgreSQL server (its own data folder, port and socket) that tests stop and restart."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.root = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
        self.data, sock = self.root / "data", self.root / "sock"
        sock.mkdir()
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
            shutil.chown(sock, "postgres")
        self.port = free_port()
        self.options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {sock} -c fsync=off"
        subprocess.run([*self.as_postgres, self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres",
                        "--no-sync"], check=True, capture_output=True)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/gradebook"

    def ctl(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, self.pg_ctl, "-D", str(self.data), "-w", "-l", str(self.root / "log"),
                        "-o", self.options, *args], check=True, capture_output=True)

    def start(self) -> None:
        self.ctl("start")

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, open transactions rolled back."""
        self.ctl("-m", "fast", "stop")

    def restart(self) -> None:
        self.ctl("-m", "fast", "restart")


@pytest.fixture(scope="module")
def postgres():
    pg = Postgres()
    pg.start()
    try:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={pg.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE gradebook")
        yield pg
    finally:
        subprocess.run([*pg.as_postgres, pg.pg_ctl, "-D", str(pg.data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(pg.root, ignore_errors=True)


def test_several_graders_share_a_postgresql_gradebook(postgres: Postgres, tmp_path: Path) -> None:
    url = postgres.url
    students = {"alice": RIGHT, "bob": WRONG_MEAN, "carol": RIGHT, "dave": WRONG_MEAN}
    course = course_with_students(tmp_path, students)
    grade(GradeOptions(A, course, students=["alice"], workers=1, db=url), log=lambda s: None)
    errors: list[BaseException] = []

    def grader(names: list[str]) -> None:
        env = dict(os.environ, PATH=f"{BIN}:{os.environ.get('PATH', '')}")
        args = [sys.executable, "-m", "autograder", "grade", A, "--db", url, "--workers", "1"]
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
    scores = h.gradebook_scores(course, A, url=url)
    assert {s for s, _ in scores} == set(students)
    for student, answers in students.items():
        assert scores[(student, "mean_test")] == (2.0 if answers is RIGHT else 0.0)
        assert scores[(student, "add_test")] == 1.0
    assert not (course / "gradebook.db").exists(), "nothing went to the SQLite default"


def _regrade_course(tmp_path: Path, url: str, n: int = 5) -> tuple[Path, list[str]]:
    """A course graded once with every mean wrong (in the gradebook), then every answer put right."""
    students = [f"pg{tmp_path.name[-6:]}{i}".replace("_", "") for i in range(n)]
    course = course_with_students(tmp_path, {s: WRONG_MEAN for s in students})
    grade(GradeOptions(A, course, workers=1, db=url), log=lambda s: None)
    rel = h.toy_release(course)
    for s in students:
        h.submit(course, s, A, h.fill(rel, RIGHT))
    return course, students


def _cut_while_recording(monkeypatch, at: int, cut) -> list[str]:
    """Call ``cut()`` when the gradebook is about to take the ``at``-th student's scores."""
    from autograder import gradebook

    real, calls = gradebook._record_one, [0]

    def record_one(gb, assignment, g):
        calls[0] += 1
        if calls[0] == at:
            cut()
        return real(gb, assignment, g)

    monkeypatch.setattr(gradebook, "_record_one", record_one)
    return calls


def test_a_postgresql_restart_mid_run_is_retried_and_loses_nothing(postgres: Postgres, tmp_path: Path,
                                                                   monkeypatch) -> None:
    from autograder import gradebook

    course, students = _regrade_course(tmp_path, postgres.url)
    _cut_while_recording(monkeypatch, 3, postgres.restart)  # two students written, then the server restarts
    seen_at_retry: list[dict] = []
    lines: list[str] = []

    def log(line: str) -> None:
        lines.append(line)
        if line.startswith("[1/"):
            postgres.restart()  # and once while the jobs run
        if "went away" in line:  # the grader is about to try again: what does the gradebook hold now?
            seen_at_retry.append(h.gradebook_scores(course, A, url=postgres.url))

    grade(GradeOptions(A, course, workers=1, db=postgres.url), log=log)
    assert len(seen_at_retry) == 1, "\n".join(lines)
    for s in students:  # rolled back: the two students written before the restart still hold the old score
        assert seen_at_retry[0][(s, "mean_test")] == 0.0, "half-written scores were visible"
    went = [ln for ln in lines if "went away" in ln]
    assert went and "nothing of this step was written; trying again in 1 s" in went[0], lines
    scores = h.gradebook_scores(course, A, url=postgres.url)
    for s in students:
        assert scores[(s, "mean_test")] == 2.0 and scores[(s, "add_test")] == 1.0
    with gradebook.open_gradebook(postgres.url, "mlbigsci") as gb:
        subs = [sub.student.id for sub in gb.find_assignment(A).submissions if sub.student.id in students]
    assert sorted(subs) == sorted(students), "one submission row per student, none doubled"


def test_a_gradebook_that_stays_away_stops_the_run_with_nothing_half_written(postgres: Postgres, tmp_path: Path,
                                                                             monkeypatch) -> None:
    from autograder import gradebook
    from autograder.grade import GraderError

    course, students = _regrade_course(tmp_path, postgres.url)
    before = json.loads((course / "reports" / A / "results" / f"{students[0]}.json").read_text())
    feedback = course / "feedback" / students[0] / A / f"{A}.html"
    feedback_before = feedback.read_text()
    monkeypatch.setattr(gradebook, "RETRY_DELAYS", (0.2, 0.2))
    _cut_while_recording(monkeypatch, 3, postgres.stop)
    try:
        with pytest.raises(GraderError) as err:
            grade(GradeOptions(A, course, workers=1, db=postgres.url), log=lambda s: None)
    finally:
        postgres.start()
    message = str(err.value)
    assert message.startswith(f"cannot write the gradebook at {postgres.url}: "), message
    assert "Nothing of this run was written to it" in message and "nor to reports/ or feedback/" in message
    assert "run the same command again" in message
    scores = h.gradebook_scores(course, A, url=postgres.url)
    assert all(scores[(s, "mean_test")] == 0.0 for s in students), "the gradebook holds the last whole run"
    after = json.loads((course / "reports" / A / "results" / f"{students[0]}.json").read_text())
    assert after == before, "reports/ still shows the run the gradebook holds"
    assert feedback.read_text() == feedback_before, "so does feedback/"
    monkeypatch.undo()
    grade(GradeOptions(A, course, workers=1, db=postgres.url), log=lambda s: None)  # run again: all of it lands
    scores = h.gradebook_scores(course, A, url=postgres.url)
    assert all(scores[(s, "mean_test")] == 2.0 for s in students)
