"""Each source notebook's strict nbval time on this machine (target: under 60 s each)."""

from __future__ import annotations

import subprocess
import sys
import time

from autograder import notebooks

TARGET_S = 60.0


def nbval_seconds(path) -> tuple[float, bool]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(path)],
        cwd=notebooks.ROOT, capture_output=True, text=True,
    )
    return time.perf_counter() - start, proc.returncode == 0


def run() -> list[dict]:
    rows = []
    for path in notebooks.sections():
        seconds, passed = nbval_seconds(path)
        rows.append({
            "name": f"nbval {path.parent.name}" + ("" if passed else " (FAILED)"),
            "value": round(seconds, 1), "unit": "s", "target": f"< {TARGET_S:.0f} s",
            "ok": passed and seconds < TARGET_S,
        })
    return rows
