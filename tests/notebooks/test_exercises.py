"""Validate every exercise both ways (nbgrader's guide, DESIGN.md):

- every test cell passes against the source solution,
- every test cell fails against the release stub (what a student starts from),
- every plausible wrong solution kept under tests/wrong_solutions/ is rejected.

Each notebook runs once, top to bottom, in one kernel; at each solution cell the
stub and the wrong solutions are tried first (their names deleted before each
try), then the real solution runs and the notebook goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest

from autograder import notebooks
from autograder.kernel import CellResult, Kernel
from tests.conftest import RELEASE, SOURCE, WRONG

STUB = "release stub"


@dataclass
class Trial:
    defined: CellResult
    tests: list[CellResult] = field(default_factory=list)


@dataclass
class NotebookRun:
    trials: dict[tuple[str, str], Trial] = field(default_factory=dict)
    solution_tests: dict[str, list[CellResult]] = field(default_factory=dict)
    broken_cells: list[str] = field(default_factory=list)


def wrong_solutions(section: str, solution_id: str) -> list[Path]:
    return sorted((WRONG / section / solution_id).glob("*.py"))


def release_stubs(section: str) -> dict[str, str]:
    path = RELEASE / section / f"{section}.ipynb"
    if not path.exists():
        return {}
    nb = notebooks.read(path)
    return {notebooks.nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells if notebooks.is_solution_code(c)}


@lru_cache(maxsize=None)
def run_notebook(section: str) -> NotebookRun:
    path = SOURCE / section / f"{section}.ipynb"
    nb = notebooks.read(path)
    by_index = {e.solution_index: e for e in notebooks.exercises(nb)}
    test_owner = {t: e.solution_id for e in by_index.values() for t in e.test_indices}
    stubs = release_stubs(section)
    result = NotebookRun()
    with Kernel(path.parent) as kernel:
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if i in by_index:
                ex = by_index[i]
                forget = f"for _name in {notebooks.assigned_names(cell.source)!r}:\n    globals().pop(_name, None)"
                variants = [(STUB, stubs.get(ex.solution_id))]
                variants += [(p.stem, p.read_text(encoding="utf-8")) for p in wrong_solutions(section, ex.solution_id)]
                for label, src in variants:
                    if src is None:
                        continue
                    kernel.run(forget)
                    trial = Trial(kernel.run(src))
                    trial.tests = [kernel.run(nb.cells[t].source) for t in ex.test_indices]
                    result.trials[(ex.solution_id, label)] = trial
                kernel.run(forget)
            outcome = kernel.run(cell.source)
            if i in test_owner:
                result.solution_tests.setdefault(test_owner[i], []).append(outcome)
            elif not outcome.ok:
                result.broken_cells.append(f"cell {i}: {outcome.describe()}")
    return result


def _cases() -> list[tuple[str, str, list[str]]]:
    cases = []
    for path in notebooks.sections(SOURCE):
        section = path.parent.name
        for ex in notebooks.exercises(notebooks.read(path)):
            cases.append((section, ex.solution_id, ex.test_ids))
    return cases


CASES = _cases()
IDS = [f"{s}::{sol}" for s, sol, _ in CASES]


@pytest.mark.parametrize("section,solution_id,test_ids", CASES, ids=IDS)
def test_source_solution_passes(section: str, solution_id: str, test_ids: list[str]) -> None:
    run = run_notebook(section)
    assert not run.broken_cells, f"{section}: non-exercise cells failed: {run.broken_cells}"
    outcomes = run.solution_tests[solution_id]
    assert len(outcomes) == len(test_ids)
    for tid, outcome in zip(test_ids, outcomes):
        assert outcome.ok, f"{section}/{tid} fails against the source solution: {outcome.describe()}"


@pytest.mark.parametrize("section,solution_id,test_ids", CASES, ids=IDS)
def test_release_stub_fails(section: str, solution_id: str, test_ids: list[str]) -> None:
    trial = run_notebook(section).trials.get((solution_id, STUB))
    assert trial is not None, f"release/{section} has no stub for {solution_id}: run `make release`"
    for tid, outcome in zip(test_ids, trial.tests):
        assert not outcome.ok, f"{section}/{tid} passes against the empty release stub"


@pytest.mark.parametrize("section,solution_id,test_ids", CASES, ids=IDS)
def test_wrong_solutions_rejected(section: str, solution_id: str, test_ids: list[str]) -> None:
    files = wrong_solutions(section, solution_id)
    assert len(files) >= 2, (
        f"{section}/{solution_id} needs at least two plausible wrong solutions under "
        f"tests/wrong_solutions/{section}/{solution_id}/ (has {len(files)})"
    )
    run = run_notebook(section)
    for f in files:
        trial = run.trials[(solution_id, f.stem)]
        assert trial.defined.ok, f"wrong solution {f.name} does not even run: {trial.defined.describe()}"
        assert any(not t.ok for t in trial.tests), f"{section}/{test_ids} accept the wrong solution {f.name}"


def test_wrong_solution_folders_match_exercises() -> None:
    """Every folder under tests/wrong_solutions/ names a real section and solution cell."""
    known = {(s, sol) for s, sol, _ in CASES}
    stray = [
        f"{d.parent.name}/{d.name}"
        for d in sorted(WRONG.glob("*/*"))
        if d.is_dir() and (d.parent.name, d.name) not in known
    ]
    assert not stray, f"wrong solutions for no exercise: {stray}"


def test_every_wrong_solution_says_what_is_wrong() -> None:
    unexplained = [str(p.relative_to(WRONG)) for p in sorted(WRONG.glob("*/*/*.py"))
                   if not p.read_text(encoding="utf-8").lstrip().startswith("# Wrong:")]
    assert not unexplained, f"start these with a '# Wrong: ...' line: {unexplained}"
