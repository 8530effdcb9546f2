"""Build the notebook that is graded: the student's cells, the SOURCE notebook's tests.

Only the source notebook's nbgrader metadata counts.  A student's notebook
is used for its cells' code and for locating them by ``grade_id``:

- every test cell comes from the source notebook (with its hidden tests),
  placed right after the student's solution cell it follows in the source;
  the student's copies (moved, edited, duplicated, re-typed, re-id'd or
  deleted) are dropped, and each such change becomes a note;
- solution cells and every other cell are the student's, in the student's
  order, so helper cells a student added still run;
- the notebook is read as plain JSON with size caps; anything malformed is
  :class:`InvalidNotebook` (an ``invalid`` row), never a crash.

Defined for the trusted autograder (issue 6).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import transform

MAX_NOTEBOOK_BYTES = 50 << 20
MAX_CELLS = 3000
MAX_CELL_CHARS = 1 << 20
MAX_CODE_CHARS = 8 << 20
MAX_FILE_BYTES = 50 << 20
MAX_FILES_BYTES = 200 << 20
MAX_FILES = 500


class InvalidNotebook(ValueError):
    """A submission that cannot be graded as a notebook; the message says why."""


class AssignmentError(RuntimeError):
    """The instructor's side is broken (no source, a test cell the grader cannot use, ...)."""


@dataclass
class TestCell:
    grade_id: str
    points: float
    source: str
    code: transform.TestCode
    solution_id: str | None
    index: int


@dataclass
class SourceNotebook:
    """One notebook of an assignment, read from source/ (trusted)."""

    name: str
    path: Path
    nb: nbformat.NotebookNode
    digest: str
    tests: dict[str, TestCell] = field(default_factory=dict)
    solutions: dict[str, int] = field(default_factory=dict)
    written: dict[str, float] = field(default_factory=dict)
    test_texts: dict[str, str] = field(default_factory=dict)

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests.values())


def _meta(cell: dict) -> dict:
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        return {}
    nbg = metadata.get("nbgrader")
    return nbg if isinstance(nbg, dict) else {}


def _text(source) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    raise InvalidNotebook("a cell's source is neither text nor a list of lines")


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines() if line.strip())


def load_source(path: Path) -> SourceNotebook:
    """Read a source notebook and rewrite its test cells (errors are the instructor's to fix)."""
    raw = path.read_bytes()
    nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    src = SourceNotebook(path.stem, path, nb, hashlib.sha256(raw).hexdigest())
    last_solution: str | None = None
    for index, cell in enumerate(nb.cells):
        m = _meta(cell)
        gid = m.get("grade_id")
        if cell.cell_type == "code" and m.get("solution") and not m.get("grade"):
            src.solutions[gid] = index
            last_solution = gid
        elif cell.cell_type == "code" and m.get("grade") and not m.get("solution"):
            try:
                code = transform.rewrite(cell.source)
            except transform.TestCellError as exc:
                raise AssignmentError(f"{path.name}: test cell '{gid}': {exc}") from None
            src.tests[gid] = TestCell(gid, float(m.get("points", 0) or 0), cell.source, code, last_solution, index)
            src.test_texts[_norm(transform.visible_source(cell.source, ""))] = gid
        elif m.get("grade") or m.get("task"):
            src.written[gid] = float(m.get("points", 0) or 0)
    if not src.tests:
        raise AssignmentError(f"{path}: no autograded test cells")
    return src


def read_submission(path: Path) -> dict:
    """The submitted notebook as checked plain JSON, or :class:`InvalidNotebook`."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
        raise InvalidNotebook("the notebook is not a regular file (a link or a device)")
    if st.st_size > MAX_NOTEBOOK_BYTES:
        raise InvalidNotebook(
            f"the notebook is {st.st_size / 2**20:.1f} MB, more than the {MAX_NOTEBOOK_BYTES >> 20} MB limit"
        )
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as fh:
        raw = fh.read(MAX_NOTEBOOK_BYTES + 1)
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidNotebook("the notebook is not UTF-8 text") from None
    except RecursionError:
        raise InvalidNotebook("the notebook's JSON is nested too deeply") from None
    except ValueError as exc:
        raise InvalidNotebook(f"the notebook is not valid JSON ({exc})") from None
    return check_notebook(data)


def check_notebook(data) -> dict:
    if not isinstance(data, dict):
        raise InvalidNotebook("the file is JSON but not a notebook (no top-level object)")
    major = data.get("nbformat")
    if major == 3 or "worksheets" in data:
        try:
            data = json.loads(json.dumps(nbformat.convert(nbformat.from_dict(data), 4)))
        except Exception as exc:  # noqa: BLE001
            raise InvalidNotebook(f"an nbformat 3 notebook that cannot be converted ({exc})") from None
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise InvalidNotebook("the file is JSON but not a notebook (no list of cells)")
    if len(cells) > MAX_CELLS:
        raise InvalidNotebook(f"the notebook has {len(cells)} cells, more than the {MAX_CELLS} allowed")
    total = 0
    clean = []
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise InvalidNotebook(f"cell {i + 1} is not a code, markdown or raw cell")
        text = _text(cell.get("source", ""))
        if len(text) > MAX_CELL_CHARS:
            raise InvalidNotebook(f"cell {i + 1} holds {len(text)} characters, more than the {MAX_CELL_CHARS} allowed")
        total += len(text) if cell["cell_type"] == "code" else 0
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        clean.append({"cell_type": cell["cell_type"], "source": text, "metadata": metadata})
    if total > MAX_CODE_CHARS:
        raise InvalidNotebook(f"the notebook holds {total} characters of code, more than the {MAX_CODE_CHARS} allowed")
    return {"cells": clean}


# ------------------------------------------------------------------ the plan


@dataclass
class Plan:
    """What the runner executes for one submitted notebook, and the notebook it becomes."""

    cells: list[dict]
    notebook: nbformat.NotebookNode
    cell_map: list[int]
    notes: list[str] = field(default_factory=list)
    test_notes: dict[str, list[str]] = field(default_factory=dict)
    unanswered: set[str] = field(default_factory=set)
    not_run: int = 0  # code cells after the last test cell: they cannot change a score, so they do not run


def _student_cell(role: str, cell: dict, grade_id: str | None = None, metadata: dict | None = None) -> dict:
    return {"role": role, "grade_id": grade_id, "cell_type": cell["cell_type"], "source": cell["source"],
            "metadata": metadata if metadata is not None else {}}


def assemble(src: SourceNotebook, submitted: dict, stubs: dict[str, str] | None = None) -> Plan:
    """Merge a checked submission (:func:`read_submission`) with the source notebook's tests."""
    notes: list[str] = []
    test_notes: dict[str, list[str]] = {gid: [] for gid in src.tests}
    placed: list[dict] = []
    seen_tests: dict[str, int] = {}
    seen_solutions: dict[str, int] = {}
    source_cells = src.nb.cells
    for cell in submitted["cells"]:
        m = _meta(cell)
        gid = m.get("grade_id") if isinstance(m.get("grade_id"), str) else None
        text_match = src.test_texts.get(_norm(transform.visible_source(cell["source"], ""))) if cell["source"].strip() else None
        if gid in src.tests or (text_match and gid not in src.solutions and gid not in src.written):
            tid = gid if gid in src.tests else text_match
            seen_tests[tid] = seen_tests.get(tid, 0) + 1
            if gid != tid:
                test_notes[tid].append(f"a copy of test cell '{tid}' carried the id '{gid}'" if gid else
                                       f"a copy of test cell '{tid}' had lost its nbgrader id")
            elif cell["cell_type"] != "code":
                test_notes[tid].append(f"test cell '{tid}' had been changed to {cell['cell_type']}")
            elif _norm(transform.visible_source(cell["source"], "")) != _norm(transform.visible_source(src.tests[tid].source, "")):
                test_notes[tid].append(f"test cell '{tid}' had been edited")
            continue
        if gid in src.solutions:
            seen_solutions[gid] = seen_solutions.get(gid, 0) + 1
            smeta = copy.deepcopy(dict(source_cells[src.solutions[gid]].metadata))
            if cell["cell_type"] != "code":
                notes.append(f"solution cell '{gid}' had been changed to {cell['cell_type']}: it did not run")
                placed.append(_student_cell("other", cell, None, {}))
                continue
            placed.append(_student_cell("solution", cell, gid, smeta))
            if stubs and _norm(cell["source"]) == _norm(stubs.get(gid, "\0")):
                placed[-1]["unanswered"] = gid
            continue
        if gid in src.written:
            wmeta = copy.deepcopy(dict(_source_cell_by_id(src, gid).metadata))
            placed.append(_student_cell("written", cell, gid, wmeta))
            continue
        if gid is not None and (m.get("grade") or m.get("solution") or m.get("task")):
            notes.append(f"a cell with the unknown grade id '{gid}' was graded as an ordinary cell")
        meta = {k: v for k, v in cell["metadata"].items() if k in ("tags",) and isinstance(v, list)}
        placed.append(_student_cell("other", cell, None, meta))

    for sid, count in seen_solutions.items():
        if count > 1:
            notes.append(f"solution cell '{sid}' appears {count} times: all copies ran, its tests after the last one")
    for sid in src.solutions:
        if sid not in seen_solutions:
            notes.append(f"solution cell '{sid}' is missing from the submission")
    for tid in src.tests:
        count = seen_tests.get(tid, 0)
        if count == 0:
            test_notes[tid].append(f"test cell '{tid}' was missing and has been restored from the source")
        elif count > 1:
            test_notes[tid].append(f"test cell '{tid}' appeared {count} times; it ran once, restored from the source")

    # Insert the source's test cells after the cells they follow in the source.
    inserted_at: dict[str, int] = {}
    for tid, test in sorted(src.tests.items(), key=lambda kv: kv[1].index):
        position = _anchor(src, test, placed, inserted_at, test_notes[tid])
        tcell = source_cells[test.index]
        entry = {"role": "test", "grade_id": tid, "cell_type": "code", "source": tcell.source,
                 "metadata": copy.deepcopy(dict(tcell.metadata))}
        placed.insert(position, entry)
        for key, value in inserted_at.items():
            if value >= position:
                inserted_at[key] = value + 1
        inserted_at[tid] = position

    return _plan(src, placed, notes, test_notes)


def _source_cell_by_id(src: SourceNotebook, gid: str):
    for cell in src.nb.cells:
        if _meta(cell).get("grade_id") == gid:
            return cell
    raise KeyError(gid)


def _anchor(src: SourceNotebook, test: TestCell, placed: list[dict], inserted_at: dict[str, int], notes: list[str]) -> int:
    """Index in ``placed`` where a source test cell goes."""
    cells = src.nb.cells
    for j in range(test.index - 1, -1, -1):
        m = _meta(cells[j])
        gid = m.get("grade_id")
        if gid in inserted_at:
            return inserted_at[gid] + 1
        if gid in src.solutions:
            last = max((i for i, p in enumerate(placed) if p["role"] == "solution" and p["grade_id"] == gid), default=None)
            if last is not None:
                return last + 1
            notes.append(f"its solution cell '{gid}' is missing, so the test ran at the end of the notebook")
            return len(placed)
        if gid in src.tests:
            continue
        if cells[j].cell_type == "code" and cells[j].source.strip():
            want = _norm(cells[j].source)
            last = max((i for i, p in enumerate(placed) if p["role"] == "other" and _norm(p["source"]) == want),
                       default=None)
            if last is not None:
                return last + 1
    return 0


def _plan(src: SourceNotebook, placed: list[dict], notes: list[str], test_notes: dict[str, list[str]]) -> Plan:
    nb = nbformat.v4.new_notebook()
    nb.metadata = copy.deepcopy(src.nb.metadata)
    cells: list[dict] = []
    cell_map: list[int] = []
    unanswered: set[str] = set()
    # Nothing after the last test cell can change a score; a hand-graded code answer still needs its output.
    last_test = max((i for i, p in enumerate(placed)
                     if p["role"] == "test" or (p["role"] == "written" and p["cell_type"] == "code")), default=-1)
    not_run = 0
    for position, p in enumerate(placed):
        if p["cell_type"] == "code":
            cell = nbformat.v4.new_code_cell(p["source"])
        elif p["cell_type"] == "markdown":
            cell = nbformat.v4.new_markdown_cell(p["source"])
        else:
            cell = nbformat.v4.new_raw_cell(p["source"])
        if p["metadata"]:
            cell.metadata = nbformat.from_dict(p["metadata"])
        nb.cells.append(cell)
        if p.get("unanswered"):
            unanswered.add(p["unanswered"])
        if p["cell_type"] != "code":
            continue
        if position > last_test:
            not_run += 1
            continue
        if p["role"] == "test":
            test = src.tests[p["grade_id"]]
            job_cell = {"kind": "test", "code": test.code.code, "grade_id": p["grade_id"],
                        "exercise": test.solution_id, "callbacks": test.code.callbacks}
        else:
            job_cell = {"kind": "code", "code": p["source"], "grade_id": p["grade_id"]}
        cells.append(job_cell)
        cell_map.append(len(nb.cells) - 1)
    return Plan(cells, nb, cell_map, notes, test_notes, unanswered, not_run)


def reference_plan(src: SourceNotebook, validating: bool = False) -> Plan:
    """The instructor's own notebook as a submission (its tests rewritten the same way)."""
    plan = assemble(src, check_notebook(json.loads(nbformat.writes(src.nb))))
    if validating:
        for cell in plan.cells:
            if cell["kind"] == "test":
                cell["code"] = src.tests[cell["grade_id"]].code.validating
    return plan


# ------------------------------------------------------------------ files


def submission_files(folder: Path, skip: set[str]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """Regular files of a submission folder (no links, capped), relative paths; and what was left out."""
    files: list[tuple[str, bytes]] = []
    left_out: list[str] = []
    total = 0
    if not folder.is_dir():
        return files, left_out
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(root, d)))
        for name in sorted(names):
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if rel in skip or name.startswith(".") or rel == "timestamp.txt":
                continue
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                left_out.append(f"{rel} (not a regular file)")
                continue
            if st.st_size > MAX_FILE_BYTES or total + st.st_size > MAX_FILES_BYTES or len(files) >= MAX_FILES:
                left_out.append(f"{rel} (too large)")
                continue
            if not re.fullmatch(r"[A-Za-z0-9._\- /]+", rel) or ".." in rel.split("/"):
                left_out.append(f"{rel} (unsafe name)")
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
            total += len(data)
            files.append((rel, data))
    return files, left_out


def release_stubs(release_nb: Path) -> dict[str, str]:
    """Solution cells as released (the stubs), to tell an unanswered exercise from a wrong one."""
    if not release_nb.exists():
        return {}
    nb = nbformat.read(str(release_nb), as_version=4)
    return {_meta(c)["grade_id"]: c.source for c in nb.cells
            if c.cell_type == "code" and _meta(c).get("solution") and _meta(c).get("grade_id")}
