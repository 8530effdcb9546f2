"""`make lab` really serves the course, with nbgrader's formgrader listing the assignments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder import notebooks
from tests.conftest import SOURCE
from tests.lab_server import get, running_lab


def test_make_lab_serves_the_course_with_formgrader(tmp_path: Path) -> None:
    with running_lab(tmp_path) as lab:
        status, body = get(f"{lab.base}/api/status")
        assert status == 200 and "started" in json.loads(body)
        status, body = get(f"{lab.base}/api/contents/source")
        assert status == 200, "JupyterLab is not serving the course root"
        assert sorted(x["name"] for x in json.loads(body)["content"]) == sorted(p.parent.name for p in notebooks.sections(SOURCE))
        status, body = get(f"{lab.base}/formgrader/api/assignments")
        assert status == 200, f"formgrader API: HTTP {status} {body[:300]!r}"
        listed = sorted(a["name"] for a in json.loads(body))
        assert listed == sorted(p.parent.name for p in notebooks.sections(SOURCE))
        assert get(f"{lab.base}/lab")[0] == 200
        assert "Unwritable directory" not in lab.log.read_text()
    with pytest.raises(OSError):  # stopped: nothing listens on the port any more
        get(f"{lab.base}/api/status")
