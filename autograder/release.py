"""``make release``: regenerate release/ from source/ with nbgrader's generate_assignment.

Runs nbgrader's converter in this process (one ~3 s start-up, not one per
assignment) and without touching the gradebook, so a fresh clone can release.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from traitlets.config import Config

from autograder import home, notebooks


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


def stamp_links(course: Path, assignments: list[str]) -> list[Path]:
    """Point every Colab badge and install line of these source notebooks and the README at the course's home.

    The home is ``[tool.course]`` in the course's pyproject.toml (:mod:`autograder.home`); a course
    folder without one (a scratch copy in a test) keeps its links as they are.
    """
    if not (course / "pyproject.toml").exists():
        return []
    where = home.read(course)
    paths = [course / "source" / a / f"{a}.ipynb" for a in assignments] + [course / "README.md"]
    return [p for p in paths if p.exists() and home.stamp_file(p, where)]


def release(course: Path, out: Path | None = None, assignments: list[str] | None = None) -> list[Path]:
    """Write the student version of every (or the named) assignment; return the notebooks written."""
    course = course.resolve()
    out = (out or course / "release").resolve()
    ids = assignments or [p.parent.name for p in notebooks.sections(course / "source")]
    cfg = _config(course, out)
    cfg.CourseDirectory.db_url = "sqlite:///:memory:"  # never touch the real gradebook
    cfg.GenerateAssignment.no_database = True
    cfg.SaveCells.enabled = False
    where = home.read(course) if (course / "pyproject.toml").exists() else None
    if out == course / "release":  # a real release also points the sources and the README at the home
        stamp_links(course, ids)
    written: list[Path] = []
    for assignment_id in ids:
        target = out / assignment_id
        if target.exists():
            shutil.rmtree(target)
        _generate(cfg, assignment_id)
        for nb_path in sorted(target.glob("*.ipynb")):
            nb = notebooks.normalize(notebooks.read(nb_path))
            if where is not None:
                for cell in nb.cells:
                    cell.source = where.stamp(cell.source)
            notebooks.write(nb, nb_path)
            written.append(nb_path)
    return written
