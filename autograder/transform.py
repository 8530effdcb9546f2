"""Rewrite a test cell so that the student's process computes only *values*, never answers.

A course test cell calls ``check.close(VALUE, EXPECTED, what=..., hint=...)`` and
friends (``course.checks.Checker``).  Before such a cell runs in a student's
process the grader rewrites every check call into
``__ag_check__(SITE, KIND, VALUE, what=..., hint=..., rtol=...)``: the expected
value is dropped, and so are the statements that only fed expected values
(``expected = dict(Counter(...))``, a reference helper, its import).  The
student's process thus records what the student's code returned, and the
trusted grader compares that with what the instructor's solution returned
for the same call site (``course.checks.compare`` on plain data).

The same rewrite runs on the instructor's solution, so whatever the dropped
statements did, both sides run identical test code.  A second rewrite,
:func:`validating`, keeps the expected values: the grader runs it on the
solution once to prove that the solution passes its own tests.

Defined for the trusted autograder (issue 6); test cells are written in
00_big_data_in_science onwards.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field

from course.integrity import callbacks_in

CHECK_KINDS = ("close", "equal", "shape", "true")
PARAM_NAMES = ("rtol", "atol")
RECORD_FN = "__ag_check__"
DONE_FN = "__ag_done__"
CHECKER_FN = "__ag_checker__"

BEGIN_HIDDEN = re.compile(r"^\s*###\s*BEGIN HIDDEN TESTS\s*$", re.M)
END_HIDDEN = re.compile(r"^\s*###\s*END HIDDEN TESTS\s*$", re.M)


class TestCellError(ValueError):
    """A test cell the grader cannot rewrite (the instructor must fix it)."""


@dataclass(frozen=True)
class Site:
    """One check call in a test cell: where it is and whether it is a hidden test."""

    site: int
    kind: str
    line: int
    hidden: bool


@dataclass
class TestCode:
    """A test cell rewritten for grading: the code to run and its check sites."""

    code: str
    validating: str
    sites: list[Site] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    label: str = ""  # "Exercise 2", from the cell's Checker("Exercise 2: ...")
    callbacks: list[str] = field(default_factory=list)  # functions the cell hands to the student's code


def hidden_lines(source: str) -> set[int]:
    """1-based line numbers between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``."""
    lines: set[int] = set()
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        if BEGIN_HIDDEN.match(line):
            inside = True
        elif END_HIDDEN.match(line):
            inside = False
        elif inside:
            lines.add(number)
    return lines


def visible_source(source: str, placeholder: str = "# (hidden tests)") -> str:
    """The test cell as a student may see it: hidden tests replaced by one comment line."""
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        if BEGIN_HIDDEN.match(line):
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + placeholder)
        elif END_HIDDEN.match(line):
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _checker_names(tree: ast.AST) -> set[str]:
    """Names bound to ``Checker(...)`` (or ``<module>.Checker(...)``) anywhere in the cell."""
    names = {"check"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_checker_call(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names.add(target.id)
    return names


def _is_checker_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "Checker") or (
        isinstance(func, ast.Attribute) and func.attr == "Checker"
    )


def _name_loads(node: ast.AST) -> Counter:
    return Counter(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))


class _Rewriter(ast.NodeTransformer):
    """Turns check calls into recorder calls; collects what it dropped."""

    def __init__(self, checkers: set[str], hidden: set[int], keep_expected: bool) -> None:
        self.checkers = checkers
        self.hidden = hidden
        self.keep_expected = keep_expected
        self.sites: list[Site] = []
        self.dropped = Counter()

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if _is_checker_call(node):
            return ast.copy_location(ast.Call(ast.Name(CHECKER_FN, ast.Load()), node.args, node.keywords), node)
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.checkers):
            return node
        if func.attr == "done" and not node.args:
            return ast.copy_location(ast.Call(ast.Name(DONE_FN, ast.Load()), [], []), node)
        if func.attr not in CHECK_KINDS:
            return node
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise TestCellError(f"line {node.lineno}: check.{func.attr}(...) with *args cannot be graded")
        kind = func.attr
        args = list(node.args)
        spread = [k for k in node.keywords if k.arg is None]  # **kw: tolerances, passed on as they are
        keywords = {k.arg: k for k in node.keywords if k.arg is not None}
        value_key = "condition" if kind == "true" else "value"
        if args:
            value = args.pop(0)
        elif value_key in keywords:
            value = keywords.pop(value_key).value
        else:
            raise TestCellError(f"line {node.lineno}: check.{kind}(...) without a value")
        expected = None
        if kind != "true":
            if args:
                expected = args.pop(0)
            elif "expected" in keywords:
                expected = keywords.pop("expected").value
            else:
                raise TestCellError(f"line {node.lineno}: check.{kind}(...) without an expected value")
        if args:
            raise TestCellError(f"line {node.lineno}: check.{kind}(...) has extra positional arguments")
        unknown = set(keywords) - {"what", "hint", *PARAM_NAMES}
        if unknown:
            raise TestCellError(f"line {node.lineno}: check.{kind}(...) has unknown arguments {sorted(unknown)}")
        site = len(self.sites)
        self.sites.append(Site(site, kind, node.lineno, node.lineno in self.hidden))
        new_keywords = [keywords[k] for k in ("what", "hint", *PARAM_NAMES) if k in keywords] + spread
        if expected is not None:
            if self.keep_expected:
                new_keywords.append(ast.keyword("expected", expected))
            else:
                self.dropped.update(_name_loads(expected))
        call = ast.Call(
            ast.Name(RECORD_FN, ast.Load()),
            [ast.Constant(site), ast.Constant(kind), value],
            new_keywords,
        )
        return ast.copy_location(call, node)


_REMOVABLE = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


def _statement_targets(stmt: ast.stmt) -> tuple[set[str], Counter]:
    """Names a statement defines or mutates, and the Name loads that only serve as store bases."""
    targets: set[str] = set()
    bases: Counter = Counter()
    if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
        targets.add(stmt.name)
    elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
        for alias in stmt.names:
            if alias.name == "*":
                return set(), Counter()
            targets.add((alias.asname or alias.name).split(".")[0])
    else:
        raw = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in raw:
            _collect_target(target, targets, bases)
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            bases[stmt.target.id] += 1  # x += 1 reads x only to update it
    return targets, bases


def _collect_target(target: ast.AST, targets: set[str], bases: Counter) -> None:
    """``a``, ``a, b``, ``*a``: names bound; ``a[i]``, ``a.x``: ``a`` mutated (``i`` is only read)."""
    if isinstance(target, ast.Name):
        targets.add(target.id)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _collect_target(element, targets, bases)
    elif isinstance(target, ast.Starred):
        _collect_target(target.value, targets, bases)
    elif isinstance(target, (ast.Subscript, ast.Attribute)):
        base = target.value
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name):
            targets.add(base.id)
            bases[base.id] += 1


def _fill_empty(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(node, name, None)
            if isinstance(inner, list) and name == "body" and not inner and not isinstance(node, ast.Module):
                inner.append(ast.Pass())
        if isinstance(node, ast.Try) and not node.handlers and not node.finalbody:
            node.finalbody.append(ast.Pass())


def rewrite(source: str) -> TestCode:
    """Rewrite a test cell (see the module docstring); raise :class:`TestCellError` if it cannot be graded."""
    try:
        tree = ast.parse(source)
        check_tree = ast.parse(source)
    except SyntaxError as exc:
        raise TestCellError(f"the test cell is not plain Python (line {exc.lineno}: {exc.msg})") from None
    hidden = hidden_lines(source)
    checkers = _checker_names(tree)
    original_loads = _name_loads(tree)

    grading = _Rewriter(checkers, hidden, keep_expected=False)
    tree = ast.fix_missing_locations(grading.visit(tree))
    removed = _drop_dead_statements(tree, original_loads, grading.dropped)

    validating_rw = _Rewriter(checkers, hidden, keep_expected=True)
    check_tree = ast.fix_missing_locations(validating_rw.visit(check_tree))
    return TestCode(ast.unparse(tree), ast.unparse(check_tree), grading.sites, removed, checker_label(source),
                    sorted(callbacks_in(source)))


def checker_label(source: str) -> str:
    """The exercise label of a test cell: ``Exercise 2`` from ``Checker("Exercise 2: convolution")``."""
    for node in ast.walk(ast.parse(source)):
        if _is_checker_call(node) and node.args and isinstance(node.args[0], ast.Constant):
            name = node.args[0].value
            if isinstance(name, str):
                return name.split(":")[0].strip() or name
    return ""


def _drop_dead_statements(tree: ast.Module, original_loads: Counter, dropped: Counter) -> list[str]:
    """Remove, to a fixed point, statements whose every target is no longer read.

    Only statements that bind a name which was read before the rewrite and is
    read no more are removed: they existed to compute expected values.  A
    statement whose targets were never read (``_ = model.fit(...)``) is kept,
    since it is there for its side effects.
    """
    uses = _name_loads(tree)
    candidates: list[tuple[list, ast.stmt]] = []

    def collect(body: list) -> None:
        for stmt in body:
            if isinstance(stmt, _REMOVABLE):
                candidates.append((body, stmt))
            for name in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, name, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    collect(inner)
            for handler in getattr(stmt, "handlers", []) or []:
                collect(handler.body)

    collect(tree.body)
    gone: list[ast.stmt] = []
    changed = True
    while changed:
        changed = False
        for body, stmt in candidates:
            if any(stmt is g for g in gone):
                continue
            targets, bases = _statement_targets(stmt)
            if not targets:
                continue
            if not all(uses[t] - bases[t] <= 0 for t in targets):
                continue
            if not any(original_loads[t] > 0 for t in targets):
                continue  # never read: kept for its side effects
            gone.append(stmt)
            uses.subtract(_name_loads(stmt))
            changed = True
    removed = []
    for body, stmt in candidates:
        if any(stmt is g for g in gone):
            removed.append(ast.unparse(stmt).splitlines()[0])
            body.remove(stmt)
    _fill_empty(tree)
    return removed
