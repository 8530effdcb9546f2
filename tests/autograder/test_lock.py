"""One grade run per course: a second one stops with a message (or waits), and a killed run leaves no lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import lock
from autograder.grade import GradeOptions, GraderError, grade
from tests.autograder import helpers as h

HOLD = """
import sys, time
from pathlib import Path
from autograder import lock
with lock.course_lock(Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(600)
"""


def hold(course: Path) -> subprocess.Popen:
    """Another process holding the course's lock (as a running grade run does)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(course)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_a_second_grade_run_stops_with_a_clear_message(tmp_path: Path) -> None:
    course = h.toy_course(tmp_path)
    holder = hold(course)
    try:
        with pytest.raises(GraderError, match=rf"another grade run \(pid {holder.pid}\) is grading this course"):
            grade(GradeOptions(h.TOY, course, workers=1, wait=0), log=lambda s: None)
    finally:
        holder.kill()
        holder.wait()


def test_a_run_killed_with_sigkill_leaves_no_lock_behind(tmp_path: Path) -> None:
    holder = hold(tmp_path)
    with pytest.raises(lock.Busy):
        with lock.course_lock(tmp_path):
            pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with lock.course_lock(tmp_path):  # at once, no stale lock
        assert (tmp_path / lock.LOCK_NAME).read_text() == str(os.getpid())


def test_waiting_queues_behind_the_running_grader(tmp_path: Path) -> None:
    holder = hold(tmp_path)
    lines: list[str] = []

    def log(line: str) -> None:  # told it waits: the other run now finishes
        lines.append(line)
        holder.kill()

    with lock.course_lock(tmp_path, wait=600, log=log):
        assert holder.wait() == -signal.SIGKILL
    assert lines == [f"waiting for the grade run with pid {holder.pid} to finish ..."]


def test_the_grade_verb_with_wait_0_exits_2_naming_the_running_grader(tmp_path: Path) -> None:
    course = h.toy_course(tmp_path)
    holder = hold(course)
    try:
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
        result = subprocess.run([sys.executable, "-m", "autograder", "grade", h.TOY, "--wait", "0"], cwd=course,
                                capture_output=True, text=True, env=env, timeout=600)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    assert f"another grade run (pid {holder.pid}) is grading this course" in result.stderr
