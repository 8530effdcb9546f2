"""Notebook hygiene enforced by CI: names, metadata, outputs, and the lecture contract."""

from __future__ import annotations

import copy
import re

import pytest

from autograder import notebooks
from tests.conftest import RELEASE, SOURCE

SECTIONS = notebooks.sections(SOURCE)
RELEASED = sorted(RELEASE.glob("*/*.ipynb"))
ALL = SECTIONS + RELEASED
IDS = lambda paths: [f"{p.parent.parent.name}/{p.parent.name}" for p in paths]  # noqa: E731


def test_there_are_lectures() -> None:
    assert len(SECTIONS) >= 2


@pytest.mark.parametrize("folder", [SOURCE, RELEASE], ids=["source", "release"])
def test_folder_names_and_one_notebook_each(folder) -> None:
    for d in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
        assert d.is_dir() and notebooks.SECTION_RE.match(d.name), f"{d}: sections are folders named NN_slug"
        nbs = sorted(x.name for x in d.glob("*.ipynb"))
        assert nbs == [f"{d.name}.ipynb"], f"{d}: exactly one notebook, named {d.name}.ipynb (found {nbs})"


@pytest.mark.parametrize("path", ALL, ids=IDS(ALL))
def test_metadata_is_normalised(path) -> None:
    nb = notebooks.read(path)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    assert set(nb.metadata) <= set(notebooks.KEEP_NB_METADATA), f"stray notebook metadata: {set(nb.metadata)}"
    for i, cell in enumerate(nb.cells):
        extra = set(cell.metadata) - set(notebooks.KEEP_CELL_METADATA)
        assert not extra, f"cell {i}: stray metadata {extra} (Colab/editor leftovers?)"
        for out in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-view+json" not in out.get("data", {}), f"cell {i}: saved widget view"
    again = notebooks.normalize(copy.deepcopy(nb))
    assert again == nb, "run `python -m autograder store-outputs` (source) or `make release` to normalise"


@pytest.mark.parametrize("path", RELEASED, ids=IDS(RELEASED))
def test_release_has_no_outputs(path) -> None:
    for i, cell in enumerate(notebooks.read(path).cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {i} carries outputs"


@pytest.mark.parametrize("path", SECTIONS, ids=IDS(SECTIONS))
def test_source_outputs_are_stored(path) -> None:
    code = [c for c in notebooks.read(path).cells if c.cell_type == "code"]
    unrun = [i for i, c in enumerate(code) if c.execution_count is None]
    assert not unrun, f"code cells {unrun} were never run: `python -m autograder store-outputs {path.relative_to(SOURCE.parent)}`"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), "outputs must come from one top-to-bottom run"


@pytest.mark.parametrize("path", SECTIONS, ids=IDS(SECTIONS))
def test_few_ignored_outputs(path) -> None:
    code = [c for c in notebooks.read(path).cells if c.cell_type == "code"]
    tagged = [c for c in code if {"nbval-ignore-output", "nbval-skip", "raises-exception"} & set(c.metadata.get("tags", []))]
    assert len(tagged) * 10 <= len(code), f"{len(tagged)} of {len(code)} code cells skip nbval's comparison (at most 1 in 10)"


@pytest.mark.parametrize("path", SECTIONS, ids=IDS(SECTIONS))
def test_lecture_contract(path) -> None:
    nb = notebooks.read(path)
    section = path.parent.name
    ids = [notebooks.nbgrader_meta(c).get("grade_id") for c in nb.cells if notebooks.nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert f"colab.research.google.com/github/" in first.source and f"release/{section}/{section}.ipynb" in first.source, \
        "the title cell needs an 'Open in Colab' link to the release notebook"
    assert "objectives" in first.source.lower(), "the title cell lists the learning objectives"
    setup = next(c for c in nb.cells if c.cell_type == "code")
    assert "google.colab" in setup.source and "device.setup()" in setup.source, "first code cell is the setup cell"
    exercises = notebooks.exercises(nb)
    assert len(exercises) >= 3, "at least three autograded exercises"
    for ex in exercises:
        for t in ex.test_indices:
            src = nb.cells[t].source
            assert re.match(r'"""Check that .+"""', src.splitlines()[0]), f"{ex.solution_id}: test cell opens with '\"\"\"Check that ...\"\"\"'"
            visible, _, hidden = src.partition("### BEGIN HIDDEN TESTS")
            assert "check." in visible and "check." in hidden, f"{ex.solution_id}: visible and hidden checks"
            assert notebooks.nbgrader_meta(nb.cells[t]).get("points", 0) > 0
        sol = nb.cells[ex.solution_index].source
        assert "### BEGIN SOLUTION" in sol and "### END SOLUTION" in sol
    written = [c for c in nb.cells if notebooks.is_written_answer(c)]
    assert written, "one written answer graded by hand"


@pytest.mark.parametrize("path", SECTIONS, ids=IDS(SECTIONS))
def test_notebooks_do_not_define_helpers(path) -> None:
    """Lecture cells call helpers from `course`; only solution and test cells define functions."""
    for i, cell in enumerate(notebooks.read(path).cells):
        if cell.cell_type == "code" and not notebooks.is_solution_code(cell) and not notebooks.is_test_cell(cell):
            assert not re.search(r"^\s*(def|class) ", cell.source, re.M), f"cell {i} defines a helper: move it into course/"


@pytest.mark.parametrize("path", SECTIONS, ids=IDS(SECTIONS))
def test_lecture_cells_that_use_an_answer_require_it_first(path) -> None:
    """While an exercise is open, a later cell that uses its answer says "finish Exercise N first"."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    from autograder.transform import checker_label

    nb = notebooks.read(path)
    exercises = notebooks.exercises(nb)
    owner = {name: checker_label(nb.cells[e.test_indices[0]].source)
             for e in exercises for name in notebooks.assigned_names(nb.cells[e.solution_index].source)}
    graded = {e.solution_index for e in exercises} | {t for e in exercises for t in e.test_indices}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or i in graded:
            continue
        tree = ast.parse(TransformerManager().transform_cell(cell.source))
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} & set(owner)
        if not used:
            continue
        required = set()
        for node in tree.body:
            call = node.value if isinstance(node, ast.Expr) else None
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", getattr(call.func, "attr", "")) == "requires"):
                break
            args = [a.value for a in call.args if isinstance(a, ast.Constant)]
            required |= {(args[0], name) for name in args[1:]}
        missing = sorted(u for u in used if (owner[u], u) not in required)
        assert not missing, (f"cell {i} uses {missing} (an exercise's answer): start it with "
                             f"requires(\"{owner[missing[0]]}\", ...) so that an open exercise reads 'finish it first'")
