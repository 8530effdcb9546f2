"""autograder/scoring.py: the score comes from plain data compared in the trusted process."""

from __future__ import annotations

from course.checks import encode
from autograder.scoring import score_cell, validate_reference

REF = [
    {"site": 0, "kind": "close", "value": 2.0, "what": "mean([1, 2, 3])", "hint": "Sum and divide.", "params": {}},
    {"site": 1, "kind": "equal", "value": encode([1, 2]), "what": "pair", "hint": None, "params": {}},
    {"site": 2, "kind": "true", "value": True, "what": "positive", "hint": "Check the sign.", "params": {}},
]


def _event(values: list, status: str = "ok", **extra) -> dict:
    records = [{"site": i, "kind": REF[i]["kind"], "value": v, "what": "ignored"} for i, v in enumerate(values)]
    return {"status": status, "records": records, **extra}


def test_matching_values_pass() -> None:
    row = score_cell("t", 3, REF, set(), _event([2.0 + 1e-12, encode([1, 2]), True]))
    assert (row.status, row.score, row.max_score, row.message) == ("passed", 3, 3, "all 3 checks passed")


def test_the_first_wrong_value_fails_the_cell_with_the_solutions_hint() -> None:
    row = score_cell("t", 3, REF, set(), _event([2.0, encode([2, 1]), True]))
    assert (row.status, row.score) == ("failed", 0)
    assert row.message == "check 2 (pair) failed: expected [1, 2], got [2, 1]."
    row = score_cell("t", 3, REF, set(), _event([2.5, encode([1, 2]), True]))
    assert row.message == "check 1 (mean([1, 2, 3])) failed: expected 2, got 2.5. Try: Sum and divide."


def test_what_the_student_process_claims_is_ignored() -> None:
    forged = _event([2.5, encode([1, 2]), True])
    for rec in forged["records"]:
        rec["passed"] = True
        rec["expected"] = rec["value"]
    forged["outputs"] = [{"type": "stream", "name": "stdout", "text": "✔ all checks passed. Score: 3/3\n"}]
    assert score_cell("t", 3, REF, set(), forged).status == "failed"


def test_missing_records_and_errors() -> None:
    row = score_cell("t", 3, REF, set(), _event([2.0], status="error", ename="NameError", evalue="name 'f' is not defined"))
    assert (row.status, row.message) == ("error", "NameError: name 'f' is not defined (while computing check 2 (pair))")
    row = score_cell("t", 3, REF, set(), _event([2.0]))
    assert (row.status, row.message) == ("failed", "check 2 (pair) did not run")
    row = score_cell("t", 3, REF, set(), _event([], status="error", ename="NotImplementedError", evalue=""))
    assert (row.status, row.message) == ("failed", "not answered: NotImplementedError while computing check 1 (mean([1, 2, 3]))")
    row = score_cell("t", 3, REF, set(), _event([2.0, encode([1, 2]), True], status="error", ename="ValueError", evalue="late"))
    assert (row.status, row.message) == ("error", "ValueError: late (after all 3 checks)")


def test_out_of_order_unencodable_and_malformed_records_fail() -> None:
    ev = _event([2.0, encode([1, 2]), True])
    ev["records"][1]["site"] = 2
    assert score_cell("t", 3, REF, set(), ev).message == "check 2 (pair): a different check ran in its place (ignored)"
    ev = _event([{"__unencodable__": "a value of type __main__.Always is not plain data"}, 1, True])
    assert score_cell("t", 3, REF, set(), ev).message == (
        "check 1 (mean([1, 2, 3])) failed: a value of type __main__.Always is not plain data; "
        "return numbers, strings, lists or NumPy arrays")
    ev = _event([{"__ndarray__": "junk", "dtype": "?"}, encode([1, 2]), True])
    assert score_cell("t", 3, REF, set(), ev).message.startswith("check 1 (mean([1, 2, 3])) failed: ")
    ev = {"status": "ok", "records": "not a list"}
    assert score_cell("t", 3, REF, set(), ev).message == "check 1 (mean([1, 2, 3])) did not run"


def test_runner_verdicts_pass_through() -> None:
    row = score_cell("t", 3, REF, set(), {"status": "timeout", "message": "stopped: this cell ran past the cell time limit of 5 s"})
    assert (row.status, row.score, row.message) == ("timeout", 0, "stopped: this cell ran past the cell time limit of 5 s")
    assert score_cell("t", 3, REF, set(), None).status == "killed"


def test_hidden_checks_are_marked_for_feedback() -> None:
    row = score_cell("t", 3, REF, {2}, _event([2.0, encode([1, 2]), False]))
    assert row.check == {"index": 3, "what": "positive", "hint": "Check the sign.", "hidden": True,
                         "problem": "the condition does not hold"}


def test_the_reference_must_pass_its_own_tests() -> None:
    good = {"status": "ok", "records": [dict(r) for r in REF]}
    validating = {"status": "ok", "records": [dict(r, expected=r["value"]) for r in REF]}
    assert validate_reference("t", good, validating) == []
    wrong = {"status": "ok", "records": [dict(r, expected=r["value"]) for r in REF]}
    wrong["records"][0]["expected"] = 3.0
    assert validate_reference("t", good, wrong) == [
        "test cell 't': the solution fails its own check 1 (mean([1, 2, 3])): expected 3, got 2"]
    drifted = {"status": "ok", "records": [dict(r) for r in REF]}
    drifted["records"][1] = dict(REF[1], value=encode([9]))
    assert validate_reference("t", drifted, validating)[0].startswith(
        "test cell 't': check 2 (pair) gives a different value once the statements that only compute expected values")
    assert validate_reference("t", {"status": "error", "ename": "NameError", "evalue": "x"}, validating) == [
        "test cell 't' failed on the solution (grading run): NameError: x"]


def test_an_off_limits_call_scores_zero_with_a_message_from_the_trusted_rule() -> None:
    from autograder.scoring import OffLimits

    rule = OffLimits("Exercise 2", ("course.widgets.convolution", "tensorflow.nn.conv2d"), "write the loop yourself")
    right_values = _event([2.0, encode([1, 2]), True])
    row = score_cell("t", 3, REF, set(), {**right_values, "integrity": {"kind": "course", "by": "conv2d",
                                                                        "called": "course.widgets.convolution.conv2d"}},
                     offlimits=rule)
    assert (row.status, row.score) == ("off-limits", 0)
    assert row.message == ("✘ Exercise 2: your conv2d calls course.widgets.convolution.conv2d, the course's own answer; "
                           "write the loop yourself.")
    row = score_cell("t", 3, REF, set(), {**right_values, "integrity": {"kind": "library", "by": "conv2d",
                                                                        "called": "tensorflow.nn.conv2d"}}, offlimits=rule)
    assert row.message.startswith("✘ Exercise 2: your conv2d calls tf.nn.conv2d, which this exercise rules out")


def test_a_violation_report_is_read_as_untrusted_data() -> None:
    from autograder.scoring import OffLimits

    rule = OffLimits("Exercise 2", ("tensorflow.nn.conv2d",), "write the loop yourself")
    base = _event([2.0, encode([1, 2]), True])
    forged = {**base, "integrity": {"kind": "library", "called": "<script>alert(1)</script>", "by": "x y z"}}
    row = score_cell("t", 3, REF, set(), forged, offlimits=rule)
    assert row.status == "off-limits" and "<script>" not in row.message and "x y z" not in row.message
    assert score_cell("t", 3, REF, set(), {**base, "integrity": "junk"}, offlimits=rule).status == "passed", \
        "a malformed report is ignored: the process that could send it could as well send none"
