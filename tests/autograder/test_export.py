"""`python -m autograder export --format canvas|moodle|csv`: the column layouts the platforms document."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from autograder import export
from autograder.cli import main
from tests.autograder import helpers as h

A = h.TOY


@pytest.fixture(scope="module")
def semester(tmp_path_factory: pytest.TempPathFactory) -> Path:
    course = h.semester_course(tmp_path_factory.mktemp("export"))[0]
    h.hand_grade(course, A, "alice", "explain", 1, "Right.")
    return course


def read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_canvas_gradebook_import_layout(semester: Path, tmp_path: Path) -> None:
    out = tmp_path / "canvas.csv"
    assert main(["export", "--format", "canvas", "--course", str(semester), "--to", str(out)]) == 0
    rows = read(out)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A], "Canvas's five leading columns"
    assert rows[1] == ["    Points Possible", "", "", "", "", "6"]
    body = {r[3]: r for r in rows[2:]}
    assert body["alice"] == ["alice", "", "alice", "alice", "", "6"], "auto 5 + hand 1"
    assert body["bob"][-1] == "3.2" and body["carol"][-1] == "2.5", "late penalties subtracted"
    assert sorted(body) == ["alice", "bob", "carol", "dave", "erin"]


def test_moodle_grade_import_layout(semester: Path, tmp_path: Path) -> None:
    out = tmp_path / "moodle.csv"
    assert main(["export", "--format", "moodle", "--course", str(semester), "--to", str(out)]) == 0
    rows = read(out)
    assert rows[0] == ["Username", "Email address", A]
    assert rows[1:] == [["alice", "", "6"], ["bob", "", "3.2"], ["carol", "", "2.5"], ["dave", "", "5"], ["erin", "", "0"]]


def test_csv_is_nbgraders_own_export(semester: Path, tmp_path: Path) -> None:
    out = tmp_path / "grades.csv"
    assert main(["export", "--format", "csv", "--course", str(semester), "--to", str(out)]) == 0
    with open(out, newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert {s: float(r["score"]) for s, r in rows.items()} == {"alice": 6, "bob": 3.2, "carol": 2.5, "dave": 5, "erin": 0}


def test_unknown_assignment_or_format_is_refused(semester: Path, tmp_path: Path, capsys) -> None:
    assert main(["export", "--assignment", "nope", "--course", str(semester), "--to", str(tmp_path / "x.csv")]) == 2
    assert "not in the gradebook: nope (it holds 99_toy)" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown format"):
        export.write("blackboard", tmp_path / "y.csv", [], {}, [])
