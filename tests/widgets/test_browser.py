"""A real browser: JupyterLab in headless Chromium runs every widget, moves a slider, sees the picture change.

Screenshots (before/after per widget) and the measured latencies go to
test-output/browser/ (git-ignored).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.widgets.browser import CHROMIUM, CLICKS, run_widgets_in_browser
from tests.widgets.demos import DEMOS

SHOTS = ROOT / "test-output" / "browser"


def test_every_widget_redraws_in_a_real_browser(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium (or run `bash .ci/run` as root)")
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    runs = run_widgets_in_browser(tmp_path, SHOTS, presses=2)
    assert [r.label for r in runs] == list(DEMOS)
    for run in runs:
        assert run.sliders > 0, f"{run.label}: no slider found in the browser"
        assert run.changed, f"{run.label}: moving its sliders did not change the picture ({run.error_text})"
        if run.label in CLICKS:
            assert run.click_ms is not None, f"{run.label}: clicking {CLICKS[run.label]!r} did not change the picture"
    shots = sorted(p.name for p in SHOTS.glob("*.png"))
    assert len(shots) == 2 * len(DEMOS)
