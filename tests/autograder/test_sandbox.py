"""autograder/sandbox.py + runner.py: what a notebook's process can see and do, and how it is stopped."""

from __future__ import annotations

import base64
import os
import time

import pytest

from autograder import sandbox
from autograder.pool import Runner, RunnerSpec
from tests.conftest import ROOT

LIMITS = {"cell_timeout": 5, "notebook_timeout": 60, "memory_mb": 512, "cpu_seconds": 60, "fsize_mb": 1,
          "nproc": 64, "max_restarts": 3}


def job(*cells: str, test: dict[int, str] | None = None, files: dict[str, bytes] | None = None, **limits) -> dict:
    kinds = test or {}
    return {
        "id": f"job-{time.time_ns()}",
        "cells": [{"kind": "test" if i in kinds else "code", "code": kinds.get(i, c), "grade_id": f"t{i}" if i in kinds else None}
                  for i, c in enumerate(cells)],
        "files": [[k, base64.b64encode(v).decode()] for k, v in (files or {}).items()],
        "limits": {**LIMITS, **limits},
    }


def stdout(event: dict) -> str:
    return "".join(o.get("text", "") for o in event["outputs"] if o.get("type") == "stream" and o.get("name") == "stdout")


@pytest.fixture(scope="module")
def runner():
    r = Runner(RunnerSpec(sandbox="bwrap", preload=("numpy", "course.checks")))
    r.start()
    yield r
    r.release()


def test_student_code_runs_unprivileged_in_its_own_namespaces(runner) -> None:
    result = runner.run(job(
        "import os, socket\n"
        "status = dict(line.split(':', 1) for line in open('/proc/self/status') if ':' in line)\n"
        "print(os.getuid(), os.getgid(), os.getgroups())\n"
        "print(status['CapEff'].strip(), status['CapBnd'].strip(), status['NoNewPrivs'].strip())\n"
        "print(sorted(os.listdir('/sys/class/net')) if os.path.exists('/sys/class/net') else ['lo'])\n"
        "print(socket.gethostname(), os.getcwd() == os.environ['HOME'])\n"
        f"print(os.path.exists('{ROOT}/source'), os.path.exists('{sandbox.PACKAGES}/course/checks.py'))\n"
        "try:\n    os.kill(os.getppid(), 9)\nexcept PermissionError:\n    print('the zygote cannot be signalled')\n",
    ))
    lines = stdout(result["cells"][0]).splitlines()
    uid = runner.slot.uid
    assert lines[0] == f"{uid} {uid} []"
    assert lines[1] == "0000000000000000 0000000000000000 1", "no capabilities, empty bounding set, no_new_privs"
    assert lines[2] == "['lo']"
    assert lines[3] == "grader True"
    assert lines[4] == "False True", "the course package is there, the course folder is not"
    assert lines[5] == "the zygote cannot be signalled"


def test_the_course_package_and_system_are_read_only(runner) -> None:
    result = runner.run(job(
        "import errno\n"
        f"for path in ['{sandbox.PACKAGES}/course/evil.py', '/usr/bin/evil', '/etc/passwd']:\n"
        "    try:\n"
        "        open(path, 'a')\n"
        "        print('WROTE')\n"
        "    except OSError as exc:\n"
        "        print(errno.errorcode[exc.errno])\n"
    ))
    assert stdout(result["cells"][0]).split() == ["EROFS", "EROFS", "EACCES"]
    assert not (ROOT / "course" / "evil.py").exists()


def test_submission_files_are_in_the_private_folder_and_file_size_is_capped(runner) -> None:
    result = runner.run(job(
        "print(open('data/points.csv').read().strip())",
        "import errno\ntry:\n    open('big.bin', 'wb').write(b'x' * (2 << 20))\nexcept OSError as exc:\n"
        "    print(errno.errorcode[exc.errno])",
        "%cd data\nfiles = !ls\nprint(files)",
        files={"data/points.csv": b"1,2\n"},
    ))
    assert stdout(result["cells"][0]) == "1,2\n"
    assert stdout(result["cells"][1]) == "EFBIG\n", "RLIMIT_FSIZE holds (1 MB here)"
    assert stdout(result["cells"][2]).endswith("['points.csv']\n"), "IPython magics and shell escapes work"


def test_process_count_is_limited_per_slot_uid(runner) -> None:
    result = runner.run(job(
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    for _ in range(500):\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30)\n"
        "            os._exit(0)\n"
        "        n += 1\n"
        "except BlockingIOError:\n"
        "    pass\n"
        "print(n < 64)"
    ))
    assert stdout(result["cells"][0]) == "True\n"


def test_a_hanging_cell_is_stopped_and_the_rest_still_runs(runner) -> None:
    result = runner.run(job("x = 41", "import time\ntime.sleep(1000)", "print(x + 1)", cell_timeout=2))
    first, hang, after = result["cells"]
    assert first["status"] == "ok"
    assert (hang["status"], hang["message"]) == ("timeout", "stopped: this cell ran past the cell time limit of 2 s")
    assert (after["status"], stdout(after)) == ("ok", "42\n"), "earlier cells were replayed in a fresh child"
    assert result["restarts"] == 1


def test_too_many_restarts_and_the_notebook_limit(runner) -> None:
    result = runner.run(job(*["import os\nos._exit(1)"] * 4, "print('late')", max_restarts=2))
    assert [c["status"] for c in result["cells"]] == ["error", "error", "error", "not-run", "not-run"]
    assert result["cells"][3]["message"] == "not run: the notebook's process was restarted too often"
    result = runner.run(job("import time\ntime.sleep(1.5)", "import time\ntime.sleep(1.5)", "print(1)",
                            cell_timeout=10, notebook_timeout=2))
    assert [c["status"] for c in result["cells"]] == ["ok", "timeout", "timeout"]
    assert result["cells"][1]["message"] == "stopped: this cell ran past the notebook's time limit"
    assert result["cells"][2]["message"] == "the notebook's time limit was reached before this cell ran"


def _slot_processes(uid: int) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    found.append(pid)
            except FileNotFoundError:
                pass
    return found


def test_nothing_a_notebook_started_survives_it(runner) -> None:
    result = runner.run(job(
        "import subprocess, os\n"
        "subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        import time; time.sleep(1000)\n"
        "    os._exit(0)\n"
        "print('daemons started')"
    ))
    assert stdout(result["cells"][0]) == "daemons started\n"
    assert _slot_processes(runner.slot.uid) == []
    result = runner.run(job("import os\nprint(sorted(n for n in os.listdir(os.path.dirname(os.getcwd())) if n.startswith('job-')))"))
    assert stdout(result["cells"][0]).count("job-") == 1, "the previous notebook's folder is gone"


def test_test_cells_record_values_only_from_their_own_code(runner) -> None:
    result = runner.run(job(
        "import builtins\nbuiltins.len = lambda x: 3\nLEN = len",
        "x",
        test={1: "__ag_check__(0, 'equal', len([1, 2, 3, 4]), what='len')\n"
                 "__ag_check__(1, 'equal', LEN([1]), what='student len')\n"
                 "__ag_check__(2, 'close', 0.5, what='half', rtol=1e-3)"},
    ))
    records = result["cells"][1]["records"]
    assert [r["value"] for r in records] == [4, 3, 0.5], "builtins restored for the test; the student's own objects are theirs"
    assert records[2]["params"] == {"rtol": 0.001}


def test_sandbox_none_runs_the_same_runner_as_this_user(tmp_path) -> None:
    r = Runner(RunnerSpec(sandbox="none", preload=("numpy",)))
    try:
        result = r.run(job("import os\nprint(os.getuid())"))
    finally:
        r.release()
    assert stdout(result["cells"][0]) == f"{os.getuid()}\n"


def test_bwrap_command_binds_only_what_the_runner_needs() -> None:
    cmd = sandbox.bwrap_command(61000, sandbox.Sandbox("bwrap"))
    pairs = [(cmd[i + 1], cmd[i + 2]) for i, a in enumerate(cmd) if a == "--ro-bind"]
    assert str(ROOT) not in {src for src, _ in pairs}, "never the course root"
    assert (str(ROOT / "course"), f"{sandbox.PACKAGES}/course") in pairs
    assert (str(ROOT / "autograder"), f"{sandbox.PACKAGES}/autograder") in pairs
    env = {cmd[i + 1]: cmd[i + 2] for i, a in enumerate(cmd) if a == "--setenv"}
    assert env["PYTHONPATH"] == sandbox.PACKAGES, "the runner imports the packages this process runs"
    assert "--unshare-net" in cmd and "--clearenv" in cmd and "--die-with-parent" in cmd
    caps = [cmd[i + 1] for i, a in enumerate(cmd) if a == "--cap-add"]
    assert caps == ["CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_KILL", "CAP_SYS_PTRACE"]
    assert cmd[-4:] == ["--uid", "61000", "--workroot", "/home/student"]


def test_a_cell_that_hangs_only_when_replayed_ends_the_notebook_cleanly(runner) -> None:
    later = time.time() + 4  # the first run is well before this, the replay (after 5 s) after it
    result = runner.run(job(
        "x = 1",
        f"import time\nif time.time() > {later}:\n    time.sleep(1000)",
        "import os, time\ntime.sleep(5)\nos._exit(0)",
        "print('never')",
        cell_timeout=6,
    ))
    assert [c["status"] for c in result["cells"]] == ["ok", "ok", "error", "killed"]
    assert result["cells"][3]["message"] == (
        "not run: cell 2 hung when the notebook was restarted after an earlier cell stopped")


def test_forked_workers_share_the_preloaded_libraries_for_free(runner) -> None:
    """Resident sizes would count the preloaded libraries once per process; private memory does not."""
    result = runner.run(job(
        "import os, time\n"
        "pids = []\n"
        "for _ in range(12):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        time.sleep(1.5)\n"
        "        os._exit(0)\n"
        "    pids.append(pid)\n"
        "resident = sum(int(open(f'/proc/{p}/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') for p in pids)\n"
        "for p in pids:\n"
        "    os.waitpid(p, 0)\n"
        "print(resident > 256 << 20)",
        memory_mb=256,
    ))
    assert (result["cells"][0]["status"], stdout(result["cells"][0])) == ("ok", "True\n")


def test_a_runner_that_dies_is_replaced(runner) -> None:
    import signal
    import threading

    timer = threading.Timer(1.5, lambda: os.killpg(runner.proc.pid, signal.SIGKILL))
    timer.start()
    try:
        result = runner.run(job("import time\ntime.sleep(30)", "print('after')"))
    finally:
        timer.cancel()
    assert [c["status"] for c in result["cells"]] == ["killed", "killed"]
    assert result["runner_error"].startswith("the grader's runner stopped (exit status -9")
    result = runner.run(job("print('fresh runner')"))
    assert stdout(result["cells"][0]) == "fresh runner\n"


@pytest.mark.parametrize("kind", ["bwrap", "none"])
def test_the_runner_imports_the_packages_the_coordinator_runs(tmp_path, kind: str) -> None:
    """A grader started from another checkout (the venv's editable install points here) grades with its own code."""
    import shutil
    import subprocess
    import sys

    for name in ("course", "autograder"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "course" / "_which_checkout.py").write_text('NAME = "the other checkout"\n')
    script = (
        "import json, sys\n"
        "from autograder.pool import Runner, RunnerSpec\n"
        f"r = Runner(RunnerSpec(sandbox={kind!r}, preload=('numpy', 'course.checks')))\n"
        "r.start()\n"
        "try:\n"
        "    res = r.run({'id': 'j', 'cells': [{'kind': 'code', 'grade_id': None, 'code': "
        "'import course._which_checkout as w, autograder\\nprint(w.NAME)'}], 'files': [], "
        "'limits': {'cell_timeout': 30, 'notebook_timeout': 60}})\n"
        "finally:\n"
        "    r.release()\n"
        "print(json.dumps({'packages': r.info['packages'], 'cell': res['cells'][0]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    import json

    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["cell"]["status"] == "ok", result["cell"]
    assert stdout(result["cell"]) == "the other checkout\n"
    if kind == "bwrap":
        assert result["packages"] == {"course": f"{sandbox.PACKAGES}/course", "autograder": f"{sandbox.PACKAGES}/autograder"}


def test_a_runner_with_other_packages_is_refused_with_what_to_do() -> None:
    problem = sandbox.foreign_packages({"course": "/elsewhere/course", "autograder": f"{sandbox.PACKAGES}/autograder"})
    assert problem.startswith(f"the sandboxed runner imported course from /elsewhere/course instead of {ROOT / 'course'}")
    assert "pip install -e ." in problem
    assert sandbox.foreign_packages({n: f"{sandbox.PACKAGES}/{n}" for n in ("course", "autograder")}) == ""
