"""Drive the course widgets in a real JupyterLab in headless Chromium (Debian's, through Playwright).

For each widget: run its demo cell, then press ArrowRight on its sliders one by
one until the picture changes, timing key press → new image decoded in the page.
Used by tests/widgets/test_browser.py and by `make bench`.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tests.lab_server import running_lab
from tests.widgets.demos import DEMOS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
CELL = ".jp-NotebookPanel .jp-CodeCell"
#: Widgets with a button to click as well (the attention viewer's query tokens): label -> button text.
CLICKS = {"attention viewer": "emission"}

ARM = """([i, k]) => {
  const cell = document.querySelectorAll('%s')[i];
  const img = cell.querySelector('img.widget-image');
  const before = img.src;
  window.__lat = null; window.__t0 = null;
  const start = () => { if (window.__t0 === null) { window.__t0 = performance.now(); } };
  document.addEventListener('keydown', start, {capture: true, once: true});
  document.addEventListener('mousedown', start, {capture: true, once: true});
  const obs = new MutationObserver(() => {
    if (img.src !== before) {
      obs.disconnect();
      img.decode().catch(() => null).then(() => { window.__lat = performance.now() - window.__t0; });
    }
  });
  obs.observe(img, {attributes: true, attributeFilter: ['src']});
  return cell.querySelectorAll('.widget-hslider .noUi-handle').length;
}""" % CELL


@dataclass
class WidgetRun:
    label: str
    latencies_ms: list[float] = field(default_factory=list)
    sliders: int = 0
    changed: bool = False
    click_ms: float | None = None
    error_text: str = ""


def demo_notebook(path: Path, labels: list[str]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(DEMOS[label]) for label in labels]
    nbformat.write(nb, path)


def run_widgets_in_browser(scratch: Path, shots: Path, labels: list[str] | None = None, presses: int = 5) -> list[WidgetRun]:
    from playwright.sync_api import sync_playwright

    labels = labels or list(DEMOS)
    root = scratch / "root"
    root.mkdir(parents=True, exist_ok=True)
    shots.mkdir(parents=True, exist_ok=True)
    demo_notebook(root / "widgets.ipynb", labels)
    runs = [WidgetRun(label) for label in labels]
    with running_lab(scratch, root=root) as lab, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{lab.base}/lab/tree/widgets.ipynb?token={lab.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-CodeCell .cm-content", timeout=90_000)
        page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=90_000)
        page.locator(f"{CELL} .cm-content").first.click()
        for i in range(len(labels)):
            page.keyboard.press("Shift+Enter")
            page.locator(CELL).nth(i).locator("img.widget-image").first.wait_for(timeout=90_000)
        for i, run in enumerate(runs):
            cell = page.locator(CELL).nth(i)
            cell.scroll_into_view_if_needed()
            cell.screenshot(path=str(shots / f"{i:02d}_{run.label.replace(' ', '_')}_before.png"))
            run.sliders = page.evaluate(ARM, [i, 0])
            handles = cell.locator(".widget-hslider .noUi-handle")
            for k in range(run.sliders):
                for key in ("ArrowRight", "ArrowLeft"):
                    got = _press_and_wait(page, handles.nth(k), key, i)
                    if got is not None:
                        run.latencies_ms.append(got)
                        break
                if run.latencies_ms:
                    # A latency sample on the same slider: back and forth between the two values just
                    # seen to give different pictures (further on, a slider can reach values that draw
                    # the same picture, e.g. strides 3 and 4 on a 5x5 image, and time out).
                    back = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
                    for n in range(presses - 1):
                        got = _press_and_wait(page, handles.nth(k), back if n % 2 == 0 else key, i)
                        if got is not None:
                            run.latencies_ms.append(got)
                    break
            run.changed = bool(run.latencies_ms)
            if run.label in CLICKS:
                page.evaluate(ARM, [i, 0])
                cell.locator(f"button:has-text('{CLICKS[run.label]}')").first.click()
                run.click_ms = _wait_for_picture(page)
            run.error_text = cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts().__str__()
            cell.screenshot(path=str(shots / f"{i:02d}_{run.label.replace(' ', '_')}_after.png"))
        browser.close()
    (shots / "latencies.json").write_text(json.dumps(
        {r.label: {"slider_ms": r.latencies_ms, "click_ms": r.click_ms} for r in runs}, indent=1))
    return runs


def _press_and_wait(page, handle, key: str, cell_index: int, timeout_ms: int = 3000) -> float | None:
    page.evaluate(ARM, [cell_index, 0])
    handle.focus()
    page.keyboard.press(key)
    return _wait_for_picture(page, timeout_ms)


def _wait_for_picture(page, timeout_ms: int = 3000) -> float | None:
    """Milliseconds from the armed input event to the new picture decoded; None if it never changed."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        lat = page.evaluate("window.__lat")
        if lat is not None:
            return float(lat)
        page.wait_for_timeout(20)
    return None
