"""Grading a hub's collected submissions: `python -m autograder grade --workers 2` vs `nbgrader autograde`, in one run.

The submissions come the way a semester on the hub (`make hub`) makes them:
real Linux accounts, each command started as its user through
hub/singleuser.sh with the environment the hub gives a user's server, and
nbgrader's exchange in a shared folder of mode 1777.  The instructor generates
and releases lecture 00; every student fetches it, answers (every third one
gets one exercise wrong) and submits; the instructor collects.  Then two
copies of the instructor's course are graded, one by each grader, on this
machine.  Rows: submissions per minute of each (ours cold, i.e. including the
solution's reference run, and again with the reference cached), the ratio, and
whether both graders give every autograded cell the same score.

Needs root (accounts); ``BENCH_HUB_STUDENTS`` sets the class size (default 8).
No JupyterHub server is started: its browser path is tests/hub's job, and the
exchange and accounts are what shape the collected submissions.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.autograder.helpers import fill, solution_code
from tests.conftest import ROOT

A = "00_big_data_in_science"
EXERCISES = ("data_volume", "streaming_stats", "word_count")
WRONG = ("data_volume", "plus_one_disk.py")
WRITTEN = "vs_and_streaming"  # the written answer, graded by hand: in neither grader's autograded cells
INSTRUCTOR = "benchinstr"
VENV = Path(sys.prefix)
TARGET = 2.0  # our submissions per minute over nbgrader's


def _hidden_prefix() -> tuple[str, str] | None:
    """The hub config's own answer to "is this Python under a folder users cannot enter?"."""
    import runpy

    from traitlets.config import Config

    os.environ.setdefault("HUB_STATE", tempfile.mkdtemp(prefix="bench-hub-state-"))
    config = runpy.run_path(str(ROOT / "hub" / "jupyterhub_config.py"), init_globals={"get_config": Config})
    return config["hidden_python_prefix"]()


class Accounts:
    """Runs commands as the hub would run a user's server: hub/singleuser.sh, the same environment."""

    def __init__(self, exchange: Path) -> None:
        self.exchange = exchange
        self.hidden = _hidden_prefix()

    def run(self, user: str, role: str, shell: str) -> str:
        home = pwd.getpwnam(user).pw_dir
        env = {"PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin", "HOME": home, "USER": user,
               "JUPYTER_CONFIG_PATH": str(ROOT / "hub" / role), "COURSE_EXCHANGE": str(self.exchange),
               "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONDONTWRITEBYTECODE": "1"}
        if role == "instructor":
            env["COURSE_ROOT"] = f"{home}/mlbigsci"
        if self.hidden:
            env["COURSE_HIDDEN_TOP"], env["COURSE_HIDDEN_KEEP"] = self.hidden
        proc = subprocess.run([str(ROOT / "hub" / "singleuser.sh"), user, "/bin/sh", "-c", shell], env=env,
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"{user}: {shell} failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        return proc.stdout


def _answered(release_nb: dict, wrong: bool) -> dict:
    code = {gid: solution_code(A, gid) for gid in EXERCISES}
    code[WRITTEN] = "Volume, velocity, variety, veracity; a streaming mean keeps three numbers per chunk."
    if wrong:
        code[WRONG[0]] = (ROOT / "tests" / "wrong_solutions" / A / WRONG[0] / WRONG[1]).read_text()
    return fill(release_nb, code)


def collected_course(scratch: Path, students: list[str]) -> Path:
    """Release, fetch, answer, submit and collect through the exchange; the instructor's course folder."""
    from tests.hub.conftest import install_course, make_user

    exchange = scratch / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)
    for user in (INSTRUCTOR, *students):
        make_user(user)
    course = Path(pwd.getpwnam(INSTRUCTOR).pw_dir) / "mlbigsci"
    install_course(course, A, INSTRUCTOR)
    acc = Accounts(exchange)
    acc.run(INSTRUCTOR, "instructor", f"cd ~/mlbigsci && nbgrader generate_assignment {A} --force "
                                      f"&& nbgrader release_assignment {A}")
    for i, student in enumerate(students):
        acc.run(student, "student", f"nbgrader fetch_assignment {A}")
        path = Path(pwd.getpwnam(student).pw_dir) / "mlbigsci" / A / f"{A}.ipynb"
        path.write_text(json.dumps(_answered(json.loads(path.read_text()), wrong=i % 3 == 1), indent=1))
        shutil.chown(path, student, student)
        acc.run(student, "student", f"nbgrader submit {A}")
    acc.run(INSTRUCTOR, "instructor", f"cd ~/mlbigsci && nbgrader collect {A}")
    got = sorted(p.name for p in (course / "submitted").iterdir())
    if got != sorted(students):
        raise RuntimeError(f"collected {got}, expected {sorted(students)}")
    return course


def _copy(course: Path, to: Path) -> Path:
    shutil.copytree(course, to, symlinks=True)
    subprocess.run(["chown", "-R", "root:root", str(to)], check=True)
    return to


def _env() -> dict[str, str]:
    env = dict(os.environ, PATH=f"{VENV / 'bin'}:{os.environ.get('PATH', '')}", TF_CPP_MIN_LOG_LEVEL="3")
    for key in ("COURSE_GRADEBOOK_URL", "COURSE_EXCHANGE"):
        env.pop(key, None)
    return env


def nbgrader_autograde(course: Path) -> tuple[float, dict]:
    from autograder import gradebook

    start = time.perf_counter()
    proc = subprocess.run([str(VENV / "bin" / "nbgrader"), "autograde", A], cwd=course, env=_env(),
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader autograde failed:\n{proc.stderr[-3000:]}")
    url, course_id = gradebook.course_settings(course)
    scores = {}
    with gradebook.open_gradebook(url, course_id) as gb:
        for sub in gb.find_assignment(A).submissions:
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.auto_score is not None:
                        scores[(sub.student.id, grade.cell.name)] = float(grade.auto_score)
    return seconds, scores


def our_grade(course: Path) -> tuple[float, dict, dict]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", A, "--workers", "2"], cwd=course, env=_env(),
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"python -m autograder grade failed:\n{proc.stderr[-3000:]}")
    with open(course / "reports" / A / "scores.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return (seconds, {(r["student"], r["grade_id"]): float(r["score"]) for r in rows},
            {r["grade_id"]: float(r["max_score"]) for r in rows})


def run() -> list[dict]:
    if os.geteuid() != 0:
        return [{"name": "hub throughput (needs root: it makes Linux accounts)", "value": "not run", "unit": ""}]
    from tests.hub.conftest import remove_user

    n = int(os.environ.get("BENCH_HUB_STUDENTS", "8"))
    students = [f"benchs{i:02d}" for i in range(n)]
    scratch = Path(tempfile.mkdtemp(prefix="bench-hub-"))
    scratch.chmod(0o755)
    try:
        for user in (INSTRUCTOR, *students):
            remove_user(user)
        start = time.perf_counter()
        course = collected_course(scratch, students)
        semester_s = time.perf_counter() - start
        nbg_s, nbg = nbgrader_autograde(_copy(course, scratch / "nbgrader"))
        ours_course = _copy(course, scratch / "ours")
        our_s, ours, max_score = our_grade(ours_course)
        again_s, _, _ = our_grade(ours_course)
    finally:
        for user in (INSTRUCTOR, *students):
            remove_user(user)
        shutil.rmtree(scratch, ignore_errors=True)
    per_min = {k: 60.0 * n / s for k, s in (("nbgrader", nbg_s), ("ours", our_s), ("again", again_s))}
    cells = sorted(ours)  # the autograded test cells (scores.csv)
    agree = [c for c in cells if nbg.get(c) == ours[c]]
    wrong = {s for i, s in enumerate(students) if i % 3 == 1}
    truth = {(s, gid): 0.0 if (s in wrong and gid == f"{WRONG[0]}_test") else max_score[gid] for s, gid in cells}
    right = [c for c in cells if ours[c] == truth[c]]
    ratio = per_min["ours"] / per_min["nbgrader"]
    return [
        {"name": f"release, fetch, submit, collect for {n} accounts", "value": round(semester_s, 1), "unit": "s"},
        {"name": f"nbgrader autograde, {n} collected submissions of {A[:2]}", "value": round(per_min["nbgrader"], 1),
         "unit": "sub/min"},
        {"name": "python -m autograder grade --workers 2 (cold)", "value": round(per_min["ours"], 1),
         "unit": "sub/min"},
        {"name": "python -m autograder grade --workers 2 (reference cached)", "value": round(per_min["again"], 1),
         "unit": "sub/min"},
        {"name": "throughput vs nbgrader (cold)", "value": round(ratio, 2), "unit": "x", "target": f">= {TARGET:g}x",
         "ok": ratio >= TARGET},
        {"name": "autograded cells scored as built (one wrong answer per 3)", "value": f"{len(right)}/{len(cells)}",
         "unit": "", "ok": bool(cells) and len(right) == len(cells)},
        {"name": "autograded cells both graders score alike", "value": f"{len(agree)}/{len(cells)}", "unit": "",
         "ok": bool(cells) and len(agree) == len(cells)},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
