"""Scores into nbgrader's gradebook (SQLite by default, any SQLAlchemy URL), written by the coordinator only.

Uses nbgrader's own ``Gradebook`` API so that formgrader, manual grading and
``nbgrader export`` keep working.  Writing is idempotent: a re-run updates
the same rows.  Like nbgrader's ``SaveAutoGrades`` it sets only
``auto_score``; a manual score a grader gave is kept, and such a cell stays
flagged for review.

Defined for the trusted autograder (issue 6).
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


def _alembic_on_path() -> None:
    # nbgrader runs the `alembic` command when it creates a gradebook (FIELD_NOTES).
    bin_dir = str(Path(sys.prefix) / "bin")
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def course_config(course: Path):
    """The course's nbgrader_config.py as a traitlets Config (empty when there is none).

    Read with traitlets' loader rather than an nbgrader app, which would cost
    seconds of imports before any grading starts.
    """
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if not (course / "nbgrader_config.py").exists():
        return Config()
    here = Path.cwd()
    try:
        os.chdir(course)
        return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    finally:
        os.chdir(here)


def course_settings(course: Path) -> tuple[str, str]:
    """(gradebook URL, course id) as the course's nbgrader_config.py sets them."""
    cfg = course_config(course)
    cd = cfg.get("CourseDirectory", {})
    url = cd.get("db_url") or f"sqlite:///{course / 'gradebook.db'}"
    return url, cd.get("course_id") or ""


def open_gradebook(url: str, course_id: str):
    from nbgrader.api import Gradebook

    _alembic_on_path()
    return Gradebook(url, course_id)


def ensure_assignment(course: Path, assignment: str, notebooks: list[str], url: str, course_id: str) -> bool:
    """Register the assignment from source/ when the gradebook lacks it (a fresh clone); True if it did."""
    from nbgrader.api import MissingEntry

    with open_gradebook(url, course_id) as gb:
        try:
            a = gb.find_assignment(assignment)
            if {nb.name for nb in a.notebooks} >= set(notebooks):
                return False
        except MissingEntry:
            pass
    from autograder.release import _config, _generate

    _alembic_on_path()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            cfg = _config(course.resolve(), Path(scratch))
            cfg.CourseDirectory.db_url = url
            cfg.CourseDirectory.course_id = course_id
            _generate(cfg, assignment)
    except Exception:
        # Another grader may have registered it at the same moment (a shared PostgreSQL gradebook).
        with open_gradebook(url, course_id) as gb:
            try:
                gb.find_assignment(assignment)
            except MissingEntry:
                raise
        return False
    return True


@dataclass
class StudentGrades:
    """What the coordinator writes for one student's submission."""

    student: str
    timestamp: str | None
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # notebook -> grade_id -> score
    no_response: dict[str, set[str]] = field(default_factory=dict)  # notebook -> solution ids left as released


def record(url: str, course_id: str, assignment: str, grades: list[StudentGrades]) -> None:
    """Write auto scores; manual scores and comments a grader entered are left alone."""
    import warnings

    from sqlalchemy.exc import SAWarning

    with open_gradebook(url, course_id) as gb, warnings.catch_warnings():
        # nbgrader's add_submission trips SQLAlchemy 2's autoflush warnings; the rows are written all the same.
        warnings.simplefilter("ignore", SAWarning)
        for g in grades:
            gb.update_or_create_student(g.student)
            kwargs = {"timestamp": g.timestamp} if g.timestamp else {}
            submission = gb.update_or_create_submission(assignment, g.student, **kwargs)
            for nb in submission.notebooks:
                scores = g.scores.get(nb.name, {})
                for grade in nb.grades:
                    cell = grade.cell
                    if cell.name in scores:
                        grade.auto_score = float(scores[cell.name])
                        grade.needs_manual_grade = grade.manual_score is not None
                    elif getattr(cell, "cell_type", None) == "markdown":
                        grade.auto_score = None
                        grade.needs_manual_grade = True
                for comment in nb.comments:
                    if comment.cell.name in g.no_response.get(nb.name, set()):
                        comment.auto_comment = "No response."
                    else:
                        comment.auto_comment = None
            gb.db.commit()


def export_csv(url: str, course_id: str, out: Path, assignment: str | None = None) -> int:
    """Per-student totals with nbgrader's own CSV exporter (``nbgrader export``'s format)."""
    from nbgrader.plugins.export import CsvExportPlugin

    plugin = CsvExportPlugin()
    plugin.to = str(out)
    if assignment:
        plugin.assignment = [assignment]
    with open_gradebook(url, course_id) as gb:
        plugin.export(gb)
    return sum(1 for _ in open(out)) - 1


def standing(url: str, course_id: str, assignment: str, policy=None,
             students: list[str] | None = None) -> dict[str, dict]:
    """What the gradebook holds beyond auto scores, per student: hand grades, comments, lateness, penalties.

    Formgrader writes manual scores and comments here, so feedback and reports
    read them back rather than trusting the last grade run's memory.  With a
    ``policy`` (:mod:`autograder.late`) the penalties are recomputed and stored
    first.  student -> {"duedate", "seconds_late", "penalty", "notebooks":
    {name: {"penalty", "manual": [{grade_id, max_score, score|None, comment}],
    "comments": {grade_id: comment}, "overrides": {grade_id: score a grader set on an autograded cell}}}}.
    """
    from nbgrader.api import MissingEntry

    from autograder import late

    out: dict[str, dict] = {}
    with open_gradebook(url, course_id) as gb:
        try:
            lateness = late.apply(gb, assignment, policy or late.Policy(), students)
        except MissingEntry:
            return {}
        for sub in gb.find_assignment(assignment).submissions:
            sid = sub.student.id
            if students is not None and sid not in students:
                continue
            info = dict(lateness.get(sid, {}), notebooks={})
            for nb in sub.notebooks:
                manual = []
                for grade in sorted(nb.grades, key=lambda g: g.cell.name):
                    if getattr(grade.cell, "cell_type", None) == "markdown" or (
                            grade.auto_score is None and grade.manual_score is not None):
                        manual.append({"grade_id": grade.cell.name, "max_score": float(grade.max_score),
                                       "score": None if grade.manual_score is None else float(grade.manual_score)})
                # a grader may also change an autograded score in formgrader; nbgrader's totals use it
                overrides = {g.cell.name: float(g.manual_score) for g in nb.grades
                             if g.auto_score is not None and g.manual_score is not None}
                comments = {c.cell.name: c.manual_comment for c in nb.comments if c.manual_comment}
                for m in manual:
                    m["comment"] = comments.get(m["grade_id"])
                info["notebooks"][nb.name] = {"penalty": float(nb.late_submission_penalty or 0.0),
                                              "manual": manual, "comments": comments, "overrides": overrides}
            out[sid] = info
    return out
