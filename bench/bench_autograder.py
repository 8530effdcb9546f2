"""Grading 20 submissions of a TensorFlow notebook: `nbgrader autograde` vs `python -m autograder grade` (target: 4x).

Both graders get identical copies of one course with the same 20 submissions
(correct, wrong, unanswered, and correct answers that write a warning to
stderr) of a lecture section that imports TensorFlow and trains a Keras model.
Rows: both wall times (cold: our grader's time includes running the solution
for its reference values), the throughput ratio, how many graded cells each
got right (we know the right score of every cell by construction), and whether
the two agree on every cell where nbgrader's score is right; and the same grading
with a copy of the packages whose off-limits watch never starts, for the time the
watch adds per submission.

The lecture is the first released one whose code uses TensorFlow beyond
``device.setup()`` (``BENCH_LECTURE=NN_slug`` picks another, ``BENCH_LECTURE=generated``
the generated notebook below), its submissions
built from the source solutions, tests/wrong_solutions and the release stubs;
without such a lecture, a small generated TensorFlow notebook.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import notebooks
from tests.autograder.helpers import TF_EXERCISES, TF_SETUP

TARGET = 4.0
MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)
N_SUBMISSIONS = 20
A = "97_tf_bench"

# The toy TensorFlow notebook shares its setup cell and first exercise with the autograder tests.
SETUP = TF_SETUP

EXERCISES = [
    next(e for e in TF_EXERCISES if e[0] == "relu"),
    ("dense", 2, """def dense(x, w, b):
    \"\"\"One dense layer with a ReLU: relu(x @ w + b), as a tf.Tensor.\"\"\"
    ### BEGIN SOLUTION
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    return tf.nn.relu(tf.matmul(x, tf.convert_to_tensor(w, dtype=tf.float32)) + b)
    ### END SOLUTION""", """\"\"\"Check the dense layer against a NumPy computation.\"\"\"
check = Checker("Exercise 2: a dense layer")
_x = np.array([[1.0, -2.0], [0.5, 3.0]])
_w = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]])
_b = np.array([0.1, 0.2, -0.3])
check.shape(dense(_x, _w, _b), (2, 3), what="shape of dense(x, w, b)", hint="x @ w has one row per example.")
check.close(dense(_x, _w, _b).numpy(), np.maximum(_x @ _w + _b, 0), rtol=1e-5, what="dense(x, w, b)",
            hint="Add b after the matrix product, then apply the ReLU.")
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
    ### END SOLUTION""", """\"\"\"Check that fit_line recovers a line from noisy points.\"\"\"
check = Checker("Exercise 3: fit a line with Keras")
_rng = np.random.default_rng(1)
_x = _rng.uniform(-1, 1, size=(64, 1))
_y = 2.0 * _x[:, 0] + 1.0 + _rng.normal(0, 0.01, size=64)
check.close(fit_line(_x, _y), [2.0, 1.0], atol=0.05, what="[w, b] for y = 2x + 1", hint="Train long enough.")
check.done()"""),
]

WRONG = {
    "relu": "def relu(x):\n    return tf.abs(tf.convert_to_tensor(x, dtype=tf.float32))",
    "dense": "def dense(x, w, b):\n    return tf.matmul(tf.convert_to_tensor(x, tf.float32), tf.convert_to_tensor(w, tf.float32)) + b",
    "fit_line": "def fit_line(x, y, epochs=12):\n    return [1.0, 0.0]",
}
WARN = "import sys, warnings\nwarnings.warn('relu: float64 input is converted to float32')\n"


def _cell(kind: str, source: str, meta: dict | None = None) -> dict:
    cell = {"cell_type": kind, "id": f"c{abs(hash(source)) % 10**10}", "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    if meta:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, **meta}
    return cell


def _notebooks() -> tuple[dict, dict]:
    src = [_cell("markdown", "# A small TensorFlow section (generated for the benchmark)"), _cell("code", SETUP)]
    rel = copy.deepcopy(src)
    for gid, points, solution, test in EXERCISES:
        sol_meta = {"grade": False, "grade_id": gid, "locked": False, "solution": True, "task": False}
        test_meta = {"grade": True, "grade_id": f"{gid}_test", "locked": True, "points": points, "solution": False,
                     "task": False}
        stub = re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "# YOUR CODE HERE\n    raise NotImplementedError()",
                      solution, flags=re.S)
        visible = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n", "", test, flags=re.S)
        src += [_cell("code", solution, sol_meta), _cell("code", test, test_meta)]
        rel += [_cell("code", stub, sol_meta), _cell("code", visible, test_meta)]
    meta = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"}}
    return ({"cells": src, "metadata": meta, "nbformat": 4, "nbformat_minor": 5},
            {"cells": rel, "metadata": meta, "nbformat": 4, "nbformat_minor": 5})


def _solution(gid: str) -> str:
    for g, _, solution, _ in EXERCISES:
        if g == gid:
            return MARKERS.sub("", solution)
    raise KeyError(gid)


def _fill(rel: dict, answers: dict[str, str]) -> dict:
    nb = copy.deepcopy(rel)
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid]
    return nb


def submissions(rel: dict) -> dict[str, tuple[dict, dict[str, float]]]:
    """20 submissions and the right score of each test cell."""
    points = {f"{g}_test": p for g, p, _, _ in EXERCISES}
    right = {g: _solution(g) for g, *_ in EXERCISES}
    subs: dict[str, tuple[dict, dict[str, float]]] = {}
    for i in range(10):
        subs[f"correct_{i:02d}"] = (_fill(rel, right), dict(points))
    for i, gid in enumerate(["relu", "dense", "fit_line", "relu"]):
        subs[f"wrong_{i:02d}"] = (_fill(rel, {**right, gid: WRONG[gid]}), {**points, f"{gid}_test": 0.0})
    for i in range(3):
        subs[f"unanswered_{i:02d}"] = (_fill(rel, {"relu": right["relu"]} if i else {}),
                                       {k: (points[k] if (i and k == "relu_test") else 0.0) for k in points})
    for i in range(3):
        noisy = right["relu"].replace('    """max(x, 0) elementwise, as a tf.Tensor."""\n',
                                      '    """max(x, 0) elementwise, as a tf.Tensor."""\n' + "".join(
                                          "    " + line + "\n" for line in WARN.strip().splitlines()))
        subs[f"warns_{i:02d}"] = (_fill(rel, {**right, "relu": noisy}), dict(points))
    assert len(subs) == N_SUBMISSIONS
    return subs


# ------------------------------------------------------------ a real lecture

TF_USE = re.compile(r"\b(tf|keras)\.")


def tf_lecture() -> str | None:
    """The first released lecture whose code uses TensorFlow beyond ``device.setup()`` (BENCH_LECTURE overrides)."""
    if os.environ.get("BENCH_LECTURE"):
        choice = os.environ["BENCH_LECTURE"]
        return None if choice == "generated" else choice
    for path in notebooks.sections(notebooks.ROOT / "release"):
        nb = notebooks.read(path)
        if any(c.cell_type == "code" and TF_USE.search(c.source) for c in nb.cells) and notebooks.exercises(nb):
            return path.parent.name
    return None


def _noisy(source: str) -> str:
    """A solution whose functions write a warning to stderr whenever they are called (still correct)."""
    import ast

    names = [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    wrap = ["", "import functools as _ft, warnings as _wn", "def _noisy(_f):",
            "    @_ft.wraps(_f)", "    def _g(*a, **k):",
            "        _wn.warn(f'{_f.__name__}: results are computed in float64', stacklevel=2)",
            "        return _f(*a, **k)", "    return _g"]
    return source + "\n".join(wrap + [f"{n} = _noisy({n})" for n in names]) + "\n"


def lecture_submissions(section: str) -> tuple[dict, dict, dict[str, tuple[dict, dict[str, float]]]]:
    """(source, release, submissions) for a real lecture: correct, wrong, unanswered and noisy answers."""
    src = json.loads((notebooks.ROOT / "source" / section / f"{section}.ipynb").read_text())
    rel = json.loads((notebooks.ROOT / "release" / section / f"{section}.ipynb").read_text())
    src_nb = notebooks.read(notebooks.ROOT / "source" / section / f"{section}.ipynb")
    exercises = notebooks.exercises(src_nb)
    points = {}
    owner = {}
    for ex in exercises:
        for i, tid in zip(ex.test_indices, ex.test_ids):
            points[tid] = float(src_nb.cells[i].metadata.nbgrader.get("points", 0))
            owner[tid] = ex.solution_id
    right = {ex.solution_id: MARKERS.sub("", src_nb.cells[ex.solution_index].source) for ex in exercises}
    wrong_dir = notebooks.ROOT / "tests" / "wrong_solutions" / section
    wrong = {sid: sorted((wrong_dir / sid).glob("*.py"))[0].read_text() for sid in right
             if (wrong_dir / sid).is_dir() and any((wrong_dir / sid).glob("*.py"))}
    subs: dict[str, tuple[dict, dict[str, float]]] = {}
    for i in range(10):
        subs[f"correct_{i:02d}"] = (_fill(rel, right), dict(points))
    wrong_ids = sorted(wrong) or list(right)
    for i in range(4):
        sid = wrong_ids[i % len(wrong_ids)]
        answer = wrong.get(sid, "raise ValueError('wrong')")
        subs[f"wrong_{i:02d}"] = (_fill(rel, {**right, sid: answer}),
                                  {t: (0.0 if owner[t] == sid else p) for t, p in points.items()})
    first = exercises[0].solution_id
    for i in range(3):
        answered = {first: right[first]} if i else {}
        subs[f"unanswered_{i:02d}"] = (_fill(rel, answered),
                                       {t: (p if owner[t] in answered else 0.0) for t, p in points.items()})
    for i in range(3):
        subs[f"warns_{i:02d}"] = (_fill(rel, {**right, first: _noisy(right[first])}), dict(points))
    return src, rel, subs


def _course(root: Path, src: dict, rel: dict, subs: dict, name: str = A) -> Path:
    course = root
    for folder, nb in (("source", src), ("release", rel)):
        path = course / folder / name / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nb, indent=1))
    shutil.copy(notebooks.ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    for student, (nb, _) in subs.items():
        path = course / "submitted" / student / name / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(nb, indent=1))
    return course


def _env() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ.get('PATH', '')}", TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("COURSE_GRADEBOOK_URL", None)
    return env


def run_nbgrader(course: Path, name: str = A) -> tuple[float, dict[tuple[str, str], float]]:
    from autograder import gradebook

    url, course_id = gradebook.course_settings(course)
    gradebook.ensure_assignment(course, name, [name], url, course_id)
    start = time.perf_counter()
    proc = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "autograde", name], cwd=course, env=_env(),
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
    scores = {}
    with gradebook.open_gradebook(url, course_id) as gb:
        for sub in gb.find_assignment(name).submissions:
            for nb in sub.notebooks:
                for grade in nb.grades:
                    scores[(sub.student.id, grade.cell.name)] = float(grade.auto_score or 0.0)
    return seconds, scores


def unwatched_packages(folder: Path) -> Path:
    """A copy of the course and autograder packages whose off-limits watch never starts (for timing it)."""
    for pkg in ("course", "autograder"):
        shutil.copytree(notebooks.ROOT / pkg, folder / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    with open(folder / "course" / "integrity.py", "a", encoding="utf-8") as fh:
        fh.write("\n\nWatch.start = lambda self, *args, **kwargs: None  # bench only: no watch\nWatch.first = lambda self: None\n")
    return folder


def run_autograder(course: Path, name: str = A, packages: Path | None = None) -> tuple[float, dict[tuple[str, str], float]]:
    env = _env()
    if packages is not None:
        env["PYTHONPATH"] = str(packages)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", name], cwd=course, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
    scores = {}
    with open(course / "reports" / name / "scores.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            scores[(row["student"], row["grade_id"])] = float(row["score"])
    return seconds, scores


def run() -> list[dict]:
    section = tf_lecture()
    if section:
        src, rel, subs = lecture_submissions(section)
        name, label = section, section
    else:
        src, rel = _notebooks()
        subs = submissions(rel)
        name, label = A, "generated TF notebook"
    truth = {(s, gid): score for s, (_, scores) in subs.items() for gid, score in scores.items()}
    with tempfile.TemporaryDirectory(prefix="bench-autograder-") as tmp:
        ours_course = _course(Path(tmp) / "ours", src, rel, subs, name)
        nbg_course = _course(Path(tmp) / "nbgrader", src, rel, subs, name)
        bare_course = _course(Path(tmp) / "unwatched", src, rel, subs, name)
        nbg_s, nbg = run_nbgrader(nbg_course, name)
        our_s, ours = run_autograder(ours_course, name)
        bare_s, _ = run_autograder(bare_course, name, unwatched_packages(Path(tmp) / "packages"))
    cells = sorted(truth)
    nbg_right = [c for c in cells if nbg.get(c) == truth[c]]
    ours_right = [c for c in cells if ours.get(c) == truth[c]]
    agree = [c for c in nbg_right if ours.get(c) == nbg.get(c)]
    ratio = nbg_s / our_s if our_s else 0.0
    return [
        {"name": f"nbgrader autograde, {N_SUBMISSIONS} submissions of {label}", "value": round(nbg_s, 1), "unit": "s"},
        {"name": f"python -m autograder grade, same {N_SUBMISSIONS}", "value": round(our_s, 1), "unit": "s"},
        {"name": "throughput vs nbgrader", "value": round(ratio, 2), "unit": "x", "target": f">= {TARGET:g}x",
         "ok": ratio >= TARGET},
        {"name": "cells nbgrader scores right", "value": f"{len(nbg_right)}/{len(cells)}", "unit": ""},
        {"name": "cells the autograder scores right", "value": f"{len(ours_right)}/{len(cells)}", "unit": "",
         "ok": len(ours_right) == len(cells)},
        {"name": "agree wherever nbgrader is right", "value": f"{len(agree)}/{len(nbg_right)}", "unit": "",
         "ok": len(agree) == len(nbg_right)},
        {"name": "same grading without the off-limits watch", "value": round(bare_s, 1), "unit": "s"},
        {"name": "time the off-limits watch adds per submission", "value": round((our_s - bare_s) / len(subs), 2),
         "unit": "s"},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
