"""Reading, normalising and executing the course's nbgrader notebooks.

Shared by the maintainer commands (``python -m autograder store-outputs``,
``release``) and by the tests that validate the notebooks.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SECTION_RE = re.compile(r"^(\d{2})_([a-z0-9]+(?:_[a-z0-9]+)*)$")

# Notebook-level metadata we keep; everything else (Colab, editors, widget state) goes.
KEEP_NB_METADATA = ("kernelspec", "language_info")
KEEP_CELL_METADATA = ("nbgrader", "tags", "editable", "deletable")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}


def sections(folder: str | Path = ROOT / "source") -> list[Path]:
    """The ``NN_slug/NN_slug.ipynb`` notebooks under ``folder``, in order."""
    folder = Path(folder)
    return sorted(p / f"{p.name}.ipynb" for p in folder.iterdir() if p.is_dir() and SECTION_RE.match(p.name))


def read(path: str | Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip stray metadata: keep the kernelspec, nbgrader cell data and tags only."""
    nb.metadata = nbformat.from_dict(
        {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    )
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA})
        if cell.cell_type == "code":
            cell.outputs = _coalesce_streams(cell.get("outputs", []))
            for out in cell.get("outputs", []):
                if out.get("output_type") in ("display_data", "execute_result"):
                    out.get("metadata", {}).clear()
                out.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
        elif "outputs" in cell:
            del cell["outputs"]
    return nb


def _coalesce_streams(outputs: list) -> list:
    """Merge consecutive stdout (or stderr) outputs: how a kernel splits a print into messages is timing."""
    merged: list = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (out.get("output_type") == "stream" and prev is not None and prev.get("output_type") == "stream"
                and prev.get("name") == out.get("name")):
            prev["text"] = "".join(prev["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def write(nb: nbformat.NotebookNode, path: str | Path) -> None:
    nbformat.validate(nb)
    text = nbformat.writes(nb) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def quiet_kernel_env() -> dict[str, str]:
    """Environment for kernels that run course notebooks: no C++ log noise, no GPU probing surprises."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("PYTHONHASHSEED", "0")
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    env.pop("COURSE_CHECKS_RECORD", None)
    return env


def execute(path: str | Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in its own folder and return it with outputs."""
    from nbclient import NotebookClient

    path = Path(path)
    nb = read(path)
    old = dict(os.environ)
    os.environ.update(quiet_kernel_env())
    try:
        NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return normalize(nb)


def store_outputs(path: str | Path) -> None:
    """Execute a source notebook and save it with fresh outputs (what nbval compares)."""
    write(execute(path), path)


# --------------------------------------------------------------------- exercises


def nbgrader_meta(cell: nbformat.NotebookNode) -> dict:
    return dict(cell.metadata.get("nbgrader", {}))


def is_solution_code(cell: nbformat.NotebookNode) -> bool:
    m = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(m.get("solution")) and not m.get("grade")


def is_test_cell(cell: nbformat.NotebookNode) -> bool:
    m = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def is_written_answer(cell: nbformat.NotebookNode) -> bool:
    m = nbgrader_meta(cell)
    return cell.cell_type == "markdown" and bool(m.get("grade")) and bool(m.get("solution"))


@dataclass
class Exercise:
    """An autograded exercise: one solution cell and the test cells that follow it."""

    solution_id: str
    solution_index: int
    test_indices: list[int] = field(default_factory=list)
    test_ids: list[str] = field(default_factory=list)


def exercises(nb: nbformat.NotebookNode) -> list[Exercise]:
    """Solution cells paired with the test cells up to the next solution cell."""
    found: list[Exercise] = []
    for i, cell in enumerate(nb.cells):
        if is_solution_code(cell):
            found.append(Exercise(nbgrader_meta(cell)["grade_id"], i))
        elif is_test_cell(cell) and found:
            found[-1].test_indices.append(i)
            found[-1].test_ids.append(nbgrader_meta(cell)["grade_id"])
    return [e for e in found if e.test_indices]


def assigned_names(source: str) -> list[str]:
    """Top-level names a cell binds (functions, classes, assignments, imports)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        names.append(n.id)
    return list(dict.fromkeys(names))
