"""A TensorFlow assignment: the runner imports TensorFlow once and forks a child per notebook."""

from __future__ import annotations

import json

import pytest

from autograder.grade import GradeOptions, grade, preload_modules
from autograder import assemble as asm
from tests.autograder import helpers as h

A = "98_tf_toy"
PROBE = "import sys\nprint('TF_ALREADY_IMPORTED', 'tensorflow' in sys.modules)"


@pytest.fixture(scope="module")
def tf_course(tmp_path_factory: pytest.TempPathFactory):
    course = h.toy_course(tmp_path_factory.mktemp("tf"), name=A, setup=h.TF_SETUP, exercises=h.TF_EXERCISES)
    rel = json.loads((course / "release" / A / f"{A}.ipynb").read_text())
    right = {g: h.toy_solution(g, h.TF_EXERCISES) for g in ("relu", "fit_line")}
    probe_first = dict(rel, cells=[h.code_cell(PROBE), *h.fill(rel, right)["cells"]])
    h.submit(course, "right", A, probe_first)
    h.submit(course, "other_optimizer", A, h.fill(rel, {**right, "fit_line": right["fit_line"].replace(
        "keras.optimizers.SGD(0.5)", "keras.optimizers.SGD(0.5, momentum=0.3)")}))
    h.submit(course, "wrong", A, h.fill(rel, {"relu": "def relu(x):\n    return tf.abs(tf.constant(x, tf.float32))",
                                              "fit_line": "def fit_line(x, y, epochs=12):\n    return [1.0, 0.0]"}))
    for i in range(3):
        h.submit(course, f"right_{i}", A, h.fill(rel, right))
    grade(GradeOptions(A, course, workers=2, cell_timeout=60, notebook_timeout=300), log=lambda s: None)
    return course, h.by_cell(h.csv_rows(course, A))


def test_tensorflow_is_preloaded_in_the_zygote_not_per_notebook(tf_course) -> None:
    course, _ = tf_course
    src = asm.load_source(course / "source" / A / f"{A}.ipynb")
    assert preload_modules([src])[:2] == ("tensorflow", "keras")
    nb = json.loads((course / "autograded" / "right" / A / f"{A}.ipynb").read_text())
    first = "".join(nb["cells"][0]["outputs"][0]["text"])
    assert first == "TF_ALREADY_IMPORTED True\n", "the forked child starts with TensorFlow imported"


def test_forked_children_train_and_are_scored_against_the_solution(tf_course) -> None:
    _, rows = tf_course
    for student in ("right", "right_0", "right_1", "right_2", "other_optimizer"):
        assert rows[(student, "relu_test")]["status"] == "passed", student
        assert (rows[(student, "fit_line_test")]["status"], rows[(student, "fit_line_test")]["message"]) == \
            ("passed", "the check passed"), student
    assert rows[("wrong", "relu_test")]["message"] == (
        "check 1 (relu([-1, 0, 2.5])) failed: 1 of 3 values differ; first at index (0,): expected 0, got 1 "
        "(largest difference 1). Try: Use tf.maximum.")
    assert rows[("wrong", "fit_line_test")]["status"] == "failed"
