"""Courses and submissions for the autograder tests, built from real notebooks or a toy one.

Submissions follow the lectures: a release notebook with its solution cells
filled by code strings (the source's solution, a wrong one from
tests/wrong_solutions, or an attack).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import uuid
from pathlib import Path

import nbformat

from tests.conftest import RELEASE, ROOT, SOURCE

TOY = "99_toy"

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def lecture_course(tmp: Path, *sections: str) -> Path:
    """A course folder holding the named real lectures (source and release) and the course config."""
    course = tmp / "course"
    for section in sections:
        shutil.copytree(SOURCE / section, course / "source" / section)
        shutil.copytree(RELEASE / section, course / "release" / section)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    return course


def solution_code(section: str, grade_id: str, course_source: Path = SOURCE) -> str:
    """The instructor's solution cell with the BEGIN/END SOLUTION lines removed (a correct answer)."""
    nb = nbformat.read(str(course_source / section / f"{section}.ipynb"), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return SOLUTION_MARKERS.sub("", cell.source)
    raise KeyError(grade_id)


def release_nb(course: Path, section: str) -> dict:
    return json.loads((course / "release" / section / f"{section}.ipynb").read_text())


def fill(nb: dict, answers: dict[str, str]) -> dict:
    """A copy of ``nb`` whose solution cells named in ``answers`` hold the given code."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid]
    return nb


def cell_index(nb: dict, grade_id: str) -> int:
    for i, cell in enumerate(nb["cells"]):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def code_cell(source: str, **nbgrader) -> dict:
    cell = {"cell_type": "code", "execution_count": None, "id": uuid.uuid4().hex[:12], "metadata": {}, "outputs": [],
            "source": source}
    if nbgrader:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, **nbgrader}
    return cell


def md_cell(source: str, **nbgrader) -> dict:
    cell = {"cell_type": "markdown", "id": uuid.uuid4().hex[:12], "metadata": {}, "source": source}
    if nbgrader:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, **nbgrader}
    return cell


def submit(course: Path, student: str, section: str, nb: dict | bytes | None, files: dict[str, bytes] | None = None,
           name: str | None = None) -> Path:
    folder = course / "submitted" / student / section
    folder.mkdir(parents=True, exist_ok=True)
    if nb is not None:
        path = folder / f"{name or section}.ipynb"
        path.write_bytes(nb if isinstance(nb, bytes) else json.dumps(nb, indent=1).encode())
    for rel, data in (files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to prove nothing was modified)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def csv_rows(course: Path, assignment: str) -> list[dict]:
    import csv

    with open(course / "reports" / assignment / "scores.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def by_cell(rows: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["student"], r["grade_id"]): r for r in rows}


def gradebook_scores(course: Path, assignment: str, url: str | None = None) -> dict[tuple[str, str], float | None]:
    """(student, grade cell) -> auto_score, through nbgrader's own Gradebook API (what formgrader reads)."""
    from nbgrader.api import Gradebook

    out: dict[tuple[str, str], float | None] = {}
    with Gradebook(url or f"sqlite:///{course / 'gradebook.db'}", "mlbigsci") as gb:
        for sub in gb.find_assignment(assignment).submissions:
            for nb in sub.notebooks:
                for grade in nb.grades:
                    out[(sub.student.id, grade.cell.name)] = grade.auto_score
    return out


# ---------------------------------------------------------------- toy course

TOY_SETUP = "import numpy as np\nfrom course.checks import Checker\n"

TOY_EXERCISES = [
    ("add", 1, """def add(a, b):
    \"\"\"a + b.\"\"\"
    ### BEGIN SOLUTION
    return a + b
    ### END SOLUTION""",
     """\"\"\"Check that add adds.\"\"\"
check = Checker("Exercise 1: add")
check.equal(add(1, 2), 3, what="add(1, 2)", hint="Return a + b.")
### BEGIN HIDDEN TESTS
check.equal(add(-5, 5), 0, what="add(-5, 5)", hint="Negative numbers add too.")
### END HIDDEN TESTS
check.done()"""),
    ("mean", 2, """def mean(xs):
    \"\"\"The arithmetic mean of xs as a float.\"\"\"
    ### BEGIN SOLUTION
    return float(np.mean(np.asarray(xs, dtype=float)))
    ### END SOLUTION""",
     """\"\"\"Check that mean agrees with NumPy.\"\"\"
check = Checker("Exercise 2: mean")
check.close(mean([1, 2, 3]), 2.0, what="mean([1, 2, 3])", hint="Sum and divide by the count.")
check.true(bool(np.isclose(mean([2, 4]), 3.0)), what="mean([2, 4]) is 3", hint="Sum and divide by the count.")
### BEGIN HIDDEN TESTS
_data = np.arange(10.0)
_expected = float(np.mean(_data))
check.close(mean(_data), _expected, what="mean of 0..9", hint="Work on arrays too.")
### END HIDDEN TESTS
check.done()"""),
    ("scale", 2, """def scale(v, k):
    \"\"\"v times k, as a NumPy array.\"\"\"
    ### BEGIN SOLUTION
    return np.asarray(v, dtype=float) * k
    ### END SOLUTION""",
     """\"\"\"Check that scale multiplies every element.\"\"\"
check = Checker("Exercise 3: scale")
check.shape(scale([1, 2, 3], 2), (3,), what="shape of scale([1, 2, 3], 2)", hint="Keep one value per element.")
check.equal(len(scale([1, 2, 3], 2)), 3, what="len of scale([1, 2, 3], 2)", hint="Keep one value per element.")
check.close(scale([1, 2, 3], 2), [2.0, 4.0, 6.0], what="scale([1, 2, 3], 2)", hint="Multiply every element by k.")
check.done()"""),
]


def _nbgrader_solution(gid: str) -> dict:
    return {"grade": False, "grade_id": gid, "locked": False, "schema_version": 3, "solution": True, "task": False}


def _nbgrader_test(gid: str, points: float) -> dict:
    return {"grade": True, "grade_id": gid, "locked": True, "points": points, "schema_version": 3,
            "solution": False, "task": False}


def toy_notebooks(setup: str = TOY_SETUP, exercises=TOY_EXERCISES) -> tuple[dict, dict]:
    """(source, release) notebooks of the toy assignment: three exercises and a written answer."""
    src_cells = [md_cell("# Toy assignment"), code_cell(setup)]
    rel_cells = copy.deepcopy(src_cells)
    for gid, points, solution, test in exercises:
        sol = code_cell(solution)
        sol["metadata"]["nbgrader"] = _nbgrader_solution(gid)
        tst = code_cell(test)
        tst["metadata"]["nbgrader"] = _nbgrader_test(f"{gid}_test", points)
        src_cells += [md_cell(f"## {gid}"), sol, tst]
        stub = copy.deepcopy(sol)
        stub["source"] = re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION",
                                "# YOUR CODE HERE\n    raise NotImplementedError()", solution, flags=re.S)
        rel_test = copy.deepcopy(tst)
        rel_test["source"] = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n", "", test, flags=re.S)
        rel_cells += [md_cell(f"## {gid}"), stub, rel_test]
    written = md_cell("Explain in one sentence why the mean is sensitive to outliers.\n\nIt sums every value.")
    written["metadata"]["nbgrader"] = {"grade": True, "grade_id": "explain", "locked": False, "points": 1,
                                       "schema_version": 3, "solution": True, "task": False}
    rel_written = copy.deepcopy(written)
    rel_written["source"] = "Explain in one sentence why the mean is sensitive to outliers.\n\nYOUR ANSWER HERE"
    src_cells.append(written)
    rel_cells.append(rel_written)
    meta = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"}}
    make = lambda cells: {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}  # noqa: E731
    return make(src_cells), make(rel_cells)


def toy_course(tmp: Path, name: str = TOY, setup: str = TOY_SETUP, exercises=TOY_EXERCISES) -> Path:
    course = tmp / "course"
    src, rel = toy_notebooks(setup, exercises)
    for folder, nb in (("source", src), ("release", rel)):
        path = course / folder / name / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nbformat.from_dict(nb), indent=1))
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    return course


def toy_solution(gid: str, exercises=TOY_EXERCISES) -> str:
    for g, _, solution, _ in exercises:
        if g == gid:
            return SOLUTION_MARKERS.sub("", solution)
    raise KeyError(gid)


def toy_release(course: Path, name: str = TOY) -> dict:
    return json.loads((course / "release" / name / f"{name}.ipynb").read_text())


# ---------------------------------------------------------- toy TensorFlow course

TF_SETUP = """from course import device
profile = device.setup()
import numpy as np
import tensorflow as tf
import keras
from course.checks import Checker
"""

TF_EXERCISES = [
    ("relu", 1, """def relu(x):
    \"\"\"max(x, 0) elementwise, as a tf.Tensor.\"\"\"
    ### BEGIN SOLUTION
    return tf.maximum(tf.convert_to_tensor(x, dtype=tf.float32), 0.0)
    ### END SOLUTION""",
     """\"\"\"Check relu on a few values.\"\"\"
check = Checker("Exercise 1: relu")
check.close(relu([-1.0, 0.0, 2.5]).numpy(), [0.0, 0.0, 2.5], what="relu([-1, 0, 2.5])", hint="Use tf.maximum.")
### BEGIN HIDDEN TESTS
check.close(relu(np.array([[-3.0, 4.0]])).numpy(), [[0.0, 4.0]], what="relu of a matrix", hint="Keep the shape.")
### END HIDDEN TESTS
check.done()"""),
    ("fit_line", 2, """def fit_line(x, y, epochs=12):
    \"\"\"Fit y = w x + b with one Dense unit (full-batch SGD, learning rate 0.5); return [w, b].\"\"\"
    ### BEGIN SOLUTION
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    w, b = model.layers[0].get_weights()
    return [float(w[0, 0]), float(b[0])]
    ### END SOLUTION""",
     """\"\"\"Check that fit_line recovers a line from noisy points.\"\"\"
check = Checker("Exercise 2: fit a line with Keras")
_rng = np.random.default_rng(1)
_x = _rng.uniform(-1, 1, size=(64, 1))
_y = 2.0 * _x[:, 0] + 1.0 + _rng.normal(0, 0.01, size=64)
check.close(fit_line(_x, _y), [2.0, 1.0], atol=0.05, what="[w, b] for y = 2x + 1", hint="Train long enough.")
check.done()"""),
]


# ------------------------------------------------- a graded class with due dates and hand grades

DUE = "2026-01-05 12:00:00 UTC"
LATE_POLICY = """
c.LatePenalty.method = "per_day"
c.LatePenalty.fraction = 0.1
c.LatePenalty.cap = 0.5
"""


def set_duedate(course: Path, assignment: str, duedate: str) -> None:
    """What `nbgrader db assignment add --duedate` (or formgrader) does, through nbgrader's API."""
    from nbgrader.api import Gradebook

    from autograder import gradebook

    url = f"sqlite:///{course / 'gradebook.db'}"
    notebooks = sorted(p.stem for p in (course / "source" / assignment).glob("*.ipynb"))
    gradebook.ensure_assignment(course, assignment, notebooks, url, "mlbigsci")
    with Gradebook(url, "mlbigsci") as gb:
        gb.update_or_create_assignment(assignment, duedate=duedate)


def hand_grade(course: Path, assignment: str, student: str, grade_id: str, score: float, comment: str,
               notebook: str | None = None) -> None:
    """What formgrader writes when a grader scores a written answer and comments on it."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "mlbigsci") as gb:
        grade = gb.find_grade(grade_id, notebook or assignment, assignment, student)
        grade.manual_score = score
        grade.needs_manual_grade = False
        gb.find_comment(grade_id, notebook or assignment, assignment, student).manual_comment = comment
        gb.db.commit()


def semester_course(tmp: Path) -> tuple[Path, list[str]]:
    """A toy class with a due date and a per-day late policy, graded once (log lines returned).

    alice: right, on time. bob: add wrong, 1 day 2 hours late. carol: right, 10 days late (the cap).
    dave: right, saved as 99_toy-Copy1.ipynb. erin: two candidate notebooks, neither named 99_toy.ipynb.
    """
    from autograder.grade import GradeOptions, grade

    course = toy_course(tmp)
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write(LATE_POLICY)
    set_duedate(course, TOY, DUE)
    rel = toy_release(course)
    right = fill(rel, {g: toy_solution(g) for g in ("add", "mean", "scale")})
    stamp = lambda t: {"timestamp.txt": f"{t} UTC".encode()}  # noqa: E731 - nbgrader collect's format
    submit(course, "alice", TOY, right, files=stamp("2026-01-05 10:00:00.000000"))
    submit(course, "bob", TOY, fill(right, {"add": "def add(a, b):\n    return a - b"}),
           files=stamp("2026-01-06 14:00:00.000000"))
    submit(course, "carol", TOY, right, files=stamp("2026-01-15 12:00:00.000000"))
    submit(course, "dave", TOY, right, name=f"{TOY}-Copy1", files=stamp("2026-01-05 11:00:00.000000"))
    submit(course, "erin", TOY, right, name="draft")
    submit(course, "erin", TOY, rel, name="final")
    log: list[str] = []
    grade(GradeOptions(TOY, course, workers=2), log=log.append)
    return course, log
