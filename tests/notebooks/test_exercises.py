"""Validate every exercise both ways (nbgrader's guide, DESIGN.md):

- every test cell passes against the source solution,
- every test cell fails against the release stub (what a student starts from),
- every plausible wrong solution kept under tests/wrong_solutions/ is rejected,
- every shortcut kept under tests/shortcuts/ (the course's own implementation, a
  reference from the test cell, a whole-job library call) is rejected, and the
  self-check says why (course.integrity),
- every visible test cell computes no answer: run after the solution with every
  off-limits call counted, its own included, it still passes.

Each notebook runs once, top to bottom, in one kernel; at each solution cell the
stub, the wrong solutions and the shortcuts are tried first (their names deleted
before each try), then the real solution runs and the notebook goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest

from autograder import notebooks
from autograder.kernel import CellResult, Kernel
from autograder.transform import visible_source
from course.integrity import rule_for
from tests.conftest import RELEASE, SHORTCUTS, SOURCE, WRONG

STUB = "release stub"
KINDS = {"course": "the course's own answer", "library": "which this exercise rules out",
         "reference": "which the test cell defines"}
STRICT_ON = "import course.integrity as _integrity\n_integrity.STRICT = True"
STRICT_OFF = "_integrity.STRICT = False\ndel _integrity"
UNWATCHED_ON = "import course.integrity as _integrity\n_integrity.GRADER = True"
UNWATCHED_OFF = "_integrity.GRADER = False\ndel _integrity"


@dataclass
class Trial:
    defined: CellResult
    tests: list[CellResult] = field(default_factory=list)
    unwatched: list[CellResult] = field(default_factory=list)  # shortcuts: the same tests with no off-limits watch


@dataclass
class NotebookRun:
    trials: dict[tuple[str, str], Trial] = field(default_factory=dict)
    solution_tests: dict[str, list[CellResult]] = field(default_factory=dict)
    visible_strict: dict[str, CellResult] = field(default_factory=dict)
    broken_cells: list[str] = field(default_factory=list)


def wrong_solutions(section: str, solution_id: str) -> list[Path]:
    return sorted((WRONG / section / solution_id).glob("*.py"))


def shortcuts(section: str, solution_id: str) -> list[Path]:
    return sorted((SHORTCUTS / section / solution_id).glob("*.py"))


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
                variants += [(f"shortcut:{p.stem}", p.read_text(encoding="utf-8"))
                             for p in shortcuts(section, ex.solution_id)]
                for label, src in variants:
                    if src is None:
                        continue
                    kernel.run(forget)
                    trial = Trial(kernel.run(src))
                    trial.tests = [kernel.run(nb.cells[t].source) for t in ex.test_indices]
                    if label.startswith("shortcut:"):  # proof that it is a real shortcut: it passes, unwatched
                        kernel.run(UNWATCHED_ON)
                        trial.unwatched = [kernel.run(nb.cells[t].source) for t in ex.test_indices]
                        kernel.run(UNWATCHED_OFF)
                    result.trials[(ex.solution_id, label)] = trial
                kernel.run(forget)
            outcome = kernel.run(cell.source)
            if i in test_owner:
                result.solution_tests.setdefault(test_owner[i], []).append(outcome)
                tid = notebooks.nbgrader_meta(cell)["grade_id"]
                kernel.run(STRICT_ON)
                result.visible_strict[tid] = kernel.run(visible_source(cell.source, "pass"))
                kernel.run(STRICT_OFF)
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


# ---------------------------------------------------------------- shortcuts


def references_in(source: str) -> set[str]:
    """Functions a test cell defines that compute something without checking it: references to call."""
    import ast

    from course.integrity import callbacks_in

    tree = ast.parse(source)
    callbacks = callbacks_in(source)
    found = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name not in callbacks:
            checks = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                         and isinstance(n.func.value, ast.Name) and n.func.value.id == "check" for n in ast.walk(node))
            if not checks:
                found.add(node.name)
    return found




def _test_sources(section: str, solution_id: str) -> list[str]:
    nb = notebooks.read(SOURCE / section / f"{section}.ipynb")
    ex = next(e for e in notebooks.exercises(nb) if e.solution_id == solution_id)
    return [nb.cells[t].source for t in ex.test_indices]


@pytest.mark.parametrize("section,solution_id,test_ids", CASES, ids=IDS)
def test_every_kind_of_shortcut_is_kept(section: str, solution_id: str, test_ids: list[str]) -> None:
    """At least one shortcut of each kind that applies to the exercise, each saying what it is."""
    from course.integrity import compiled

    rule = rule_for(solution_id)
    installed = [p for p in rule.library if p not in compiled(rule).missing]  # e.g. KerasHub is not installed here
    kinds = {p.stem.split("_")[0] for p in shortcuts(section, solution_id)}
    needed = {k for k, applies in (("course", rule.course), ("library", installed),
                                   ("reference", any(references_in(s) for s in _test_sources(section, solution_id))))
              if applies}
    assert needed <= kinds, (f"tests/shortcuts/{section}/{solution_id}/ needs a shortcut of each kind that applies: "
                             f"missing {sorted(needed - kinds)} (files start with course_, library_ or reference_)")
    for p in shortcuts(section, solution_id):
        assert p.stem.split("_")[0] in KINDS, f"{p.name}: name it course_*, library_* or reference_*"
        assert p.read_text(encoding="utf-8").startswith("# Shortcut:"), f"{p.name}: start with a '# Shortcut: ...' line"


@pytest.mark.parametrize("section,solution_id,test_ids", CASES, ids=IDS)
def test_shortcuts_rejected_with_the_reason(section: str, solution_id: str, test_ids: list[str]) -> None:
    run = run_notebook(section)
    for f in shortcuts(section, solution_id):
        trial = run.trials[(solution_id, f"shortcut:{f.stem}")]
        assert trial.defined.ok, f"shortcut {f.name} does not even run: {trial.defined.describe()}"
        failed = [t for t in trial.tests if not t.ok]
        assert failed, f"{section}/{test_ids} accept the shortcut {f.name}"
        broken = [t.describe() for t in trial.unwatched if not t.ok]
        assert not broken, f"{f.name} is no shortcut: it fails even where nothing is off-limits ({broken[0]})"
        reason = KINDS[f.stem.split("_")[0]]
        if f.stem.startswith(("course", "library")):
            assert reason in failed[0].evalue, f"{f.name} fails, but not for calling what is off-limits: {failed[0].describe()}"
            assert failed[0].traceback == (failed[0].evalue,), "a failed check shows its message alone"


def test_shortcut_folders_match_exercises() -> None:
    known = {(s, sol) for s, sol, _ in CASES}
    stray = [f"{d.parent.name}/{d.name}" for d in sorted(SHORTCUTS.glob("*/*"))
             if d.is_dir() and (d.parent.name, d.name) not in known]
    assert not stray, f"shortcuts for no exercise: {stray}"


# ------------------------------------------------------- visible test cells


ALLOWED_IMPORTS = {"numpy", "math"}
GRADER_IMPORTS = ALLOWED_IMPORTS | {"tracemalloc"}  # hidden tests may measure memory; it computes no answer


@pytest.mark.parametrize("section,solution_id,test_ids", CASES, ids=IDS)
def test_visible_test_cells_hold_no_answer(section: str, solution_id: str, test_ids: list[str]) -> None:
    """What a student sees of a test cell imports nothing that computes, defines only check helpers,
    and, run after the solution with every off-limits call counted, still passes."""
    import ast

    for tid, source in zip(test_ids, _test_sources(section, solution_id)):
        visible = visible_source(source, "pass")
        tree = ast.parse(visible)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                bad = [a.name for a in node.names if a.name.split(".")[0] not in ALLOWED_IMPORTS]
            elif isinstance(node, ast.ImportFrom):
                bad = [node.module] if (node.module or "").split(".")[0] not in ALLOWED_IMPORTS else []
            else:
                continue
            assert not bad, f"{section}/{tid}: the visible test cell imports {bad}; move references to the hidden tests"
        refs = references_in(visible)
        assert not refs, (f"{section}/{tid}: the visible test cell defines {sorted(refs)}, which compute without "
                          "checking; expected values a student sees are literals (references go in the hidden tests)")
        outcome = run_notebook(section).visible_strict[tid]
        assert outcome.ok, f"{section}/{tid}: the visible test cell itself calls something off-limits: {outcome.describe()}"


def _grading_code_rules(code: str) -> list[str]:
    """What the grader runs in a student's process may define only check helpers and callbacks, import only
    NumPy and math: a reference that reaches it could be called by the answer."""
    import ast

    from course.integrity import callbacks_in

    problems = []
    tree = ast.parse(code)
    callbacks = callbacks_in(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            problems += [f"imports {a.name}" for a in node.names if a.name.split(".")[0] not in GRADER_IMPORTS]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] not in GRADER_IMPORTS:
            problems.append(f"imports from {node.module}")
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.Assign)) and node not in ():
            name = node.name if isinstance(node, ast.FunctionDef) else None
            if name is None or name in callbacks:
                continue
            records = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id.startswith("__ag_")
                          for n in ast.walk(node))
            if not records:
                problems.append(f"defines {name}, which checks nothing")
    return problems


@pytest.mark.parametrize("section,solution_id,test_ids", CASES, ids=IDS)
def test_the_grader_hands_students_no_reference(section: str, solution_id: str, test_ids: list[str]) -> None:
    """The test code the grader runs beside the answer (expected values dropped) holds no reference."""
    from autograder.transform import rewrite

    for tid, source in zip(test_ids, _test_sources(section, solution_id)):
        problems = _grading_code_rules(rewrite(source).code)
        assert not problems, (f"{section}/{tid}: the grader's version of the test cell {problems}; use references "
                              "only in the expected values of checks (the grader drops those statements)")


FAMILIES = {"tensorflow": ("tf.", "TensorFlow"), "keras": ("keras", "Keras"), "keras_hub": ("keras", "Keras"),
            "scipy": ("scipy", "SciPy"), "sklearn": ("sklearn", "scikit-learn"), "pandas": ("pandas",),
            "statistics": ("statistics",), "collections": ("Counter",), "skimage": ("scikit-image",),
            "art": ("attack librar",), "cleverhans": ("attack librar",), "foolbox": ("attack librar",)}


def _statement(section: str, solution_id: str) -> str:
    """The markdown between the previous code cell and the exercise's solution cell."""
    nb = notebooks.read(SOURCE / section / f"{section}.ipynb")
    index = next(e.solution_index for e in notebooks.exercises(nb) if e.solution_id == solution_id)
    parts = []
    for cell in reversed(nb.cells[:index]):
        if cell.cell_type == "code":
            break
        parts.append(cell.source)
    return "\n".join(reversed(parts))


@pytest.mark.parametrize("section,solution_id,test_ids", CASES, ids=IDS)
def test_each_exercise_says_what_is_off_limits(section: str, solution_id: str, test_ids: list[str]) -> None:
    rule = rule_for(solution_id)
    if not rule.course and not rule.library:
        return
    text = _statement(section, solution_id)
    line = next((p for p in text.split("\n\n") if "**Off-limits" in p), "")
    assert line, f"{section}/{solution_id}: the exercise needs an '**Off-limits:** ...' paragraph (course/offlimits.py)"
    if rule.course:
        assert "course" in line, f"{section}/{solution_id}: say that the course's own implementation is off-limits"
    for path in rule.library:
        names = FAMILIES.get(path.split(".")[0], (path.split(".")[-1],))
        assert any(n in line for n in names), f"{section}/{solution_id}: the off-limits paragraph does not name {path}"


# ------------------------------------------------------------------- hints


HINT_RUN = 10  # consecutive tokens of the solution's code a hint may not repeat


def _code_tokens(source: str) -> list[str]:
    import io
    import tokenize

    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER,
            tokenize.STRING}
    try:
        return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skip]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        import re

        return re.findall(r"\w+|[^\w\s]", source)


def _longest_common_run(a: list[str], b: list[str]) -> list[str]:
    best, end = 0, 0
    previous = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        current = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                current[j] = previous[j - 1] + 1
                if current[j] > best:
                    best, end = current[j], i
        previous = current
    return a[end - best:end]


def _hints(source: str) -> list[str]:
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        value = None
        if isinstance(node, ast.keyword) and node.arg == "hint":
            value = node.value
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.upper().startswith("_HINT")
                                                  for t in node.targets):
            value = node.value
        if value is not None:
            found += [c.value for c in ast.walk(value) if isinstance(c, ast.Constant) and isinstance(c.value, str)]
    return found


@pytest.mark.parametrize("section,solution_id,test_ids", CASES, ids=IDS)
def test_hints_say_what_to_think_about_not_the_code_to_type(section: str, solution_id: str, test_ids: list[str]) -> None:
    import ast
    import re

    nb = notebooks.read(SOURCE / section / f"{section}.ipynb")
    ex = next(e for e in notebooks.exercises(nb) if e.solution_id == solution_id)
    solution = re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION.*$", "", nb.cells[ex.solution_index].source, flags=re.M)
    lines = solution.splitlines()
    for node in ast.walk(ast.parse(solution)):  # the signatures are the exercise's, not its answer
        if isinstance(node, ast.FunctionDef):
            for k in range(node.lineno - 1, node.body[0].lineno - 1):
                lines[k] = ""
    code = _code_tokens("\n".join(lines))
    for source in _test_sources(section, solution_id):
        for hint in _hints(source):
            run = _longest_common_run(_code_tokens(hint), code)
            assert len(run) < HINT_RUN, (f"{section}/{solution_id}: a hint repeats the solution's code "
                                         f"({' '.join(run)!r}): say what to think about instead: {hint!r}")
