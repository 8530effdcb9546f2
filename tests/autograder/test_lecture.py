"""Grading real submissions of lecture 00: the ordinary cases, each with its exact score, status and message."""

from __future__ import annotations

import json

import pytest

from autograder.grade import GradeOptions, grade
from tests.autograder import helpers as h
from tests.conftest import WRONG

A = "00_big_data_in_science"
IDS = ("data_volume", "streaming_stats", "word_count")

SLOW = "import time\ntime.sleep(3)  # slow, but well within the 20 s cell limit\n"
NOISY = '''import sys, warnings
warnings.warn("this helper is deprecated", DeprecationWarning, stacklevel=1)
print("a note for myself on stderr", file=sys.stderr)
'''


@pytest.fixture(scope="module")
def lecture(tmp_path_factory: pytest.TempPathFactory):
    course = h.lecture_course(tmp_path_factory.mktemp("lecture"), A)
    rel = h.release_nb(course, A)
    right = {g: h.solution_code(A, g) for g in IDS}
    wrong = {
        "data_volume": (WRONG / A / "data_volume" / "binary_units.py").read_text(),
        "streaming_stats": (WRONG / A / "streaming_stats" / "sample_variance.py").read_text(),
        "word_count": (WRONG / A / "word_count" / "lowercased.py").read_text(),
    }
    h.submit(course, "correct", A, h.fill(rel, right))
    h.submit(course, "wrong", A, h.fill(rel, wrong))
    h.submit(course, "unanswered", A, rel)
    h.submit(course, "partly", A, h.fill(rel, {"data_volume": right["data_volume"]}))
    h.submit(course, "warnings", A, h.fill(rel, {g: NOISY + code for g, code in right.items()}))
    h.submit(course, "slow", A, h.fill(rel, {**right, "data_volume": SLOW + right["data_volume"]}))
    submitted = h.snapshot(course / "submitted")
    summary = grade(GradeOptions(A, course, workers=2, cell_timeout=20, notebook_timeout=300), log=lambda s: None)
    return course, submitted, summary, h.by_cell(h.csv_rows(course, A))


ALL_PASS = {"data_volume_test": "all 22 checks passed", "streaming_stats_test": "all 26 checks passed",
            "word_count_test": "all 9 checks passed"}


@pytest.mark.parametrize("student", ["correct", "warnings", "slow"])
def test_right_answers_score_full_marks(lecture, student: str) -> None:
    rows = lecture[3]
    for gid, message in ALL_PASS.items():
        row = rows[(student, gid)]
        assert (row["status"], row["score"], row["message"]) == ("passed", row["max_score"], message), (student, gid)


def test_wrong_answers_fail_with_the_first_wrong_check_and_its_hint(lecture) -> None:
    rows = lecture[3]
    assert rows[("wrong", "data_volume_test")]["message"] == (
        'check 1 (to_bytes(50, "TB")) failed: expected 5e+13, got 5.49756e+13. '
        "Try: Decimal units: 1 TB is 10**12 bytes, not 1024**4.")
    assert rows[("wrong", "streaming_stats_test")]["message"] == (
        "check 3 (population variance of 1..6) failed: expected 2.91667, got 3.5. "
        "Try: Return M2 / n (population), not M2 / (n - 1); include delta**2 * n_A * n_B / n when merging.")
    assert rows[("wrong", "word_count_test")]["message"].startswith("check 1 (map_words of one log line) failed: ")
    assert all(rows[("wrong", g)]["status"] == "failed" and rows[("wrong", g)]["score"] == "0" for g in ALL_PASS)


def test_unanswered_and_partly_answered(lecture) -> None:
    rows = lecture[3]
    for gid in ALL_PASS:
        assert rows[("unanswered", gid)]["status"] == "failed"
        assert rows[("unanswered", gid)]["message"].startswith("not answered: NotImplementedError while computing check 1 (")
    assert (rows[("partly", "data_volume_test")]["status"], rows[("partly", "data_volume_test")]["score"]) == ("passed", "2")
    assert rows[("partly", "streaming_stats_test")]["message"] == (
        "not answered: NotImplementedError while computing check 1 (n for chunks [1, 2] and [3, 4, 5, 6])")


def test_stderr_and_warnings_are_kept_but_are_not_failure(lecture) -> None:
    course = lecture[0]
    nb = json.loads((course / "autograded" / "warnings" / A / f"{A}.ipynb").read_text())
    streams = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
               if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert any("a note for myself on stderr" in "".join(o["text"]) for o in streams)


def test_every_submission_has_a_row_per_graded_cell_and_nothing_else_changed(lecture) -> None:
    course, submitted, summary, rows = lecture
    assert len(rows) == 6 * 3 and summary.rows == 18
    assert h.snapshot(course / "submitted") == submitted
    scores = h.gradebook_scores(course, A)
    assert scores[("correct", "data_volume_test")] == 2.0 and scores[("wrong", "data_volume_test")] == 0.0
    assert scores[("correct", "vs_and_streaming")] is None, "the written answer waits for manual grading"


def test_the_reference_was_validated_and_cached(lecture) -> None:
    course = lecture[0]
    ref = json.loads((course / "reports" / A / "reference" / f"{A}.json").read_text())
    assert set(ref["records"]) == {f"{g}_test" for g in IDS}
    assert [r["what"] for r in ref["records"]["data_volume_test"]][:2] == ['to_bytes(50, "TB")', 'to_bytes(4.6, "EB")']
