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


def test_histogram_bins() -> None:
    assert reports.histogram_counts([0, 1, 4.9, 5], 5, bins=5) == [1, 1, 0, 0, 2]
    assert reports.histogram_counts([], 0, bins=3) == [0, 0, 0]


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
