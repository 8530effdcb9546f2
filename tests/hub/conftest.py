"""A real JupyterHub for tests: local Linux accounts, PAM log-in, nbgrader's shared exchange.

Needs root (useradd, PAM, servers started as each user); skipped otherwise. The accounts and
every folder are removed afterwards.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import ROOT
from tests.lab_server import free_port

VENV = ROOT / ".venv"
CHP = VENV / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
COURSE_ID = "mlbigsci"
PASSWORD = "semester-2026"
SHOTS = ROOT / "test-output" / "hub"
#: The semester's late policy (autograder/late.py reads it): 10% of the score per started hour late.
LATE_POLICY = """
# The hub's course: 10% of the score per started hour late, at most half.
c.LatePenalty.method = "per_hour"
c.LatePenalty.fraction = 0.1
c.LatePenalty.cap = 0.5
"""


@dataclass
class Hub:
    url: str
    instructor: str
    students: list[str]
    exchange: Path
    course: Path  # the instructor's course folder
    log: Path
    scratch: Path
    shots: Path = SHOTS
    taken: list[str] = field(default_factory=list)

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)


def _uid_processes(uid: int) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError):
                if d.stat().st_uid == uid:
                    pids.append(int(d.name))
    return pids


def make_user(name: str) -> None:
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--user-group", name], check=True)
    subprocess.run(["chpasswd"], input=f"{name}:{PASSWORD}\n", text=True, check=True)


def remove_user(name: str) -> None:
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    for pid in _uid_processes(uid):  # only the test account's own processes
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    subprocess.run(["userdel", "--remove", name], capture_output=True)
    with contextlib.suppress(KeyError):
        grp.getgrnam(name)
        subprocess.run(["groupdel", name], capture_output=True)


def install_course(course: Path, assignment: str, owner: str) -> None:
    """The instructor's course folder: the repository's nbgrader config and the lecture's source."""
    (course / "source").mkdir(parents=True)
    config = (ROOT / "nbgrader_config.py").read_text()
    config += LATE_POLICY
    (course / "nbgrader_config.py").write_text(config)
    shutil.copytree(ROOT / "source" / assignment, course / "source" / assignment)
    subprocess.run(["chown", "-R", f"{owner}:{owner}", str(course)], check=True)


def wait_http(url: str, timeout: float, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyterhub exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"jupyterhub did not answer at {url}:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def running_hub(assignment: str, students: list[str], instructor: str = "hubinstr", tag: str = "") -> Iterator[Hub]:
    if os.geteuid() != 0:
        pytest.skip("a hub with real accounts needs root (useradd, PAM, servers started as each user)")
    if not CHP.exists():
        pytest.skip(f"configurable-http-proxy is not installed in {CHP.parent} (make test installs it)")
    users = [instructor, *students]
    for u in users:
        remove_user(u)  # left over from a killed run
    scratch = Path(tempfile.mkdtemp(prefix="course-hub-"))
    scratch.chmod(0o755)  # users reach the exchange through it
    exchange = scratch / "exchange"
    exchange.mkdir()
    exchange.chmod(0o1777)  # nbgrader's documented exchange permissions: everyone writes, sticky bit
    state = scratch / "state"
    state.mkdir(mode=0o700)
    log = scratch / "hub.log"
    proc = None
    try:
        for u in users:
            make_user(u)
        course = Path(pwd.getpwnam(instructor).pw_dir) / COURSE_ID
        install_course(course, assignment, instructor)
        port = free_port()
        env = dict(os.environ)
        env.update(
            PATH=f"{VENV / 'bin'}:{env.get('PATH', '')}",
            HUB_STATE=str(state), HUB_PORT=str(port), HUB_API_PORT=str(free_port()), HUB_PROXY_API_PORT=str(free_port()),
            COURSE_INSTRUCTORS=instructor, COURSE_STUDENTS=",".join(students), COURSE_EXCHANGE=str(exchange),
        )
        proc = subprocess.Popen([str(VENV / "bin" / "jupyterhub"), "-f", str(ROOT / "hub" / "jupyterhub_config.py")],
                                cwd=state, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/hub/api", 60, proc, log)
        SHOTS.mkdir(parents=True, exist_ok=True)
        yield Hub(url, instructor, students, exchange, course, log, scratch)
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the hub stops the users' servers and its proxy
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        pidfile = state / "proxy.pid"
        if pidfile.exists():
            with contextlib.suppress(ValueError, ProcessLookupError):
                os.kill(int(pidfile.read_text()), signal.SIGTERM)
        for u in users:
            remove_user(u)
        if os.environ.get("COURSE_KEEP_HUB_LOG"):
            shutil.copy(log, SHOTS / "hub.log")
        shutil.rmtree(scratch, ignore_errors=True)
