"""course/offlimits.py: one rule per exercise, every path real, nothing an honest answer needs."""

from __future__ import annotations

import importlib.util

import pytest

from autograder import notebooks
from course import integrity
from course.offlimits import ANSWERS, RULES
from tests.conftest import SOURCE


def _solutions() -> dict[str, list[str]]:
    found = {}
    for path in notebooks.sections(SOURCE):
        nb = notebooks.read(path)
        for ex in notebooks.exercises(nb):
            found[ex.solution_id] = notebooks.assigned_names(nb.cells[ex.solution_index].source)
    return found


SOLUTIONS = _solutions()
PATHS = sorted({p for r in RULES.values() for p in r.course + r.library})


def test_every_exercise_has_a_rule_and_its_answers() -> None:
    assert set(RULES) == set(SOLUTIONS), "one rule per exercise (keyed by the solution cell's grade id)"
    assert {k: list(v) for k, v in ANSWERS.items()} == SOLUTIONS, "ANSWERS lists what each solution cell defines"


@pytest.mark.parametrize("path", PATHS)
def test_every_path_names_something(path: str) -> None:
    top = path.split(".")[0]
    if importlib.util.find_spec(top) is None:
        pytest.skip(f"{top} is not installed here (Colab has some of these); the rule skips it where it is missing")
    obj = integrity.resolve(path)
    assert integrity.Targets().add(obj, 0), f"{path} resolves to {obj!r}, which the watch cannot see"


def test_numpy_and_math_are_never_off_limits() -> None:
    bad = [p for p in PATHS if p.split(".")[0] in ("numpy", "math", "builtins")]
    assert not bad, f"honest answers may use NumPy and math freely: {bad}"


def test_course_entries_are_the_course_and_library_entries_are_not() -> None:
    for gid, rule in RULES.items():
        assert all(p.startswith("course.") for p in rule.course), gid
        assert not any(p.startswith("course.") for p in rule.library), gid
        assert rule.advice and rule.advice[0].islower() and not rule.advice.endswith("."), f"{gid}: advice reads " \
            "as the end of a sentence: 'write the loop yourself'"


def test_rules_compile_with_nothing_missing_but_uninstalled_packages() -> None:
    for gid in RULES:
        compiled = integrity.compiled(integrity.rule_for(gid))
        missing = [p for p in compiled.missing if importlib.util.find_spec(p.split(".")[0]) is not None]
        assert not missing, f"{gid}: {missing} do not resolve"
