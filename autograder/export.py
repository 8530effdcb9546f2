"""``python -m autograder export --format canvas|moodle|csv``: grades a learning platform imports as they are.

Totals come from nbgrader's gradebook (auto + hand-graded points, less the
late penalty stored on each submitted notebook, as ``nbgrader export``
computes them), one column per assignment, student ids from the gradebook.

- ``canvas``: Canvas's gradebook import CSV (Instructor Guide, "How do I import
  grades in the Gradebook?", https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807):
  the columns ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
  column per assignment, and a ``Points Possible`` row under the header.
  Canvas matches a row by ``ID`` or, when that is empty, by the SIS ids; the
  nbgrader student id goes in both SIS columns (on a hub the login name).
- ``moodle``: Moodle's CSV grade import (https://docs.moodle.org/en/Grade_import,
  "CSV import"): a header row, an identifier column (``Username`` and
  ``Email address``; pick one under "Identify user by" → "Map from"), then one
  numeric column per grade item, mapped on import.
- ``csv``: nbgrader's own export (``nbgrader export``'s columns and numbers,
  written by its ``CsvExportPlugin``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("canvas", "moodle", "csv")
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = ["Username", "Email address"]


@dataclass
class Row:
    student: str
    name: str
    email: str
    scores: dict[str, float]  # assignment -> total after late penalty


def gradebook_rows(url: str, course_id: str, assignments: list[str] | None = None,
                   policy=None) -> tuple[list[str], dict[str, float], list[Row]]:
    """(assignment ids, their maximum scores, one row per student): what every format writes.

    Late penalties are recomputed first (:func:`autograder.late.apply`) so that a
    hand grade entered in formgrader since the grade run is penalised too.
    """
    from nbgrader.api import MissingEntry

    from autograder import late
    from autograder.gradebook import open_gradebook

    with open_gradebook(url, course_id) as gb:
        names = [a.name for a in gb.assignments if not assignments or a.name in assignments]
        if assignments:
            unknown = sorted(set(assignments) - set(names))
            if unknown:
                raise ValueError(f"not in the gradebook: {', '.join(unknown)} (it holds "
                                 f"{', '.join(a.name for a in gb.assignments) or 'no assignments'})")
        if policy is not None:
            for name in names:
                late.apply(gb, name, policy)
        maxima = {name: float(gb.find_assignment(name).max_score) for name in names}
        rows = []
        for student in sorted(gb.students, key=lambda s: s.id):
            scores = {}
            for name in names:
                try:
                    sub = gb.find_submission(name, student.id)
                except MissingEntry:
                    scores[name] = 0.0
                    continue
                scores[name] = max(0.0, float(sub.score) - float(sub.late_submission_penalty or 0.0))
            full = " ".join(x for x in (student.first_name, student.last_name) if x) or student.id
            rows.append(Row(student.id, full, student.email or "", scores))
    return names, maxima, rows


def _num(x: float) -> str:
    return f"{round(x, 4):g}"


def write(fmt: str, out: Path, names: list[str], maxima: dict[str, float], rows: list[Row]) -> int:
    """Write ``rows`` as Canvas or Moodle import CSV; returns the number of student rows."""
    if fmt not in ("canvas", "moodle"):
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        if fmt == "canvas":
            w.writerow(CANVAS_COLUMNS + names)
            w.writerow(["    Points Possible", "", "", "", ""] + [_num(maxima[n]) for n in names])
            for r in rows:
                w.writerow([r.name, "", r.student, r.student, ""] + [_num(r.scores[n]) for n in names])
        elif fmt == "moodle":
            w.writerow(MOODLE_COLUMNS + names)
            for r in rows:
                w.writerow([r.student, r.email] + [_num(r.scores[n]) for n in names])
    return len(rows)


def export(fmt: str, out: Path, url: str, course_id: str, assignment: str | None, policy) -> int:
    """The ``export`` verb: penalties brought up to date, then the file in ``fmt``; returns its student rows."""
    from autograder import gradebook

    names, maxima, rows = gradebook_rows(url, course_id, [assignment] if assignment else None, policy)
    if fmt == "csv":
        return gradebook.export_csv(url, course_id, out, assignment)
    return write(fmt, out, names, maxima, rows)
