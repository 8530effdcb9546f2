"""The course website: build time, size and pages, and the largest page's load time in headless chromium."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from autograder import site
from tests.widgets.browser import CHROMIUM, CHROMIUM_ARGS


def _load_ms(base: str, page_path: str, repeats: int = 3) -> float:
    """Median time from navigation to the page loaded with its equations typeset (ms)."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(repeats):
            page = browser.new_page()
            start = time.perf_counter()
            page.goto(f"{base}/{page_path}", wait_until="load")
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
            page.evaluate("() => MathJax.startup.promise")
            times.append((time.perf_counter() - start) * 1000)
            page.close()
        browser.close()
    return sorted(times)[len(times) // 2]


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        out = site.build(Path(tmp) / "site")
        seconds = time.perf_counter() - start
        files = [p for p in out.rglob("*") if p.is_file()]
        pages = [p for p in files if p.suffix == ".html"]
        largest = max((p for p in pages if p.parent.name == "lectures"), key=lambda p: p.stat().st_size)
        with site.served(out) as base:
            load = _load_ms(base, f"lectures/{largest.name}")
        return [
            {"name": "site build (make site)", "value": round(seconds, 1), "unit": "s"},
            {"name": "site size", "value": round(sum(p.stat().st_size for p in files) / 1e6, 1), "unit": "MB"},
            {"name": "site pages (HTML)", "value": len(pages), "unit": "pages"},
            {"name": f"largest lecture page ({largest.stem}, {largest.stat().st_size / 1e6:.1f} MB) loaded and typeset",
             "value": round(load), "unit": "ms"},
        ]
