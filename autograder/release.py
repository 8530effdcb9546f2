"""``make release``: regenerate release/ from source/ with nbgrader's generate_assignment.

Runs nbgrader's converter in this process (one ~3 s start-up, not one per
assignment) and without touching the gradebook, so a fresh clone can release.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from traitlets.config import Config

from autograder import notebooks


def _config(course: Path, out: Path) -> Config:
    cfg = Config()
    cfg.CourseDirectory.root = str(course)
    cfg.CourseDirectory.source_directory = "source"
    cfg.CourseDirectory.release_directory = str(out)
    cfg.GenerateAssignment.force = True
    cfg.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    cfg.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    return cfg


def _generate(cfg: Config, assignment_id: str) -> None:
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=cfg)
    coursedir.assignment_id = assignment_id
    GenerateAssignment(coursedir=coursedir, config=cfg).start()


def register(course: Path, assignments: list[str], db_url: str | None = None) -> None:
    """Record assignments, notebooks and graded cells in the gradebook (what nbgrader autograde needs).

    The gradebook is git-ignored, so a fresh clone has none; this runs nbgrader's
    generate_assignment with the database on, writing its copy to a scratch folder
    so that the committed release/ is not touched.
    """
    import tempfile

    course = course.resolve()
    settings = _course_settings(course)
    with tempfile.TemporaryDirectory() as scratch:
        cfg = _config(course, Path(scratch))
        cfg.CourseDirectory.db_url = db_url or settings.get("db_url") or f"sqlite:///{course / 'gradebook.db'}"
        if settings.get("course_id"):
            cfg.CourseDirectory.course_id = settings["course_id"]
        for assignment_id in assignments:
            _generate(cfg, assignment_id)


def _course_settings(course: Path) -> dict:
    """CourseDirectory settings from the course's nbgrader_config.py (read from its folder, as nbgrader does)."""
    import os

    from nbgrader.apps import NbGrader

    app = NbGrader()
    app.config_dir = str(course)
    here = Path.cwd()
    try:
        os.chdir(course)
        app.load_config_file()
    finally:
        os.chdir(here)
    return dict(app.config.CourseDirectory)


def release(course: Path, out: Path | None = None, assignments: list[str] | None = None) -> list[Path]:
    """Write the student version of every (or the named) assignment; return the notebooks written."""
    course = course.resolve()
    out = (out or course / "release").resolve()
    ids = assignments or [p.parent.name for p in notebooks.sections(course / "source")]
    cfg = _config(course, out)
    cfg.CourseDirectory.db_url = "sqlite:///:memory:"  # never touch the real gradebook
    cfg.GenerateAssignment.no_database = True
    cfg.SaveCells.enabled = False
    written: list[Path] = []
    for assignment_id in ids:
        target = out / assignment_id
        if target.exists():
            shutil.rmtree(target)
        _generate(cfg, assignment_id)
        for nb_path in sorted(target.glob("*.ipynb")):
            notebooks.write(notebooks.normalize(notebooks.read(nb_path)), nb_path)
            written.append(nb_path)
    return written
