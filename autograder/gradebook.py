"""Scores into nbgrader's gradebook (SQLite by default, any SQLAlchemy URL), written by the coordinator only.

Uses nbgrader's own ``Gradebook`` API so that formgrader, manual grading and
``nbgrader export`` keep working.  Writing is idempotent: a re-run updates
the same rows.  Like nbgrader's ``SaveAutoGrades`` it sets only
``auto_score``; a manual score a grader gave is kept, and such a cell stays
flagged for review.

Each write is one transaction (:func:`in_one_transaction`): a gradebook server
that goes away halfway (PostgreSQL restarted) gets all of a step or none of it,
and the step is tried again while the server comes back.

Defined for the trusted autograder (issue 6).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")

#: Seconds to wait before each new try of a write whose server went away (about half a minute in all).
RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0)


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


def safe_url(url: str) -> str:
    """The gradebook URL without a password."""
    import re

    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) says the database went away or a concurrent write got there first.

    nbgrader turns a failed commit into ``InvalidEntry``; the driver's error is
    on its ``__context__``.
    """
    from sqlalchemy import exc as sa

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (sa.OperationalError, sa.InterfaceError, sa.IntegrityError)):
            return True
        if isinstance(exc, sa.DBAPIError) and exc.connection_invalidated:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class _FlushOnly:
    """nbgrader's session with ``commit`` turned into ``flush``: its methods commit after every call."""

    def __init__(self, session) -> None:
        self._session = session

    def __getattr__(self, name: str):
        return getattr(self._session, name)

    def commit(self) -> None:
        self._session.flush()


def in_one_transaction(url: str, course_id: str, work: Callable[..., T],
                       log: Callable[[str], None] | None = None) -> T:
    """``work(gradebook)`` as one transaction, tried again while the database is away.

    Either everything ``work`` wrote is committed or nothing is: a server that
    restarts halfway rolls the transaction back, and the whole of ``work`` runs
    again on a fresh connection after each of :data:`RETRY_DELAYS`.  Errors
    that are not about the connection are raised at once.
    """
    for delay in (*RETRY_DELAYS, None):
        try:
            with open_gradebook(url, course_id) as gb:
                session = gb.db
                gb.db = _FlushOnly(session)
                try:
                    out = work(gb)
                    session.commit()
                    return out
                except BaseException:
                    with contextlib.suppress(Exception):
                        session.rollback()
                    raise
                finally:
                    gb.db = session
        except Exception as exc:
            if delay is None or not connection_lost(exc):
                raise
            if log:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                log(f"warning: the gradebook at {safe_url(url)} went away ({first[:160]}); nothing of this step "
                    f"was written; trying again in {delay:g} s")
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


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


def record(url: str, course_id: str, assignment: str, grades: list[StudentGrades],
           log: Callable[[str], None] | None = None) -> None:
    """Write auto scores, all students in one transaction; manual scores and comments a grader entered are left alone."""
    import warnings

    from sqlalchemy.exc import SAWarning

    def write(gb) -> None:
        with warnings.catch_warnings():
            # nbgrader's add_submission trips SQLAlchemy 2's autoflush warnings; the rows are written all the same.
            warnings.simplefilter("ignore", SAWarning)
            for g in grades:
                _record_one(gb, assignment, g)

    in_one_transaction(url, course_id, write, log)


def _record_one(gb, assignment: str, g: StudentGrades) -> None:
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
             students: list[str] | None = None, log: Callable[[str], None] | None = None) -> dict[str, dict]:
    """What the gradebook holds beyond auto scores, per student: hand grades, comments, lateness, penalties.

    Formgrader writes manual scores and comments here, so feedback and reports
    read them back rather than trusting the last grade run's memory.  With a
    ``policy`` (:mod:`autograder.late`) the penalties are recomputed and stored
    first.  student -> {"duedate", "seconds_late", "penalty", "notebooks":
    {name: {"penalty", "manual": [{grade_id, max_score, score|None, comment}],
    "comments": {grade_id: comment}, "overrides": {grade_id: score a grader set on an autograded cell}}}}.
    The stored penalties are one transaction (:func:`in_one_transaction`).
    """
    return in_one_transaction(url, course_id, lambda gb: _standing(gb, assignment, policy, students), log)


def _standing(gb, assignment: str, policy, students: list[str] | None) -> dict[str, dict]:
    from nbgrader.api import MissingEntry

    from autograder import late

    out: dict[str, dict] = {}
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
