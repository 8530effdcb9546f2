"""summary.html, the feedback verb (hidden tests only on request) and the export verb."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from autograder import reports
from autograder.cli import main
from autograder.grade import GradeOptions, grade
from tests.autograder import helpers as h

A = h.TOY


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    course = h.toy_course(tmp_path_factory.mktemp("reports"))
    rel = h.toy_release(course)
    right = {g: h.toy_solution(g) for g in ("add", "mean", "scale")}
    h.submit(course, "alice", A, h.fill(rel, right))
    h.submit(course, "bob", A, h.fill(rel, {**right, "add": "def add(a, b):\n    return abs(a) + abs(b)"}))
    carol = h.fill(rel, {"add": right["add"], "mean": "<script>alert(1)</script>"})
    carol["cells"].append(h.md_cell("My **notes** <img src=x onerror=alert(2)>"))
    h.submit(course, "carol", A, carol)
    grade(GradeOptions(A, course, workers=2), log=lambda s: None)
    return course


def test_summary_has_pass_rates_and_a_score_histogram(course: Path) -> None:
    page = (course / "reports" / A / "summary.html").read_text()
    rates = re.findall(r"<td>99_toy</td><td>(\w+)</td><td>([\d.]+)</td><td>(\d+) / (\d+)</td><td>(\d+)%", page)
    assert rates == [("add_test", "1", "2", "3", "67"), ("mean_test", "2", "2", "3", "67"), ("scale_test", "2", "2", "3", "67")]
    assert '<td class="passed">passed</td><td>6</td>' in page
    assert '<td class="failed">failed</td><td>2</td>' in page and '<td class="error">error</td><td>1</td>' in page
    assert 'aria-label="histogram of total scores"' in page and "<script" not in page


def test_histogram_bins_at_whole_points() -> None:
    assert reports.histogram_counts([0, 1, 4.9, 5], 5) == [1, 1, 0, 0, 2]
    assert reports.histogram_counts([0.9, 3, 3.5, 11], 11) == [1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1], "one bin per point"
    assert reports.histogram_counts([], 0) == [0]


def test_feedback_escapes_student_text_and_hides_hidden_tests_unless_asked(course: Path) -> None:
    page = (course / "feedback" / "carol" / A / f"{A}.html").read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "My <strong>notes</strong> &lt;img" in page, "markdown is rendered, HTML escaped"
    bob = course / "feedback" / "bob" / A / f"{A}.html"
    assert "add(-5, 5), 0" not in bob.read_text()
    assert "hidden check 2 (add(-5, 5)) failed. Try: Negative numbers add too." in bob.read_text()
    assert main(["feedback", A, "--course", str(course), "--student", "bob", "--show-hidden"]) == 0
    shown = bob.read_text()
    assert "check.equal(add(-5, 5), 0" in shown
    assert "check 2 (add(-5, 5)) failed: expected 0, got 10. Try: Negative numbers add too." in shown
    assert main(["feedback", A, "--course", str(course), "--student", "bob"]) == 0
    assert "add(-5, 5), 0" not in bob.read_text()
    assert main(["feedback", "nothing_graded", "--course", str(course)]) == 2


def test_export_writes_nbgraders_csv_from_the_gradebook(course: Path, tmp_path: Path) -> None:
    out = tmp_path / "grades.csv"
    assert main(["export", "--course", str(course), "--to", str(out)]) == 0
    with open(out, newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert {s: float(r["score"]) for s, r in rows.items()} == {"alice": 5.0, "bob": 4.0, "carol": 1.0}
    assert {r["max_score"] for r in rows.values()} == {"6.0"}, "the written answer's point counts in the maximum"


# ------------------------------------------------ the whole score: hand grades, pending points, late penalties


@pytest.fixture(scope="module")
def semester(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    course, log = h.semester_course(tmp_path_factory.mktemp("semester"))
    h.hand_grade(course, A, "alice", "explain", 0.5, "Say why one large value moves the sum.")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "mlbigsci") as gb:  # formgrader's override of a test
        gb.find_grade("scale_test", A, A, "dave").manual_score = 1.0
        gb.db.commit()
    assert main(["feedback", A, "--course", str(course)]) == 0
    return course, log


def test_feedback_shows_auto_and_hand_points_and_the_comment(semester) -> None:
    course, _ = semester
    page = (course / "feedback" / "alice" / A / f"{A}.html").read_text()
    assert "<th>autograded tests</th><td>5 / 5</td>" in page
    assert "<th>graded by hand</th><td>0.5 / 1</td>" in page
    assert "Say why one large value moves the sum." in page
    assert '<th>total score</th><td><b class="total">5.5 / 6</b>' in page
    assert re.search(r"<td>add_test</td><td>1 / 1</td>\s*<td class=\"passed\">passed</td>", page), "each test's result"


def test_feedback_names_points_still_to_be_graded_by_hand(semester) -> None:
    course, _ = semester
    page = (course / "feedback" / "bob" / A / f"{A}.html").read_text()
    assert "1 points not graded yet: explain" in page and "<th>score so far</th>" in page
    assert '<tr class="manual"><td>explain</td><td>pending / 1</td>' in page
    assert "BEGIN HIDDEN TESTS" not in page and "add(-5, 5)" not in page, "hidden tests stay hidden"


def test_summary_has_a_student_table_written_questions_and_whole_point_bins(semester) -> None:
    course, _ = semester
    page = (course / "reports" / A / "summary.html").read_text()
    students = re.findall(r'<tr class="student"><td>(\w+)</td><td>([\d.]+) / 5</td><td>([\d.]+) / 1.*?</td>'
                          r"<td>([\d.]+)</td><td>([\d.]+) / 6</td></tr>", page)
    assert students == [("alice", "5", "0.5", "0", "5.5"), ("bob", "4", "0", "0.8", "3.2"), ("carol", "5", "0", "2.5", "2.5"),
                        ("dave", "4", "0", "0", "4"), ("erin", "0", "0", "0", "0")]
    assert '<tr class="written"><td>99_toy</td><td>explain</td><td>1</td><td>1 / 5</td><td>0.50</td>' in page
    assert page.count("<title>[") == 6, "one bin per whole point, 0 to 6"


def test_console_counts_students_and_tests_apart_and_ends_with_full_totals(semester) -> None:
    _, log = semester
    text = "\n".join(log)
    assert "students: 5 (3 passed every test, 1 failed at least one, 1 missing or invalid)" in text
    assert "tests: 15 test cells: 1 failed, 3 invalid, 11 passed" in text
    assert "  bob: 3.2 / 6 points (4/5 autograded, 0/1 by hand (1 pending), -0.8 late)" in text
    assert log[-1].startswith("  total: mean 3.14 / 6 points over 5 students")
    assert "5 still have written answers to grade by hand" in log[-1]


def test_a_lone_misnamed_notebook_is_graded_with_a_warning_and_a_note(semester) -> None:
    course, log = semester
    assert any(line.startswith("warning: dave: graded 99_toy-Copy1.ipynb as 99_toy.ipynb") for line in log)
    page = (course / "feedback" / "dave" / A / f"{A}.html").read_text()
    assert "Note: graded 99_toy-Copy1.ipynb as 99_toy.ipynb" in page
    assert "<th>autograded tests</th><td>4 / 5</td>" in page, "with the grader's override of scale_test"
    assert "(score changed by the grader from 2 to 1)" in page


def test_several_candidate_notebooks_make_an_invalid_row_naming_them(semester) -> None:
    course, _ = semester
    rows = h.by_cell(h.csv_rows(course, A))
    erin = rows[("erin", "add_test")]
    assert erin["status"] == "invalid" and "draft.ipynb, final.ipynb" in erin["message"]
    assert any(line.startswith("warning: erin: invalid: ") and "draft.ipynb, final.ipynb" in line for line in semester[1])


def test_feedback_carries_what_formgraders_release_feedback_needs(course: Path) -> None:
    """nbgrader's release_feedback files each page under a hash of the submission's timestamp and secret."""
    submitted = course / "submitted" / "bob" / A
    (submitted / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    (submitted / "submission_secret.txt").write_text("0123456789abcdef")
    assert main(["feedback", A, "--course", str(course), "--student", "bob"]) == 0
    folder = course / "feedback" / "bob" / A
    assert (folder / "timestamp.txt").read_text() == "2026-12-01 10:00:00.000000 UTC"
    assert (folder / "submission_secret.txt").read_text() == "0123456789abcdef"
    assert not (course / "feedback" / "carol" / A / "submission_secret.txt").exists()
