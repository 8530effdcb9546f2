"""Exercise checks: what every test cell of the course calls.

A test cell builds one :class:`Checker`, makes a few checks and ends with
``done()``::

    \"\"\"Check that streaming_mean agrees with NumPy on chunked data.\"\"\"
    check = Checker("Exercise 1: streaming mean")
    check.close(streaming_mean([[1, 2], [3]]), 2.0, what="mean of [1, 2, 3]",
                hint="Keep a running sum and count; divide once at the end.")
    check.done()

For a student a check runs at once: a failure raises :class:`CheckFailed` (an
``AssertionError``, so nbgrader scores the cell 0) with a message that says what
was expected, what came back and what to try; ``done()`` prints one named pass line.

For the trusted grader every check also becomes a *record* of plain data
(JSON: numbers, strings, lists, ``{"__ndarray__": ...}``; never pickles).  With the
environment variable ``COURSE_CHECKS_RECORD`` naming a file, each check appends
one JSON line to it.  The grader compares the student's recorded ``value`` with
the value the instructor's solution recorded for the same check, using
:func:`compare` -- the same function the student-side check uses -- so nothing
the student's process does to ``==``, builtins or this module decides a score.

Defined in 00_big_data_in_science (first used there; every lecture uses it).
"""

from __future__ import annotations

import json
import math
import numbers
import os
import sys
import types
import warnings
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from course import integrity

__all__ = [
    "Checker",
    "CheckFailed",
    "ExerciseOpen",
    "requires",
    "compare",
    "encode",
    "decode",
    "RECORD_ENV",
]

RECORD_ENV = "COURSE_CHECKS_RECORD"

# Largest encoded value (in array elements) a record carries; bigger values are
# summarised so a runaway answer cannot flood the grader.
MAX_ELEMENTS = 100_000

DEFAULT_HINTS = {
    "close": "Compare your formula with the one in the text, and print your result "
    "next to the expected one to see where they part.",
    "equal": "Print your result and the expected one side by side; look for an "
    "off-by-one, a wrong order or a wrong type.",
    "shape": "Print the shape of your result; check which axis you reduce or stack along.",
    "true": "Re-read the exercise statement for the property that is asked for.",
}


class CheckFailed(AssertionError):
    """A check did not hold; the message is written for the student."""


class ExerciseOpen(Exception):
    """A lecture cell needs an exercise's answer that is not written yet; the message says which."""


def requires(exercise: str, *names: str) -> None:
    """Stop a lecture cell that uses the answers of ``exercise`` while they are not written yet.

    ``requires("Exercise 1", "to_bytes", "days_to_fill")`` at the top of a cell:
    when one of the names is not defined, or is still the stub that only raises
    ``NotImplementedError``, the cell stops with "✘ Finish Exercise 1 first: this
    cell uses your to_bytes." instead of a NameError or an empty traceback.
    """
    namespace = sys._getframe(1).f_globals
    for name in names:
        value = namespace.get(name)
        if value is None or _is_stub(value):
            _show_checks_plainly()
            raise ExerciseOpen(f"✘ Finish {exercise} first: this cell uses your {name}, "
                               f"so run it once {exercise} passes its check.")


def _is_stub(value: Any) -> bool:
    code = getattr(value, "__code__", None)
    return isinstance(code, types.CodeType) and set(code.co_names) <= {"NotImplementedError"} \
        and "NotImplementedError" in code.co_names


# --------------------------------------------------------------------------- data


class Unencodable(TypeError):
    """A value that is not plain data (numbers, strings, sequences, arrays, dicts)."""


def encode(value: Any, _depth: int = 0) -> Any:
    """Turn ``value`` into plain JSON-able data, or raise :class:`Unencodable`.

    Only built-in and NumPy types are accepted, checked by exact type so that a
    subclass with a hostile ``__eq__`` or ``__float__`` is refused, not trusted.
    """
    if _depth > 20:
        raise Unencodable("value is nested too deeply")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return value
    if t is float:
        return _encode_float(value)
    if t is complex:
        return {"__complex__": [_encode_float(value.real), _encode_float(value.imag)]}
    if isinstance(value, np.generic) and t.__module__ == "numpy":
        return encode(value.item(), _depth + 1)
    if t is np.ndarray:
        if value.dtype.kind not in "biufcU":
            raise Unencodable(f"array of dtype {value.dtype} is not plain data")
        if value.size > MAX_ELEMENTS:
            raise Unencodable(f"array with {value.size} elements is too large to check")
        return {
            "__ndarray__": encode(value.tolist(), _depth + 1),
            "dtype": value.dtype.kind,
            "shape": list(value.shape),
        }
    if t is list or t is tuple:
        if len(value) > MAX_ELEMENTS:
            raise Unencodable(f"sequence with {len(value)} items is too large to check")
        items = [encode(v, _depth + 1) for v in value]
        return items if t is list else {"__tuple__": items}
    if t is dict:
        if not all(type(k) is str for k in value):
            raise Unencodable("dict keys must be strings")
        return {"__dict__": {k: encode(v, _depth + 1) for k, v in value.items()}}
    if t is set or t is frozenset:
        enc = [encode(v, _depth + 1) for v in value]
        return {"__set__": sorted(enc, key=lambda e: json.dumps(e, sort_keys=True))}
    raise Unencodable(f"a value of type {t.__module__}.{t.__qualname__} is not plain data")


def _encode_float(x: float) -> Any:
    if math.isnan(x):
        return {"__float__": "nan"}
    if math.isinf(x):
        return {"__float__": "inf" if x > 0 else "-inf"}
    return x


def decode(data: Any) -> Any:
    """Inverse of :func:`encode` (arrays come back as ``np.ndarray``)."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict):
        if "__ndarray__" in data:
            kind = data.get("dtype", "f")
            dtype = {"b": bool, "i": np.int64, "u": np.uint64, "f": float, "c": complex, "U": str}[kind]
            return np.array(decode(data["__ndarray__"]), dtype=dtype).reshape(data["shape"])
        if "__tuple__" in data:
            return tuple(decode(v) for v in data["__tuple__"])
        if "__dict__" in data:
            return {k: decode(v) for k, v in data["__dict__"].items()}
        if "__set__" in data:
            return {_hashable(decode(v)) for v in data["__set__"]}
        if "__float__" in data:
            return float(data["__float__"])
        if "__complex__" in data:
            re, im = (decode(v) for v in data["__complex__"])
            return complex(re, im)
        raise ValueError(f"unknown encoded value {data!r}")
    return data


def _hashable(v: Any) -> Any:
    return tuple(_hashable(x) for x in v) if isinstance(v, list) else v


# --------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class Outcome:
    """Result of :func:`compare`: whether it held and, if not, what is wrong."""

    passed: bool
    problem: str = ""


def compare(kind: str, value: Any, expected: Any, params: dict | None = None) -> Outcome:
    """Compare an encoded ``value`` with an encoded ``expected`` value.

    Works on plain data only (the output of :func:`encode`), so the trusted
    grader can call it in its own process on what a sandbox sent back.
    ``kind`` is one of ``close``, ``equal``, ``shape``, ``true``.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN/inf in a student's value is reported, not warned about
        return _compare(kind, value, expected, params or {})


def _compare(kind: str, value: Any, expected: Any, params: dict) -> Outcome:
    if kind == "close":
        return _compare_close(value, expected, float(params.get("rtol", 1e-6)), float(params.get("atol", 1e-9)))
    if kind in ("equal", "shape"):
        if _canon(value) == _canon(expected):
            return Outcome(True)
        return Outcome(False, f"expected {_show(expected)}, got {_show(value)}")
    if kind == "true":
        if value is True:
            return Outcome(True)
        return Outcome(False, "the condition does not hold" if value is False else f"expected True, got {_show(value)}")
    raise ValueError(f"unknown check kind {kind!r}")


def _canon(data: Any) -> str:
    # Canonical text of decoded data: tuples and lists compare equal (both are
    # "a sequence" to a student), ints and equal floats do not.
    return json.dumps(_untuple(data), sort_keys=True)


def _untuple(data: Any) -> Any:
    if isinstance(data, list):
        return [_untuple(v) for v in data]
    if isinstance(data, dict):
        if "__tuple__" in data:
            return [_untuple(v) for v in data["__tuple__"]]
        return {k: _untuple(v) for k, v in data.items()}
    return data


def _numeric(data: Any) -> np.ndarray | None:
    try:
        arr = np.asarray(_to_numbers(decode(data)))
    except (TypeError, ValueError):
        return None
    if arr.dtype.kind not in "biufc":
        return None
    return arr.astype(complex if arr.dtype.kind == "c" else float)


def _to_numbers(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [_to_numbers(x) for x in v]
    if isinstance(v, np.ndarray):
        return v
    if isinstance(v, bool) or not isinstance(v, numbers.Number):
        raise TypeError("not a number")
    return v


def _compare_close(value: Any, expected: Any, rtol: float, atol: float) -> Outcome:
    want = _numeric(expected)
    if want is None:
        raise ValueError("a 'close' check needs a numeric expected value")
    got = _numeric(value)
    if got is None:
        return Outcome(False, f"expected numbers like {_show(expected)}, got {_show(value)}")
    if got.shape != want.shape:
        return Outcome(False, f"expected shape {tuple(want.shape)}, got shape {tuple(got.shape)}")
    bad = ~np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if not bad.any():
        return Outcome(True)
    if want.ndim == 0:
        return Outcome(False, f"expected {_fmt(want.item())}, got {_fmt(got.item())}")
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    err = np.abs(got - want)
    return Outcome(
        False,
        f"{int(bad.sum())} of {bad.size} values differ; first at index {idx}: "
        f"expected {_fmt(want[idx].item())}, got {_fmt(got[idx].item())} "
        f"(largest difference {_fmt(float(np.nanmax(err)))})",
    )


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, complex):
        return f"{x:.6g}"
    return repr(x)


def _show(data: Any, limit: int = 120) -> str:
    v = decode(data) if not isinstance(data, np.ndarray) else data
    if isinstance(v, np.ndarray):
        with np.printoptions(precision=6, threshold=20, edgeitems=3):
            text = f"array of shape {v.shape}: {np.array2string(v, separator=', ')}"
    else:
        text = repr(v)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ----------------------------------------------------------------------- checker


class Checker:
    """One exercise's checks in a test cell; prints a named pass line at ``done()``."""

    def __init__(self, name: str, exercise: str | None = None) -> None:
        self.name = name
        self.exercise = exercise
        self.count = 0
        self.label = name.split(":")[0].strip() or name
        self._watch = _watch_test_cell(self, sys._getframe(1))

    def close(self, value: Any, expected: Any, *, what: str, hint: str = "", rtol: float = 1e-6, atol: float = 1e-9) -> None:
        """Numbers or arrays equal to within ``rtol``/``atol`` (shapes must match)."""
        self._check("close", value, expected, what, hint, {"rtol": rtol, "atol": atol})

    def equal(self, value: Any, expected: Any, *, what: str, hint: str = "") -> None:
        """Exactly equal plain data (ints, strings, sequences, dicts, integer arrays)."""
        self._check("equal", value, expected, what, hint, {})

    def shape(self, value: Any, expected: Iterable[int], *, what: str, hint: str = "") -> None:
        """``np.shape(value)`` equals ``expected``."""
        try:
            got = tuple(int(n) for n in np.shape(value))
        except Exception:  # noqa: BLE001 - any failure means "no shape"
            got = None
        self._check("shape", got, tuple(expected), what, hint, {})

    def true(self, condition: Any, *, what: str, hint: str = "") -> None:
        """A property that must hold (only a real ``True`` counts)."""
        self._check("true", condition is True or (type(condition) is np.bool_ and bool(condition)), True, what, hint, {})

    def done(self) -> None:
        """Print the named pass line (after a last look for off-limits calls)."""
        self._refuse_shortcuts()
        if self._watch is not None:
            self._watch.stop()
        n = self.count
        print(f"✔ {self.name}: {'the check' if n == 1 else f'all {n} checks'} passed.")

    def _refuse_shortcuts(self) -> None:
        """Fail with a plain message when the answer reached something off-limits."""
        found = self._watch.first() if self._watch is not None else None
        if found is not None:
            self._watch.stop()
            raise CheckFailed(found.message(self.label, integrity.rule_for(self.exercise).advice))

    # ---------------------------------------------------------------- internal

    def _check(self, kind: str, value: Any, expected: Any, what: str, hint: str, params: dict) -> None:
        self._refuse_shortcuts()
        self.count += 1
        enc_expected = encode(expected)
        try:
            enc_value = encode(value)
            outcome = compare(kind, enc_value, enc_expected, params)
        except Unencodable as exc:
            enc_value = {"__unencodable__": str(exc)}
            outcome = Outcome(False, f"{exc}; return numbers, strings, lists or NumPy arrays")
        _record(self.name, self.count, kind, what, enc_value, enc_expected, params, outcome.passed)
        if not outcome.passed:
            raise CheckFailed(
                f"✘ {self.name} — check {self.count} ({what}) failed:\n"
                f"    {outcome.problem}.\n"
                f"    Try: {hint or DEFAULT_HINTS[kind]}"
            )


def _record(checker: str, index: int, kind: str, what: str, value: Any, expected: Any, params: dict, passed: bool) -> None:
    path = os.environ.get(RECORD_ENV)
    if not path:
        return
    line = json.dumps(
        {
            "checker": checker,
            "index": index,
            "kind": kind,
            "what": what,
            "value": value,
            "expected": expected,
            "params": params,
            "passed": passed,
        },
        allow_nan=False,
    )
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


# ------------------------------------------------------- the test cell's watch


#: Code files of the test cells that made a Checker in this process (their functions are off-limits),
#: each with the label of its exercise.
_TEST_CELLS: dict[str, str] = {}
_ACTIVE: list[integrity.Watch] = []


def _watch_test_cell(checker: Checker, frame: types.FrameType) -> integrity.Watch | None:
    """Start watching the test cell that made ``checker`` for off-limits calls (see :mod:`course.integrity`).

    The watch ends with the cell (IPython runs each statement in a frame of its
    own, so the cell's end is IPython's ``post_run_cell``), at ``done()``, at a
    failed check, or, outside IPython, when the function that made the Checker
    returns.  Under the trusted grader the runner keeps its own watch, and a
    Checker made there starts none.
    """
    _stop_watches()
    if integrity.GRADER:
        return None
    _TEST_CELLS[frame.f_code.co_filename] = checker.label
    in_ipython = _show_checks_plainly()
    try:
        rule = integrity.compiled(integrity.rule_for(checker.exercise))
    except Exception:  # noqa: BLE001 - never let the watch break a check
        return None
    source = _cell_source(frame)
    watch = integrity.Watch(rule, _TEST_CELLS, integrity.callbacks_in(source), frame.f_globals,
                            integrity.loaded_names(source))
    watch.start(top_frame=None if in_ipython else frame)
    _ACTIVE.append(watch)
    return watch


def _stop_watches(*_: Any) -> None:
    while _ACTIVE:
        _ACTIVE.pop().stop()


def _cell_source(frame: types.FrameType) -> str:
    import linecache

    return "".join(linecache.getlines(frame.f_code.co_filename, frame.f_globals))


# ----------------------------------------------------- how failures are shown


def _show_checks_plainly() -> bool:
    """In IPython: show a failed check as its ✘ message alone, an untouched stub as "not answered yet",
    and end the test cell's watch with the cell.  False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if getattr(shell, "_course_checks_plainly", False):
        return True
    shell.events.register("post_run_cell", _stop_watches)
    if not tuple(getattr(shell, "custom_exceptions", ()) or ()):  # someone else's handler: leave it alone
        shell.set_custom_exc((CheckFailed, ExerciseOpen, NotImplementedError), _plain_traceback)
    shell._course_checks_plainly = True
    return True


def _plain_traceback(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> list[str]:
    if issubclass(etype, (CheckFailed, ExerciseOpen)):
        stb = [str(value)]
    else:
        label = _unanswered(tb)
        if label is not None:
            stb = [f"✘ {label} not answered yet: replace `raise NotImplementedError()` with your code."]
        else:
            stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, stb)
    return stb


def _unanswered(tb: Any) -> str | None:
    """The exercise label when ``tb`` runs from a test cell into a stub that raised NotImplementedError."""
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    labels = [_TEST_CELLS[f.f_code.co_filename] for f in frames if f.f_code.co_filename in _TEST_CELLS]
    if not labels:
        return None
    raiser = frames[-1].f_code
    if raiser.co_filename in _TEST_CELLS or integrity.is_library_code(raiser):
        return None
    return labels[0]
