"""Decide scores in the trusted process: student values against the solution's values.

A test cell scores its points iff the cell ran to its end and every check the
instructor's solution recorded for it has a matching student record (same
call site, in the same order) that passes ``course.checks.compare(kind,
student_value, solution_value, solution_params)``.  Nothing else the
student's process says (its printed output, its own idea of ``passed``, an
error it swallowed) counts.  No partial credit, as in nbgrader.

Defined for the trusted autograder (issue 6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from course.checks import compare

STATUSES = ("passed", "failed", "off-limits", "error", "timeout", "killed", "missing", "invalid")


@dataclass
class CellScore:
    """One row of scores.csv, with the details feedback needs."""

    grade_id: str
    score: float
    max_score: float
    status: str
    message: str
    check: dict | None = None  # the first failing check: index, what, hint, problem, hidden
    checks_total: int = 0
    checks_passed: int = 0
    notes: list[str] = field(default_factory=list)


def _valid_record(rec) -> bool:
    return isinstance(rec, dict) and type(rec.get("site")) is int and isinstance(rec.get("kind"), str)


def _label(i: int, ref: dict) -> str:
    what = ref.get("what")
    return f"check {i + 1} ({what})" if what else f"check {i + 1}"


def score_cell(grade_id: str, points: float, reference: list[dict], hidden_sites: set[int], event: dict | None,
               notes: list[str] | None = None, unanswered: bool = False, offlimits: OffLimits | None = None) -> CellScore:
    """Score one test cell from the runner's event for it (``None``: it never ran)."""
    notes = list(notes or [])

    def row(status: str, message: str, check: dict | None = None, passed: int = 0) -> CellScore:
        score = points if status == "passed" else 0.0
        return CellScore(grade_id, score, points, status, message, check, len(reference), passed, notes)

    if event is None:
        return row("killed", "the cell was never run")
    reached = (offlimits or OffLimits()).message(event.get("integrity"))
    if reached:
        return row("off-limits", reached, {"index": None, "problem": reached})
    status = event.get("status")
    if status in ("timeout", "killed", "not-run"):
        return row("timeout" if status == "timeout" else "killed", str(event.get("message", ""))[:500])
    if status not in ("ok", "error"):
        return row("killed", "the runner reported an unknown status")
    if status == "error" and not event.get("ename") and event.get("message"):
        return row("error", str(event["message"])[:500])  # the process itself died (exit code)
    records = event.get("records")
    if not isinstance(records, list):
        records = []
    ename = str(event.get("ename") or "")
    evalue = str(event.get("evalue") or "")
    passed = 0
    for i, ref in enumerate(reference):
        hidden = ref.get("site") in hidden_sites
        info = {"index": i + 1, "what": ref.get("what"), "hint": ref.get("hint"), "hidden": hidden}
        got = records[i] if i < len(records) else None
        if got is None:
            if status == "error":
                if ename == "NotImplementedError" or unanswered:
                    return row("failed", f"not answered: NotImplementedError while computing {_label(i, ref)}",
                               {**info, "problem": "not answered yet (NotImplementedError)"}, passed)
                error = f"{ename}: {evalue}".strip(": ")
                return row("error", f"{error[:300]} (while computing {_label(i, ref)})",
                           {**info, "problem": error[:300]}, passed)
            return row("failed", f"{_label(i, ref)} did not run", {**info, "problem": "this check did not run"}, passed)
        if not _valid_record(got) or got["site"] != ref.get("site") or got["kind"] != ref.get("kind"):
            other = got.get("what") if isinstance(got, dict) else None
            problem = f"a different check ran in its place ({other})" if other else "a different check ran in its place"
            return row("failed", f"{_label(i, ref)}: {problem}", {**info, "problem": problem}, passed)
        value = got.get("value")
        if isinstance(value, dict) and "__unencodable__" in value:
            problem = str(value["__unencodable__"])[:200]
            if "not plain data" in problem or "too large" in problem or "nested" in problem:
                problem += "; return numbers, strings, lists or NumPy arrays"
            return row("failed", f"{_label(i, ref)} failed: {problem}", {**info, "problem": problem}, passed)
        try:
            outcome = compare(ref["kind"], value, ref.get("value"), ref.get("params") or {})
            ok, problem = outcome.passed, outcome.problem
        except Exception:  # noqa: BLE001 - malformed student data is a failed check, never a crash
            ok, problem = False, "the value sent back could not be compared"
        if not ok:
            hint = ref.get("hint")
            message = f"{_label(i, ref)} failed: {problem}." + (f" Try: {hint}" if hint else "")
            return row("failed", message, {**info, "problem": problem}, passed)
        passed += 1
    if status == "error":
        error = f"{ename}: {evalue}".strip(": ")
        return row("error", f"{error[:300]} (after all {len(reference)} checks)", {"index": None, "problem": error[:300]},
                   passed)
    return row("passed", f"all {len(reference)} checks passed" if len(reference) != 1 else "the check passed",
               None, passed)


@dataclass(frozen=True)
class OffLimits:
    """What a test cell's exercise rules out (trusted: from the course package), to word a violation."""

    label: str = ""
    names: tuple[str, ...] = ()
    advice: str = "write it with your own code"

    def message(self, reported) -> str:
        """The student's message for a violation the runner reported ("" when it reported none).

        The report comes from the student's process: only its kind and names are
        used, each checked against what this exercise declares.
        """
        if not isinstance(reported, dict):
            return ""
        from course.integrity import TAMPER_BUILTINS, TAMPER_FUNCTIONS, Violation

        kind = reported.get("kind") if reported.get("kind") in ("course", "library", "test", "tamper") else "tamper"
        called = reported.get("called") if isinstance(reported.get("called"), str) else ""
        by = reported.get("by") if isinstance(reported.get("by"), str) else ""
        declared = called in self.names or any(called.startswith(n + ".") and _DOTTED.fullmatch(called[len(n) + 1:])
                                               for n in self.names)
        if kind in ("course", "library") and not declared:
            kind, called = "tamper", "reaches a function this exercise rules out"
        elif kind == "test" and not _IDENTIFIER.fullmatch(called):
            called = "a function"
        elif kind == "tamper" and called not in {what for _, what in TAMPER_BUILTINS + TAMPER_FUNCTIONS}:
            called = "switches off the checks"
        if not _IDENTIFIER.fullmatch(by.replace(".", "_")) and by not in ("",):
            by = ""
        return Violation(kind, called, by[:60]).message(self.label or "This exercise", self.advice)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,59}")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,79}")


def validate_reference(grade_id: str, grading: dict | None, validating: dict | None) -> list[str]:
    """Problems with the instructor's solution run (empty when the reference can be trusted)."""
    problems: list[str] = []
    for name, event in (("grading", grading), ("validating", validating)):
        if event is None:
            problems.append(f"test cell '{grade_id}' did not run in the {name} run of the solution")
        elif event.get("status") != "ok":
            detail = event.get("message") or f"{event.get('ename')}: {event.get('evalue')}"
            problems.append(f"test cell '{grade_id}' failed on the solution ({name} run): {detail}")
    if problems:
        return problems
    for name, event in (("grading", grading), ("validating", validating)):
        if event.get("integrity"):
            problems.append(f"test cell '{grade_id}': the solution itself reaches something off-limits ({name} run): "
                            f"{event['integrity']}; fix course/offlimits.py or the solution")
    a, b = grading.get("records") or [], validating.get("records") or []
    if not a:
        problems.append(f"test cell '{grade_id}' makes no checks: nothing to grade it by")
    if len(a) != len(b):
        problems.append(f"test cell '{grade_id}': {len(a)} checks ran without expected values, {len(b)} with them")
        return problems
    for i, (ra, rb) in enumerate(zip(a, b)):
        label = _label(i, rb)
        if ra.get("site") != rb.get("site"):
            problems.append(f"test cell '{grade_id}': {label} ran in a different order without expected values")
            continue
        for key, value in (("value", ra.get("value")), ("expected", rb.get("expected"))):
            if isinstance(value, dict) and "__unencodable__" in value:
                problems.append(f"test cell '{grade_id}': {label}: the solution's {key} is not plain data "
                                f"({value['__unencodable__']})")
        if problems:
            continue
        try:
            own = compare(rb["kind"], rb.get("value"), rb.get("expected", True), rb.get("params") or {})
            same = compare(rb["kind"], ra.get("value"), rb.get("value"), rb.get("params") or {})
        except Exception as exc:  # noqa: BLE001
            problems.append(f"test cell '{grade_id}': {label}: cannot compare ({exc})")
            continue
        if not own.passed:
            problems.append(f"test cell '{grade_id}': the solution fails its own {label}: {own.problem}")
        elif not same.passed:
            problems.append(f"test cell '{grade_id}': {label} gives a different value once the statements that only "
                            f"compute expected values are removed ({same.problem})")
    return problems
