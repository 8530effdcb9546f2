"""`make lab` really serves the course, with nbgrader's formgrader listing the assignments."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from autograder import notebooks
from tests.conftest import ROOT, SOURCE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def lab(tmp_path: Path):
    port, token = free_port(), "course-test-token"
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        COURSE_GRADEBOOK_URL=f"sqlite:///{tmp_path / 'gradebook.db'}",
        COURSE_EXCHANGE=str(tmp_path / "exchange"),
    )
    args = f"--no-browser --ServerApp.ip=127.0.0.1 --IdentityProvider.token={token}"
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"PORT={port}", f"LAB_ARGS={args}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"make lab exited early:\n{(tmp_path / 'lab.log').read_text()[-3000:]}"
            try:
                if get(f"{base}/api/status", token)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "JupyterLab did not answer /api/status within 120 s"
            time.sleep(0.5)
        yield base, token, tmp_path
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    with pytest.raises(OSError):  # stopped: nothing listens on the port any more
        get(f"{base}/api/status", token)


def test_make_lab_serves_the_course_with_formgrader(lab) -> None:
    base, token, tmp = lab
    status, body = get(f"{base}/api/status", token)
    assert status == 200 and "started" in json.loads(body)
    status, body = get(f"{base}/api/contents/source", token)
    assert status == 200, "JupyterLab is not serving the course root"
    status, body = get(f"{base}/formgrader/api/assignments", token)
    assert status == 200, f"formgrader API: HTTP {status} {body[:300]!r}"
    listed = sorted(a["name"] for a in json.loads(body))
    assert listed == sorted(p.parent.name for p in notebooks.sections(SOURCE))
    status, _ = get(f"{base}/lab", token)
    assert status == 200
    assert "Unwritable directory" not in (tmp / "lab.log").read_text()
