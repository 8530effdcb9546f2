"""Per widget, in headless Chromium on a real JupyterLab: slider key press → new image shown (target < 250 ms)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from tests.conftest import ROOT
from tests.widgets.browser import run_widgets_in_browser

TARGET_MS = 250


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as scratch:
        runs = run_widgets_in_browser(Path(scratch), ROOT / "test-output" / "bench-browser", presses=10)
    rows = []
    for r in runs:
        if not r.latencies_ms:
            rows.append({"name": f"{r.label}: picture never changed", "value": "-", "unit": "", "ok": False})
            continue
        med = float(np.median(r.latencies_ms))
        rows.append({"name": f"{r.label}: browser median ({len(r.latencies_ms)} presses)", "value": round(med),
                     "unit": "ms", "target": f"< {TARGET_MS} ms", "ok": med < TARGET_MS})
        rows.append({"name": f"{r.label}: browser max", "value": round(max(r.latencies_ms)), "unit": "ms"})
        if r.click_ms is not None:
            rows.append({"name": f"{r.label}: browser, click a token button", "value": round(r.click_ms), "unit": "ms",
                         "target": f"< {TARGET_MS} ms", "ok": r.click_ms < TARGET_MS})
    return rows
