"""A student's first minute in Colab: the setup cell (install + imports + device.setup()) in the Colab-like runtime."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import nbformat

from tests.colab import runtime

TARGET_S = 60.0
SECTIONS = ("00_big_data_in_science", "03_training")


def _cell_seconds(cell: nbformat.NotebookNode) -> float:
    timing = cell.metadata.get("execution", {})
    start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def run() -> list[dict]:
    runtime.require_env()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        wheel = runtime.build_wheel(root / "dist")
        (root / "home").mkdir()
        env = runtime.kernel_dirs(root, root / "home")
        for section in SECTIONS:
            runtime.pip("uninstall", "-y", "-q", "mlbigsci-course", check=False)  # a fresh runtime: not installed yet
            nb = runtime.answered_release(section, wheel)
            setup_only = nbformat.v4.new_notebook(cells=[nb.cells[1]], metadata=nb.metadata)
            folder = root / section
            folder.mkdir()
            executed = runtime.run(setup_only, folder, env).notebook
            rows.append({"name": f"Colab-like setup cell {section} (install + import + setup)",
                         "value": round(_cell_seconds(executed.cells[0]), 1), "unit": "s",
                         "target": f"< {TARGET_S:.0f} s", "ok": _cell_seconds(executed.cells[0]) < TARGET_S})
        runtime.pip("install", "-q", runtime.requirement(wheel))
    return rows
