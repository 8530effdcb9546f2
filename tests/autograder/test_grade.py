"""`python -m autograder grade` end to end on a toy course: outputs, gradebook, re-runs, exit codes."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.autograder import helpers as h

A = h.TOY


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=600)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory):
    """A toy course with three students, graded twice (the second run must change nothing)."""
    course = h.toy_course(tmp_path_factory.mktemp("grade"))
    rel = h.toy_release(course)
    right = {g: h.toy_solution(g) for g in ("add", "mean", "scale")}
    h.submit(course, "alice", A, h.fill(rel, right), files={"timestamp.txt": b"2026-01-05 10:00:00"})
    h.submit(course, "bob", A, h.fill(rel, {**right, "add": "def add(a, b):\n    return a - b"}))
    h.submit(course, "carol", A, rel)
    submitted = h.snapshot(course / "submitted")
    first = run_cli("grade", A, "--workers", "2", cwd=course)
    csv_first = (course / "reports" / A / "scores.csv").read_text()
    gradebook_first = h.gradebook_scores(course, A)
    second = run_cli("grade", A, "--workers", "2", cwd=course)
    return course, submitted, first, second, csv_first, gradebook_first


def test_grading_finishes_with_status_0(graded) -> None:
    course, _, first, second, *_ = graded
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "graded 3 submissions of 99_toy" in first.stdout
    assert "running the solution of 99_toy" in first.stdout and "running the solution" not in second.stdout, \
        "the solution runs once per source version, then comes from the cache"


def test_scores_csv_has_exactly_the_promised_columns_and_rows(graded) -> None:
    course = graded[0]
    with open(course / "reports" / A / "scores.csv", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    assert header == ["student", "assignment", "notebook", "grade_id", "score", "max_score", "status", "message"]
    assert rows == [
        ["alice", A, A, "add_test", "1", "1", "passed", "all 2 checks passed"],
        ["alice", A, A, "mean_test", "2", "2", "passed", "all 3 checks passed"],
        ["alice", A, A, "scale_test", "2", "2", "passed", "all 3 checks passed"],
        ["bob", A, A, "add_test", "0", "1", "failed", "check 1 (add(1, 2)) failed: expected 3, got -1. Try: Return a + b."],
        ["bob", A, A, "mean_test", "2", "2", "passed", "all 3 checks passed"],
        ["bob", A, A, "scale_test", "2", "2", "passed", "all 3 checks passed"],
        ["carol", A, A, "add_test", "0", "1", "failed", "not answered: NotImplementedError while computing check 1 (add(1, 2))"],
        ["carol", A, A, "mean_test", "0", "2", "failed",
         "not answered: NotImplementedError while computing check 1 (mean([1, 2, 3]))"],
        ["carol", A, A, "scale_test", "0", "2", "failed",
         "not answered: NotImplementedError while computing check 1 (shape of scale([1, 2, 3], 2))"],
    ]


def test_scores_land_in_nbgraders_gradebook(graded) -> None:
    course = graded[0]
    scores = h.gradebook_scores(course, A)
    assert scores == {
        ("alice", "add_test"): 1.0, ("alice", "mean_test"): 2.0, ("alice", "scale_test"): 2.0, ("alice", "explain"): None,
        ("bob", "add_test"): 0.0, ("bob", "mean_test"): 2.0, ("bob", "scale_test"): 2.0, ("bob", "explain"): None,
        ("carol", "add_test"): 0.0, ("carol", "mean_test"): 0.0, ("carol", "scale_test"): 0.0, ("carol", "explain"): None,
    }


def test_rerun_is_idempotent_and_submitted_is_untouched(graded) -> None:
    course, submitted, _, _, csv_first, gradebook_first = graded
    assert (course / "reports" / A / "scores.csv").read_text() == csv_first
    assert h.gradebook_scores(course, A) == gradebook_first, "same scores, no duplicate rows"
    assert h.snapshot(course / "submitted") == submitted


def test_autograded_notebooks_hold_the_restored_tests_and_trusted_verdicts(graded) -> None:
    course = graded[0]
    nb = json.loads((course / "autograded" / "bob" / A / f"{A}.ipynb").read_text())
    test = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "add_test")
    assert "add(-5, 5)" in "".join(test["source"]), "the autograded copy has the hidden tests (instructor-facing)"
    assert "".join(test["outputs"][0]["text"]) == (
        "✘ failed (0 / 1 points): check 1 (add(1, 2)) failed: expected 3, got -1. Try: Return a + b.\n")
    assert (course / "autograded" / "alice" / A / "timestamp.txt").read_text() == "2026-01-05 10:00:00"
    assert (course / "feedback" / "alice" / A / f"{A}.html").exists()
    assert (course / "reports" / A / "summary.html").exists()


def test_manual_scores_survive_a_regrade(graded, tmp_path: Path) -> None:
    course = graded[0]
    from nbgrader.api import Gradebook

    url = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(url, "mlbigsci") as gb:
        grade = gb.find_grade("explain", A, A, "alice")
        grade.manual_score = 1.0
        gb.db.commit()
    result = run_cli("grade", A, "--student", "alice", "--workers", "1", cwd=course)
    assert result.returncode == 0, result.stderr
    with Gradebook(url, "mlbigsci") as gb:
        assert gb.find_grade("explain", A, A, "alice").manual_score == 1.0
        assert gb.find_grade("add_test", A, A, "alice").auto_score == 1.0
        assert gb.find_submission(A, "alice").score == 6.0
    assert "graded 1 submissions" in result.stdout
    assert len(h.csv_rows(course, A)) == 9, "grading one student keeps the others' rows"


def test_the_grader_itself_failing_exits_2_and_says_why(graded) -> None:
    course = graded[0]
    result = run_cli("grade", "no_such_assignment", cwd=course)
    assert result.returncode == 2
    assert "no assignment 'no_such_assignment'" in result.stderr
    assert "the assignments are 99_toy" in result.stderr, "an unknown assignment lists the valid names"
    result = run_cli("grade", A, "--student", "mallory", cwd=course)
    assert result.returncode == 2 and "no submission of 99_toy for: mallory" in result.stderr
    result = run_cli("grade", A, "--db", "postgresql://nobody@127.0.0.1:1/none", cwd=course)
    assert result.returncode == 2 and "cannot use the gradebook at postgresql://nobody@127.0.0.1:1/none" in result.stderr


def test_sandbox_none_says_loudly_what_it_gives_up(graded) -> None:
    course = graded[0]
    result = run_cli("grade", A, "--student", "bob", "--sandbox", "none", "--workers", "1", cwd=course)
    assert result.returncode == 0, result.stderr
    assert "WARNING: grading WITHOUT a sandbox" in result.stderr
    assert "it can read source/ and the hidden tests" in result.stderr
    rows = h.by_cell(h.csv_rows(course, A))
    assert rows[("bob", "add_test")]["status"] == "failed" and rows[("bob", "mean_test")]["status"] == "passed"


def test_a_solution_that_fails_its_own_tests_stops_the_grader(tmp_path: Path) -> None:
    exercises = [(g, p, s.replace("return a + b", "return a * b"), t) for g, p, s, t in h.TOY_EXERCISES[:1]]
    course = h.toy_course(tmp_path, exercises=exercises)
    h.submit(course, "alice", A, h.toy_release(course))
    result = run_cli("grade", A, cwd=course)
    assert result.returncode == 2
    assert "the instructor's solution of 99_toy cannot be used as the reference" in result.stderr
    assert "the solution fails its own check 1 (add(1, 2)): expected 3, got 2" in result.stderr


def test_a_run_killed_with_sigkill_halfway_then_rerun_grades_everyone_once(tmp_path: Path) -> None:
    """SIGKILL the whole grade run (coordinator and runners) after its first result, then grade again."""
    import signal
    import sqlite3

    course = h.toy_course(tmp_path)
    rel = h.toy_release(course)
    right = h.fill(rel, {g: h.toy_solution(g) for g in ("add", "mean", "scale")})
    for student in ("amy", "ben", "cat", "dan"):
        h.submit(course, student, A, right)
    # the last student's answer sleeps past the cell limit, so the run is still busy when it is killed
    h.submit(course, "zed", A, h.fill(right, {"add": "import time\ntime.sleep(60)\n" + h.toy_solution("add")}))
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    args = [sys.executable, "-m", "autograder", "grade", A, "--workers", "1", "--cell-timeout", "3"]
    proc = subprocess.Popen(args, cwd=course, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                            start_new_session=True)
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("[1/"):
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL and not any(l.startswith("graded 5 submissions") for l in seen), seen

    again = run_cli("grade", A, "--workers", "1", "--cell-timeout", "3", cwd=course)
    assert again.returncode == 0, again.stderr
    assert "graded 5 submissions of 99_toy" in again.stdout
    rows = h.csv_rows(course, A)
    assert sorted((r["student"], r["grade_id"]) for r in rows) == sorted(
        (s, f"{g}_test") for s in ("amy", "ben", "cat", "dan", "zed") for g in ("add", "mean", "scale")), "no lost, no doubled row"
    assert h.by_cell(rows)[("zed", "add_test")]["score"] == "0", "the sleeping answer timed out"
    with sqlite3.connect(course / "gradebook.db") as db:
        subs = db.execute("SELECT s.student_id, count(*) FROM submitted_assignment s GROUP BY s.student_id").fetchall()
        grades = db.execute("SELECT count(*) FROM grade").fetchone()[0]
    assert sorted(subs) == [(s, 1) for s in ("amy", "ben", "cat", "dan", "zed")]
    assert grades == 5 * 4, "one gradebook row per student and grade cell"
