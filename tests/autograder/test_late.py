"""Late penalties: the policy from nbgrader_config.py, the due date from the gradebook, nbgrader's timestamp."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from autograder import late
from autograder.cli import main
from tests.autograder import helpers as h

A = h.TOY


@pytest.mark.parametrize("policy, score, seconds, expected", [
    (late.Policy("none"), 5, 10 * 86400, 0.0),
    (late.Policy("zero"), 5, 1, 5.0),
    (late.Policy("zero"), 5, 0, 0.0),
    (late.Policy("per_day", 0.1, 0.5), 4, 26 * 3600, 0.8),      # 2 started days: 20 %
    (late.Policy("per_day", 0.1, 0.5), 5, 10 * 86400, 2.5),     # capped at 50 %
    (late.Policy("per_hour", 0.05, 1.0), 2, 90 * 60, 0.2),      # 2 started hours: 10 %
    (late.Policy("per_hour", 0.5, 1.0), 2, 5 * 3600, 2.0),      # never more than the score
])
def test_policy_penalty(policy: late.Policy, score: float, seconds: float, expected: float) -> None:
    assert policy.penalty(score, seconds) == pytest.approx(expected)


def test_policy_is_read_from_nbgrader_config(tmp_path: Path) -> None:
    assert late.load_policy(tmp_path) == late.Policy("none")
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n" + h.LATE_POLICY)
    assert late.load_policy(tmp_path) == late.Policy("per_day", 0.1, 0.5)
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.LateSubmissionPlugin.penalty_method = 'zero'\n")
    assert late.load_policy(tmp_path) == late.Policy("zero"), "nbgrader's own switch is honoured"
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.LatePenalty.method = 'per_week'\n")
    with pytest.raises(late.PolicyError, match="per_week"):
        late.load_policy(tmp_path)


@pytest.fixture(scope="module")
def semester(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return h.semester_course(tmp_path_factory.mktemp("late"))[0]


def penalties(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "mlbigsci") as gb:
        return {s.student.id: s.late_submission_penalty for s in gb.find_assignment(A).submissions}


def test_penalties_land_in_nbgraders_gradebook_and_follow_hand_grades(semester: Path, tmp_path: Path) -> None:
    assert penalties(semester) == pytest.approx({"alice": 0.0, "bob": 0.8, "carol": 2.5, "dave": 0.0, "erin": 0.0})
    h.hand_grade(semester, A, "bob", "explain", 0.5, "Close: one outlier moves the sum.")
    assert main(["feedback", A, "--course", str(semester)]) == 0
    assert penalties(semester)["bob"] == pytest.approx(0.9), "20 % of 4.5 once the written answer is graded"
    out = tmp_path / "grades.csv"
    assert main(["export", "--course", str(semester), "--to", str(out)]) == 0
    with open(out, newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert float(rows["bob"]["late_submission_penalty"]) == pytest.approx(0.9)
    assert float(rows["bob"]["score"]) == pytest.approx(3.6), "nbgrader export subtracts the same penalty"
    assert float(rows["carol"]["score"]) == pytest.approx(2.5)


def test_feedback_says_how_late_and_what_it_cost(semester: Path) -> None:
    page = (semester / "feedback" / "carol" / A / f"{A}.html").read_text()
    assert "late penalty" in page and "-2.5" in page and "10 days" in page
    assert "10% of the score per started day late, at most 50%" in page
    assert "late penalty" not in (semester / "feedback" / "alice" / A / f"{A}.html").read_text()
