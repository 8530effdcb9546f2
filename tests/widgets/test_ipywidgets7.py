"""The widget unit tests also pass under ipywidgets 7.7.x (what Colab has pinned at times)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

IPYW7 = Path(sys.prefix) / "ipywidgets7"
HERE = Path(__file__).resolve().parent


def test_widget_tests_pass_under_ipywidgets_7() -> None:
    if not (IPYW7 / "ipywidgets").is_dir():
        pytest.fail(f"{IPYW7} is missing: `make test` installs ipywidgets 7.7 there (tests/widgets/ipywidgets7.txt)")
    env = dict(os.environ, PYTHONPATH=str(IPYW7), COURSE_EXPECT_IPYWIDGETS="7.7")
    version = subprocess.run([sys.executable, "-c", "import ipywidgets; print(ipywidgets.__version__)"],
                             env=env, capture_output=True, text=True).stdout.strip()
    assert version.startswith("7.7"), f"PYTHONPATH did not shadow ipywidgets 8 (got {version!r})"
    # The unit tests of every widget (the browser test drives the frontend, not the kernel library).
    modules = sorted(str(p) for p in HERE.glob("test_*.py") if p.name not in (Path(__file__).name, "test_browser.py"))
    assert modules, "no widget tests to run"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *modules],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, f"widget tests fail under ipywidgets {version}:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    assert " passed" in proc.stdout.splitlines()[-1]
