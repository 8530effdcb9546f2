"""The real grader over every shortcut in tests/shortcuts/: each scores 0, and says why.

One grading run per lecture: submission k answers every exercise with its k-th
shortcut (an exercise with fewer shortcuts is left as the release stub), so the
number of notebooks graded is the largest number of shortcuts of one exercise,
not their total.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import notebooks
from autograder.grade import GradeOptions, grade
from tests.autograder import helpers as h
from tests.conftest import SHORTCUTS, SOURCE

SECTIONS = [p.parent.name for p in notebooks.sections(SOURCE)]
REASONS = {"course": "the course's own answer", "library": "which this exercise rules out"}


def _shortcuts(section: str) -> dict[str, list[Path]]:
    return {d.name: sorted(d.glob("*.py")) for d in sorted((SHORTCUTS / section).glob("*")) if d.is_dir()}


def _tests_of(section: str) -> dict[str, list[str]]:
    nb = notebooks.read(SOURCE / section / f"{section}.ipynb")
    return {e.solution_id: e.test_ids for e in notebooks.exercises(nb)}


@pytest.mark.parametrize("section", SECTIONS)
def test_the_grader_gives_every_shortcut_zero(section: str, tmp_path: Path) -> None:
    shortcuts = _shortcuts(section)
    if not shortcuts:
        pytest.fail(f"no shortcuts under tests/shortcuts/{section}/")
    course = h.lecture_course(tmp_path, section)
    release = h.release_nb(course, section)
    rounds = max(len(files) for files in shortcuts.values())
    for k in range(rounds):
        answers = {gid: files[k].read_text(encoding="utf-8") for gid, files in shortcuts.items() if k < len(files)}
        h.submit(course, f"shortcut{k}", section, h.fill(release, answers))
    grade(GradeOptions(section, course, workers=2, cell_timeout=120, notebook_timeout=900), log=lambda s: None)
    rows = h.by_cell(h.csv_rows(course, section))
    tests = _tests_of(section)
    for gid, files in shortcuts.items():
        for k, path in enumerate(files):
            got = [rows[(f"shortcut{k}", tid)] for tid in tests[gid]]
            assert all(float(r["score"]) == 0 for r in got), f"the grader gave {path.name} ({gid}) points: {got}"
            reason = REASONS.get(path.stem.split("_")[0])
            if reason:
                assert any(r["status"] == "off-limits" and reason in r["message"] for r in got), (
                    f"{section}/{gid}/{path.name}: scored 0, but not for calling what is off-limits: "
                    f"{[(r['status'], r['message'][:160]) for r in got]}")


TAMPERED_WATCH = {
    "patched_methods": ("import course.integrity as ci\n"
                        "ci.Watch.first = lambda self: None\n"
                        "ci.Watch._hit = lambda self, *args: None\n"),
    "everything_is_library": "import course.integrity as ci\nci._ROOTS = ('/',)\n",
    "rules_cleared": ("import sys\n_f = sys._getframe()\nwhile _f is not None:  # up to the runner's own globals\n"
                      "    if isinstance(_f.f_globals.get('_RULES'), dict):\n        _f.f_globals['_RULES'].clear()\n"
                      "    _f = _f.f_back\n"),
}


def test_an_answer_that_patches_the_grader_watch_still_scores_zero(tmp_path: Path) -> None:
    """The runner puts the watch back as it was preloaded before every test cell."""
    section = "05_convolutional_networks"
    course = h.lecture_course(tmp_path, section)
    release = h.release_nb(course, section)
    shortcut = (SHORTCUTS / section / "conv2d" / "course_alias.py").read_text(encoding="utf-8")
    for student, patch in TAMPERED_WATCH.items():
        h.submit(course, student, section, h.fill(release, {"conv2d": patch + shortcut}))
    grade(GradeOptions(section, course, workers=2), log=lambda s: None)
    rows = h.by_cell(h.csv_rows(course, section))
    for student in TAMPERED_WATCH:
        row = rows[(student, "conv2d_test")]
        assert (row["status"], float(row["score"])) == ("off-limits", 0.0), (student, row["message"])
        assert "course.widgets.convolution.conv2d" in row["message"]
