"""Start a real JupyterLab for a test (through `make lab`, or plain `jupyter lab` in a folder) and stop it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from tests.conftest import ROOT

TOKEN = "course-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str = TOKEN) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@dataclass
class Lab:
    base: str
    token: str
    log: Path


def _env(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(scratch / "config"),
        JUPYTER_DATA_DIR=str(scratch / "data"),
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
        COURSE_GRADEBOOK_URL=f"sqlite:///{scratch / 'gradebook.db'}",
        COURSE_EXCHANGE=str(scratch / "exchange"),
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    # No "Would you like to get notified about Jupyter news?" toast over the page.
    labconfig = scratch / "config" / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text('{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}')
    return env


@contextlib.contextmanager
def running_lab(scratch: Path, root: Path | None = None, timeout: float = 120.0) -> Iterator[Lab]:
    """`make lab` at the course root (root=None), or `jupyter lab` serving ``root``."""
    port = free_port()
    args = f"--no-browser --ServerApp.ip=127.0.0.1 --IdentityProvider.token={TOKEN}"
    if root is None:
        cmd = ["make", "--no-print-directory", "lab", f"PORT={port}", f"LAB_ARGS={args}"]
        cwd = ROOT
    else:
        cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}", f"--ServerApp.port={port}", *args.split()]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        cwd = root
    log_path = scratch / "lab.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, cwd=cwd, env=_env(scratch), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", TOKEN, log_path)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{log_path.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if get(f"{lab.base}/api/status")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"JupyterLab did not answer /api/status within {timeout:.0f} s")
            time.sleep(0.5)
        yield lab
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
