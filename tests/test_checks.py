"""course.checks: what students see, and the plain data the grader gets."""

from __future__ import annotations

import json

import numpy as np
import pytest

from course import checks
from course.checks import Checker, CheckFailed, compare, decode, encode


def test_pass_line_names_the_exercise(capsys: pytest.CaptureFixture) -> None:
    check = Checker("Exercise 1: streaming mean")
    check.close(2.0000000001, 2.0, what="mean")
    check.equal([1, 2], (1, 2), what="a list equals a tuple")
    check.done()
    assert capsys.readouterr().out == "✔ Exercise 1: streaming mean: all 2 checks passed.\n"


def test_single_check_pass_line(capsys: pytest.CaptureFixture) -> None:
    check = Checker("Ex")
    check.true(True, what="holds")
    check.done()
    assert capsys.readouterr().out == "✔ Ex: the check passed.\n"


def test_failure_says_what_is_wrong_and_what_to_try() -> None:
    check = Checker("Exercise 2: variance")
    check.close(1.0, 1.0, what="first")
    with pytest.raises(CheckFailed) as err:
        check.close(1.0, 2 / 3, what="variance of [1, 2, 3]", hint="divide by n, not n - 1")
    msg = str(err.value)
    assert msg.startswith("✘ Exercise 2: variance — check 2 (variance of [1, 2, 3]) failed:")
    assert "expected 0.666667, got 1" in msg
    assert "Try: divide by n, not n - 1" in msg
    assert isinstance(err.value, AssertionError)  # nbgrader scores an AssertionError as 0


def test_default_hint_when_none_given() -> None:
    with pytest.raises(CheckFailed, match="Try: Print your result"):
        Checker("x").equal(3, 4, what="count")


def test_array_mismatch_points_at_first_bad_element() -> None:
    got = np.arange(6.0).reshape(2, 3)
    want = got.copy()
    want[1, 2] = 9.0
    with pytest.raises(CheckFailed) as err:
        Checker("arr").close(got, want, what="matrix")
    assert "1 of 6 values differ; first at index (1, 2): expected 9, got 5" in str(err.value)


def test_shape_mismatch_is_reported_as_shape() -> None:
    with pytest.raises(CheckFailed, match=r"expected shape \(3,\), got shape \(2,\)"):
        Checker("s").close([1.0, 2.0], [1.0, 2.0, 3.0], what="vector")
    with pytest.raises(CheckFailed, match=r"expected \(2, 3\), got \(3, 2\)"):
        Checker("s").shape(np.zeros((3, 2)), (2, 3), what="shape")


def test_tolerances() -> None:
    Checker("t").close(1.0 + 1e-4, 1.0, what="loose", rtol=1e-3)
    with pytest.raises(CheckFailed):
        Checker("t").close(1.0 + 1e-4, 1.0, what="tight")


def test_equal_is_exact_and_type_aware() -> None:
    Checker("e").equal({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}, what="dict")
    with pytest.raises(CheckFailed):
        Checker("e").equal(1.0, 1, what="a float is not an int")
    with pytest.raises(CheckFailed):
        Checker("e").equal("abc", "abd", what="string")


def test_true_needs_a_real_true() -> None:
    Checker("t").true(np.bool_(True), what="numpy bool is fine")
    for falsy_but_truthy in (1, "yes", [0]):
        with pytest.raises(CheckFailed):
            Checker("t").true(falsy_but_truthy, what="truthy is not True")


class AlwaysEqual(float):
    def __eq__(self, other: object) -> bool:  # noqa: D105
        return True

    __hash__ = float.__hash__


class Sneaky:
    def __eq__(self, other: object) -> bool:  # noqa: D105
        return True

    def __float__(self) -> float:
        return 2.0


@pytest.mark.parametrize("hostile", [AlwaysEqual(5.0), Sneaky(), [Sneaky()], np.array([Sneaky()], dtype=object)])
def test_objects_that_lie_about_equality_fail(hostile: object) -> None:
    with pytest.raises(CheckFailed, match="not plain data"):
        Checker("h").close(hostile, 2.0, what="hostile value")
    with pytest.raises(CheckFailed, match="not plain data"):
        Checker("h").equal(hostile, 2.0, what="hostile value")


@pytest.mark.parametrize(
    "value",
    [None, True, 3, -2.5, "text", 1 + 2j, float("nan"), float("-inf"), [1, [2, 3]], (1, 2.0),
     {"k": [1, 2]}, {1, 2}, np.float32(1.5), np.int64(7), np.arange(6).reshape(2, 3),
     np.array([True, False]), np.array(["a", "b"]), np.linspace(0, 1, 4)],
)
def test_encode_is_plain_json_and_round_trips(value: object) -> None:
    data = encode(value)
    text = json.dumps(data, allow_nan=False)  # plain JSON, no pickles, no NaN tokens
    back = decode(json.loads(text))
    if isinstance(value, np.ndarray):
        np.testing.assert_array_equal(back, value)
        assert back.shape == value.shape
    elif isinstance(value, float) and value != value:
        assert back != back
    elif isinstance(value, np.generic):
        assert back == value.item()
    else:
        assert back == value


def test_encode_refuses_huge_values() -> None:
    with pytest.raises(checks.Unencodable, match="too large"):
        encode(np.zeros(checks.MAX_ELEMENTS + 1))


def test_compare_works_on_plain_data_alone() -> None:
    assert compare("close", encode(np.array([1.0, 2.0])), encode([1.0, 2.0 + 1e-12])).passed
    assert not compare("close", encode([1.0]), encode([2.0])).passed
    assert compare("equal", encode((1, 2)), encode([1, 2])).passed
    assert not compare("true", False, True).passed
    assert compare("close", encode(float("nan")), encode(float("nan"))).passed
    with pytest.raises(ValueError, match="unknown check kind"):
        compare("nope", 1, 1)


def test_records_for_the_grader(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "checks.jsonl"
    monkeypatch.setenv(checks.RECORD_ENV, str(log))
    check = Checker("Exercise 3")
    check.close(np.array([1.0, 2.0]), [1.0, 2.0], what="vector", rtol=1e-3)
    with pytest.raises(CheckFailed):
        check.equal(Sneaky(), 2, what="hostile")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["index"] for r in lines] == [1, 2]
    first, second = lines
    assert first["checker"] == "Exercise 3" and first["kind"] == "close" and first["passed"] is True
    assert first["params"] == {"rtol": 1e-3, "atol": 1e-9}
    assert decode(first["value"]).tolist() == [1.0, 2.0]
    # The grader re-decides with compare() on the data alone:
    assert compare(first["kind"], first["value"], first["expected"], first["params"]).passed
    assert second["passed"] is False and "__unencodable__" in second["value"]


def test_no_record_without_the_variable(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(checks.RECORD_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    Checker("x").true(True, what="t")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ what a student sees in a notebook


@pytest.fixture(scope="module")
def kernel():
    from autograder.kernel import Kernel

    with Kernel(".") as k:
        assert k.run("import numpy as np\nfrom course.checks import Checker").ok
        yield k


def test_an_untouched_stub_says_not_answered_yet(kernel) -> None:
    assert kernel.run("def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()").ok
    out = kernel.run('check = Checker("Exercise 4: f", exercise="f")\ncheck.equal(f(1), 2, what="f(1)")')
    assert (out.ok, out.ename) == (False, "NotImplementedError"), "the cell still fails (nbgrader scores it 0)"
    assert out.traceback == ("✘ Exercise 4 not answered yet: replace `raise NotImplementedError()` with your code.",)


def test_a_failed_check_shows_its_message_alone(kernel) -> None:
    assert kernel.run("def g(x):\n    return x + 1").ok
    out = kernel.run('check = Checker("Exercise 5: g", exercise="g")\n'
                     'check.equal(g(1), 3, what="g(1)", hint="Add two.")')
    assert (out.ok, out.ename) == (False, "CheckFailed")
    assert out.traceback == (out.evalue,) and out.evalue.startswith("✘ Exercise 5: g — check 1 (g(1)) failed:")


def test_other_errors_keep_their_traceback(kernel) -> None:
    out = kernel.run("def h():\n    raise NotImplementedError('not in a test cell')\nh()")
    assert out.ename == "NotImplementedError" and len(out.traceback) > 1
    out = kernel.run('check = Checker("Exercise 6: g", exercise="g")\ncheck.equal(g("a"), 3, what="g(a)")')
    assert out.ename == "TypeError" and any("g(x)" in line or "return x + 1" in line for line in out.traceback)


def test_the_watch_ends_with_the_test_cell(kernel) -> None:
    out = kernel.run('check = Checker("Exercise 7: g", exercise="g")\ncheck.equal(g(1), 2, what="g(1)")\ncheck.done()')
    assert out.ok and out.stdout == "✔ Exercise 7: g: the check passed.\n"
    assert kernel.run("import sys\nassert sys.getprofile() is None").ok
    failing = kernel.run('check = Checker("Exercise 8: g", exercise="g")\nraise ValueError("a student error")')
    assert not failing.ok
    assert kernel.run("import sys\nassert sys.getprofile() is None").ok, "a test cell that raised leaves no hook behind"


def test_comparing_a_naive_softmax_raises_no_warning_of_its_own() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(CheckFailed, match="2 of 2 values differ"):
            Checker("Exercise 1: softmax").close(np.array([np.nan, np.nan]), [0.5, 0.5], what="softmax of [1000, 1000]")
        with pytest.raises(CheckFailed):
            Checker("Exercise 1: softmax").close(np.array([np.inf, -np.inf]), [0.5, 0.5], what="infinities")


def test_a_lecture_cell_that_needs_an_open_exercise_says_so(kernel) -> None:
    out = kernel.run('from course.checks import requires\nrequires("Exercise 9", "not_written_yet")\nnot_written_yet(1)')
    assert (out.ok, out.ename) == (False, "ExerciseOpen")
    assert out.traceback == ("✘ Finish Exercise 9 first: this cell uses your not_written_yet, "
                             "so run it once Exercise 9 passes its check.",)
    assert kernel.run("def stub(x):\n    '''Doc.'''\n    # YOUR CODE HERE\n    raise NotImplementedError()").ok
    assert kernel.run('requires("Exercise 9", "stub")').ename == "ExerciseOpen"
    assert kernel.run("def stub(x):\n    return x").ok
    assert kernel.run('requires("Exercise 9", "stub")\nprint(stub(3))').stdout == "3\n"
