"""``make release``: regenerate release/ from source/ with nbgrader's generate_assignment.

Runs nbgrader's converter in this process (one ~3 s start-up, not one per
assignment) and without touching the gradebook, so a fresh clone can release.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from traitlets.config import Config

from autograder import notebooks


def release(course: Path, out: Path | None = None, assignments: list[str] | None = None) -> list[Path]:
    """Write the student version of every (or the named) assignment; return the notebooks written."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    course = course.resolve()
    out = (out or course / "release").resolve()
    ids = assignments or [p.parent.name for p in notebooks.sections(course / "source")]
    cfg = Config()
    cfg.CourseDirectory.root = str(course)
    cfg.CourseDirectory.source_directory = "source"
    cfg.CourseDirectory.release_directory = str(out)
    cfg.CourseDirectory.db_url = "sqlite:///:memory:"  # never touch the real gradebook
    cfg.GenerateAssignment.no_database = True
    cfg.SaveCells.enabled = False
    cfg.GenerateAssignment.force = True
    cfg.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    cfg.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    written: list[Path] = []
    for assignment_id in ids:
        target = out / assignment_id
        if target.exists():
            shutil.rmtree(target)
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id = assignment_id
        GenerateAssignment(coursedir=coursedir, config=cfg).start()
        for nb_path in sorted(target.glob("*.ipynb")):
            notebooks.write(notebooks.normalize(notebooks.read(nb_path)), nb_path)
            written.append(nb_path)
    return written
