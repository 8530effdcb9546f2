"""autograder/transform.py: test cells lose their expected values before a student's process sees them."""

from __future__ import annotations

import ast

import pytest

from autograder import notebooks, transform
from tests.conftest import SOURCE

CELL = '''"""Check word counts."""
check = Checker("Exercise 3: word count")
from collections import Counter

log = data.observing_log(500, seed=0)
expected = dict(Counter(word for text in log for word in text.split()))
got = dict(reduce_counts(pair for text in log for pair in map_words(text)))
check.equal(got, expected, what="word count", hint="Compare with the text.")
check.close(mean_of(got), 2.5, rtol=1e-9, what="mean count")
tol = dict(atol=1e-3)
check.close(mean_of(got), 2.5, what="mean count with **tol", **tol)
### BEGIN HIDDEN TESTS
_ = warm_up(log)
check.true(is_sorted(sorted(got)), what="keys sort", hint="Return a dict.")
check.shape(as_array(got), (3, 2), what="array shape")
### END HIDDEN TESTS
check.done()
'''


def test_expected_values_and_what_only_fed_them_are_gone() -> None:
    code = transform.rewrite(CELL)
    text = code.code
    assert "Counter" not in text and "expected" not in text and "2.5" not in text and "(3, 2)" not in text
    assert "reduce_counts" in text and "observing_log" in text, "statements that feed values must stay"
    assert "warm_up(log)" in text, "a statement kept for its side effects (never read) must stay"
    assert "Checker" not in text and "check." not in text
    assert code.removed == ["check = __ag_checker__('Exercise 3: word count')", "from collections import Counter",
                            "expected = dict(Counter((word for text in log for word in text.split())))"]
    calls = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "__ag_check__"]
    assert [(c.args[0].value, c.args[1].value) for c in calls] == [
        (0, "equal"), (1, "close"), (2, "close"), (3, "true"), (4, "shape")]
    assert {k.arg for k in calls[1].keywords} == {"what", "rtol"}
    assert [k.arg for k in calls[2].keywords] == ["what", None], "**tol is passed on"


def test_sites_know_which_checks_are_hidden() -> None:
    sites = transform.rewrite(CELL).sites
    assert [(s.kind, s.hidden) for s in sites] == [
        ("equal", False), ("close", False), ("close", False), ("true", True), ("shape", True)]


def test_validating_code_keeps_expected_values() -> None:
    text = transform.rewrite(CELL).validating
    assert "expected=expected" in text and "expected=2.5" in text and "expected=(3, 2)" in text
    assert "Counter" in text


def test_visible_source_hides_hidden_tests() -> None:
    visible = transform.visible_source(CELL)
    assert "is_sorted" not in visible and "warm_up" not in visible
    assert "# (hidden tests)" in visible and "check.done()" in visible


@pytest.mark.parametrize("bad, why", [
    ("check.close(*args)", r"\*args"),
    ("check.close(*args, **kw)", r"\*args"),
    ("check.close(f(1))", "without an expected value"),
    ("check.equal(f(1), 2, tolerance=3)", "unknown arguments"),
    ("check.close(f(1), %timeit 2)", "not plain Python"),
])
def test_cells_that_cannot_be_graded_are_refused(bad: str, why: str) -> None:
    with pytest.raises(transform.TestCellError, match=why):
        transform.rewrite(f'check = Checker("x")\n{bad}\n')


@pytest.mark.parametrize("path", notebooks.sections(SOURCE)[:2], ids=lambda p: p.parent.name)
def test_every_lecture_test_cell_can_be_rewritten(path) -> None:
    nb = notebooks.read(path)
    tests = [c for c in nb.cells if notebooks.is_test_cell(c)]
    assert tests
    for cell in tests:
        code = transform.rewrite(cell.source)
        compile(code.code, "<test>", "exec")
        compile(code.validating, "<test>", "exec")
        assert code.sites, f"{cell.metadata.nbgrader.grade_id} makes no checks"
        assert "check." not in code.code
