"""release/ is exactly what `make release` produces from source/ (cell ids aside)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder import notebooks
from autograder.release import release
from tests.conftest import RELEASE, ROOT, SOURCE


def _comparable(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell.pop("id", None)
    return nb


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release")
    release(ROOT, out)
    return out


def test_release_folder_matches_sources() -> None:
    src = sorted(p.parent.name for p in notebooks.sections(SOURCE))
    rel = sorted(p.name for p in RELEASE.iterdir() if p.is_dir()) if RELEASE.exists() else []
    assert src, "no source notebooks found"
    assert rel == src, "release/ and source/ hold different sections: run `make release`"


@pytest.mark.parametrize("section", [p.parent.name for p in notebooks.sections(SOURCE)])
def test_release_is_generated(section: str, fresh_release: Path) -> None:
    committed = RELEASE / section / f"{section}.ipynb"
    generated = fresh_release / section / f"{section}.ipynb"
    assert committed.exists(), f"{committed} missing: run `make release`"
    assert _comparable(committed) == _comparable(generated), (
        f"release/{section} differs from what `make release` generates from source/: "
        "edit the source notebook, never release/, then run `make release`"
    )


def test_release_hides_solutions_and_hidden_tests(fresh_release: Path) -> None:
    for path in sorted(fresh_release.glob("*/*.ipynb")):
        text = path.read_text(encoding="utf-8")
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in text, f"{path.name} leaks '{marker}'"


def test_release_of_a_toy_course(tmp_path: Path) -> None:
    """The generator itself: a solution becomes a stub, hidden tests vanish, outputs are cleared."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    sol = nbformat.v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION")
    sol.metadata["nbgrader"] = {"grade": False, "grade_id": "f", "locked": False, "schema_version": 3, "solution": True, "task": False}
    sol.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    test = nbformat.v4.new_code_cell('"""Check f."""\nassert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(2) == 3\n### END HIDDEN TESTS')
    test.metadata["nbgrader"] = {"grade": True, "grade_id": "f_test", "locked": True, "points": 1, "schema_version": 3, "solution": False, "task": False}
    nb.cells = [sol, test]
    (tmp_path / "source" / "99_toy").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "source" / "99_toy" / "99_toy.ipynb")
    [written] = release(tmp_path)
    out = notebooks.read(written)
    assert "raise NotImplementedError()" in out.cells[0].source and "x + 1" not in out.cells[0].source
    assert out.cells[0].outputs == []
    assert "f(2) == 3" not in out.cells[1].source and "f(1) == 2" in out.cells[1].source
    assert not (tmp_path / "gradebook.db").exists(), "release must not create a gradebook"
