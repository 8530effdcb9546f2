"""autograder/assemble.py: the graded notebook has the source's tests wherever the student left theirs."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from autograder import assemble as asm
from tests.autograder import helpers as h


@pytest.fixture()
def toy(tmp_path: Path):
    course = h.toy_course(tmp_path)
    src = asm.load_source(course / "source" / h.TOY / f"{h.TOY}.ipynb")
    return src, h.toy_release(course)


def _order(plan: asm.Plan) -> list[str]:
    return [f"{c['kind']}:{c['grade_id']}" if c["grade_id"] else c["kind"] for c in plan.cells]


def _tests_of(plan: asm.Plan) -> dict[str, str]:
    return {c["grade_id"]: c["code"] for c in plan.cells if c["kind"] == "test"}


EXPECTED_ORDER = ["code", "code:add", "test:add_test", "code:mean", "test:mean_test", "code:scale", "test:scale_test"]


def test_untouched_release_runs_the_source_tests_with_hidden_ones(toy) -> None:
    src, rel = toy
    plan = asm.assemble(src, asm.check_notebook(rel))
    assert _order(plan) == EXPECTED_ORDER
    assert "add(-5, 5)" in _tests_of(plan)["add_test"], "hidden tests come from the source"
    assert plan.notes == [] and all(n == [] for n in plan.test_notes.values())


def test_deleted_duplicated_moved_retyped_and_reided_test_cells_are_restored(toy) -> None:
    src, rel = toy
    nb = copy.deepcopy(rel)
    cells = nb["cells"]
    add_test = cells[h.cell_index(nb, "add_test")]
    mean_test = cells[h.cell_index(nb, "mean_test")]
    scale_test = cells[h.cell_index(nb, "scale_test")]
    add_test["source"] = "check = Checker('x')\ncheck.done()  # edited: all checks removed"
    mean_test["cell_type"] = "markdown"  # retyped
    scale_copy = copy.deepcopy(scale_test)
    scale_copy["metadata"]["nbgrader"]["grade_id"] = "my_own_id"  # re-id'd duplicate
    cells.remove(scale_test)
    cells.insert(1, scale_test)  # moved above everything
    cells.append(scale_copy)
    plan = asm.assemble(src, asm.check_notebook(nb))
    assert _order(plan) == EXPECTED_ORDER, "each test runs right after its solution, wherever the student put it"
    assert plan.test_notes["add_test"] == ["test cell 'add_test' had been edited"]
    assert plan.test_notes["mean_test"] == ["test cell 'mean_test' had been changed to markdown"]
    assert plan.test_notes["scale_test"] == ["a copy of test cell 'scale_test' carried the id 'my_own_id'",
                                             "test cell 'scale_test' appeared 2 times; it ran once, restored from the source"]
    assert "check.done()  # edited" not in json.dumps(plan.cells)


def test_deleted_test_and_solution_cells_are_reported(toy) -> None:
    src, rel = toy
    nb = copy.deepcopy(rel)
    nb["cells"] = [c for c in nb["cells"]
                   if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") not in ("add_test", "mean")]
    plan = asm.assemble(src, asm.check_notebook(nb))
    assert _order(plan) == ["code", "code:add", "test:add_test", "code:scale", "test:scale_test", "test:mean_test"]
    assert plan.test_notes["add_test"] == ["test cell 'add_test' was missing and has been restored from the source"]
    assert plan.test_notes["mean_test"] == ["its solution cell 'mean' is missing, so the test ran at the end of the notebook"]
    assert plan.notes == ["solution cell 'mean' is missing from the submission"]


def test_student_metadata_cannot_turn_a_solution_into_a_graded_cell(toy) -> None:
    src, rel = toy
    nb = copy.deepcopy(rel)
    sol = nb["cells"][h.cell_index(nb, "add")]
    sol["metadata"]["nbgrader"].update(grade=True, points=100)  # "autograder answer" cells score by output in nbgrader
    extra = h.code_cell("print('I give myself 100 points')", grade=True, grade_id="bonus", points=100, solution=False)
    nb["cells"].append(extra)
    plan = asm.assemble(src, asm.check_notebook(nb))
    assert [c["grade_id"] for c in plan.cells if c["kind"] == "test"] == ["add_test", "mean_test", "scale_test"]
    add_cell = plan.notebook.cells[plan.cell_map[1]]
    assert add_cell.metadata.nbgrader["grade"] is False, "metadata comes from the source notebook"
    assert plan.notes == ["a cell with the unknown grade id 'bonus' was graded as an ordinary cell"]


def test_duplicated_solution_cells_all_run_and_tests_follow_the_last(toy) -> None:
    src, rel = toy
    nb = h.fill(rel, {"add": "def add(a, b):\n    return 0"})
    fixed = copy.deepcopy(nb["cells"][h.cell_index(nb, "add")])
    fixed["source"] = "def add(a, b):\n    return a + b"
    nb["cells"].insert(h.cell_index(nb, "add_test"), fixed)
    plan = asm.assemble(src, asm.check_notebook(nb))
    assert _order(plan)[:4] == ["code", "code:add", "code:add", "test:add_test"]
    assert plan.notes == ["solution cell 'add' appears 2 times: all copies ran, its tests after the last one"]


def test_unanswered_exercises_are_recognised_from_the_release_stubs(toy, tmp_path: Path) -> None:
    src, rel = toy
    stubs = asm.release_stubs(tmp_path / "course" / "release" / h.TOY / f"{h.TOY}.ipynb")
    nb = h.fill(rel, {"add": h.toy_solution("add")})
    plan = asm.assemble(src, asm.check_notebook(nb), stubs)
    assert plan.unanswered == {"mean", "scale"}


@pytest.mark.parametrize("content, message", [
    (b"not json at all", "the notebook is not valid JSON"),
    (b"\xff\xfe\x00garbage", "the notebook is not UTF-8 text"),
    (b"[1, 2, 3]", "the file is JSON but not a notebook (no top-level object)"),
    (b'{"cells": "nope"}', "the file is JSON but not a notebook (no list of cells)"),
    (b'{"cells": [{"cell_type": "code", "source": 7}]}', "a cell's source is neither text nor a list of lines"),
    (b'{"cells": [{"cell_type": "widget", "source": ""}]}', "cell 1 is not a code, markdown or raw cell"),
    (b"[" * 100000 + b"]" * 100000, "the notebook's JSON is nested too deeply"),
])
def test_malformed_notebooks_are_invalid_not_crashes(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_bytes(content)
    with pytest.raises(asm.InvalidNotebook) as info:
        asm.read_submission(path)
    assert str(info.value).startswith(message)


def test_oversized_notebooks_and_links_are_invalid(tmp_path: Path) -> None:
    big = tmp_path / "big.ipynb"
    with open(big, "wb") as fh:
        fh.truncate(asm.MAX_NOTEBOOK_BYTES + 1)
    with pytest.raises(asm.InvalidNotebook, match=r"^the notebook is 50.0 MB, more than the 50 MB limit$"):
        asm.read_submission(big)
    link = tmp_path / "link.ipynb"
    os.symlink("/etc/passwd", link)
    with pytest.raises(asm.InvalidNotebook, match="not a regular file"):
        asm.read_submission(link)


def test_submission_files_skip_links_and_unsafe_names(tmp_path: Path) -> None:
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "data.csv").write_text("1,2\n")
    (folder / "nb.ipynb").write_text("{}")
    os.symlink("/etc/passwd", folder / "passwd")
    (folder / "bad name;rm.txt").write_text("x")
    files, left_out = asm.submission_files(folder, {"nb.ipynb"})
    assert files == [("data.csv", b"1,2\n")]
    assert sorted(left_out) == ["bad name;rm.txt (unsafe name)", "passwd (not a regular file)"]


def test_cells_after_the_last_test_do_not_run(toy) -> None:
    src, rel = toy
    nb = copy.deepcopy(rel)
    nb["cells"].append(h.code_cell("print('after the last test')"))
    plan = asm.assemble(src, asm.check_notebook(nb))
    assert plan.not_run == 1, "nothing after the last test cell can change a score"
    assert "after the last test" not in json.dumps(plan.cells)
    assert plan.notebook.cells[-1].source == "print('after the last test')", "the cell stays in the graded notebook"
