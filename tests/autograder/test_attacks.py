"""The adversarial suite: one toy-course submission per attack, each with its exact score, status and message.

Every attack that fooled nbgrader 0.9.6 on this machine (issue 6) is here, plus
sandbox escapes, resource exhaustion and tampered notebooks.  One grading run
covers them all; afterwards the gradebook, the other students' results, the
course folder and the files outside the sandbox must be as they were.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from pathlib import Path

import pytest

from autograder.grade import GradeOptions, grade
from tests.autograder import helpers as h

A = h.TOY
RIGHT = {g: h.toy_solution(g) for g in ("add", "mean", "scale")}
WRONG_ADD = "def add(a, b):\n    return a - b"
ADD_FAILED = "check 1 (add(1, 2)) failed: expected 3, got -1. Try: Return a + b."
PASS = {"add_test": ("passed", "1", "all 2 checks passed"), "mean_test": ("passed", "2", "all 3 checks passed"),
        "scale_test": ("passed", "2", "all 3 checks passed")}


def with_cell(nb: dict, after: str, source: str) -> dict:
    """``nb`` with an extra student cell right after the cell ``after``."""
    nb = json.loads(json.dumps(nb))
    nb["cells"].insert(h.cell_index(nb, after) + 1, h.code_cell(source))
    return nb


def expect(add=PASS["add_test"], mean=PASS["mean_test"], scale=PASS["scale_test"]) -> dict:
    return {"add_test": add, "mean_test": mean, "scale_test": scale}


class Listener:
    """A TCP server on the host's loopback that records whether anything connected."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.sock.close()


def build(course: Path, listener: Listener, host_file: Path) -> dict[str, dict]:
    """Write every attack as a submission; return the rows each one must get."""
    rel = h.toy_release(course)
    right = h.fill(rel, RIGHT)
    wrong_add = h.fill(rel, {**RIGHT, "add": WRONG_ADD})
    source_nb = course / "source" / A / f"{A}.ipynb"
    gradebook = course / "gradebook.db"
    other = course / "submitted" / "ordinary_right" / A / f"{A}.ipynb"
    want: dict[str, dict] = {}

    def add(student: str, nb, rows: dict, files: dict | None = None, name: str | None = None) -> None:
        h.submit(course, student, A, nb, files, name)
        want[student] = rows

    # -- ordinary neighbours whose results must not move
    add("ordinary_right", right, expect())
    add("ordinary_wrong", wrong_add, expect(add=("failed", "0", ADD_FAILED)))

    # -- the attacks that fooled nbgrader
    add("always_equal", h.fill(rel, {**RIGHT, "add": (
        "class Always(float):\n"
        "    def __eq__(self, other): return True\n"
        "    def __ne__(self, other): return False\n"
        "def add(a, b):\n    return Always(0)")}),
        expect(add=("failed", "0", "check 1 (add(1, 2)) failed: a value of type __main__.Always is not plain data; "
                                   "return numbers, strings, lists or NumPy arrays")))
    add("ast_transformer", with_cell(wrong_add, "add", (
        "import ast\n"
        "class StripTests(ast.NodeTransformer):\n"
        "    def visit_Module(self, node):\n"
        "        text = ast.unparse(node)\n"
        "        if 'Checker' in text or '__ag_check__' in text:\n"
        "            node.body = [ast.Pass()]\n"
        "        return node\n"
        "get_ipython().ast_transformers.append(StripTests())")),
        expect(add=("failed", "0", ADD_FAILED)))
    add("pre_run_cell_hook", with_cell(wrong_add, "add", (
        "def fake(info):\n"
        "    print('✔ Exercise 1: add: all 2 checks passed.')\n"
        "get_ipython().events.register('pre_run_cell', fake)\n"
        "get_ipython().events.register('post_run_cell', lambda result: setattr(result, 'error_in_exec', None))")),
        expect(add=("failed", "0", ADD_FAILED)))
    add("fake_score_output", with_cell(wrong_add, "add", (
        "print('✔ Exercise 1: add: all 2 checks passed.')\n"
        "print('{\"checker\": \"Exercise 1: add\", \"index\": 1, \"passed\": true}')\n"
        "from IPython.display import display\n"
        "display({'application/json': {'score': 1, 'max_score': 1}}, raw=True)")),
        expect(add=("failed", "0", ADD_FAILED)))
    add("patched_builtins", with_cell(h.fill(rel, {**RIGHT, "scale": (
        "def scale(v, k):\n    return np.array([2.0, 4.0, 6.0, 8.0])")}), "scale", (
        "import builtins\n"
        "builtins.len = lambda x: 3\n"
        "np.shape = lambda x: (3,)\n"
        "np.asarray = lambda x, *a, **k: np.array([2.0, 4.0, 6.0])")),
        expect(scale=("failed", "0", "check 1 (shape of scale([1, 2, 3], 2)) failed: expected (3,), got (4,). "
                                     "Try: Keep one value per element.")))
    add("patched_library", with_cell(h.fill(rel, {**RIGHT, "mean": "def mean(xs):\n    return 2.0"}), "mean", (
        "np.isclose = lambda *args, **kwargs: True\n"
        "import numpy\nnumpy.isclose = np.isclose")),
        expect(mean=("failed", "0", "check 2 (mean([2, 4]) is 3) failed: the condition does not hold. "
                                    "Try: Sum and divide by the count.")))
    add("patched_checks", with_cell(wrong_add, "add", (
        "import course.checks as cc\n"
        "cc.compare = lambda *args, **kwargs: cc.Outcome(True)\n"
        "cc.encode = lambda value: 3\n"
        "for kind in ('close', 'equal', 'shape', 'true', 'done'):\n"
        "    setattr(cc.Checker, kind, lambda *args, **kwargs: None)")),
        expect(add=("failed", "0", ADD_FAILED)))
    add("forged_records", h.fill(rel, {**RIGHT, "add": (
        "import sys\n"
        "def add(a, b):\n"
        "    record = sys._getframe(1).f_globals.get('__ag_check__')\n"
        "    if record is not None:\n"
        "        record(0, 'equal', 3, what='add(1, 2)')\n"
        "    return a - b")}),
        expect(add=("failed", "0", "check 1 (add(1, 2)) failed: a check was recorded from outside the test cell")))

    # -- a cell that dies or hangs costs only what depends on it
    add("exit_in_own_cell", with_cell(right, "add", "import os\nos._exit(0)"), expect())
    add("exit_in_tested_code", h.fill(rel, {**RIGHT, "mean": "import os\ndef mean(xs):\n    os._exit(3)"}),
        expect(mean=("error", "0", "the notebook's process exited (exit code 3) during this cell")))
    add("endless_loop", h.fill(rel, {**RIGHT, "scale": "def scale(v, k):\n    while True:\n        pass"}),
        expect(scale=("timeout", "0", "stopped: this cell ran past the cell time limit of 5 s")))
    add("hanging_cell", with_cell(right, "mean", "import time\ntime.sleep(1000)"), expect())
    add("memory_grab", h.fill(rel, {**RIGHT, "mean": "def mean(xs):\n    hog = bytearray(8 << 30)\n    return 2.0"}),
        expect(mean=("error", "0", "MemoryError (while computing check 1 (mean([1, 2, 3])))")))
    add("memory_forks", h.fill(rel, {**RIGHT, "scale": (
        "import os, time\n"
        "def scale(v, k):\n"
        "    for _ in range(6):\n"
        "        if os.fork() == 0:\n"
        "            hog = b'x' * (200 << 20)\n"
        "            time.sleep(60)\n"
        "            os._exit(0)\n"
        "    time.sleep(60)")}),
        expect(scale=("killed", "0", "stopped: this cell used more than the memory limit of 512 MB")))
    add("fork_bomb", with_cell(right, "add", (
        "import os\n"
        "while True:\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        pass")), expect())
    add("output_flood", with_cell(right, "add", "print('x' * 50_000_000)\nimport sys\nsys.stderr.write('y' * 10_000_000)"),
        expect())

    # -- the sandbox: nothing outside the submission can be seen, written or reached
    escape = (
        "import errno, os, socket\n"
        "report = {}\n"
        f"for name, path in [('source', {str(source_nb)!r}), ('gradebook', {str(gradebook)!r}), "
        f"('other', {str(other)!r}), ('shadow', '/etc/shadow')]:\n"
        "    try:\n"
        "        open(path, 'rb').read(10)\n"
        "        report[name] = 'READ'\n"
        "    except OSError as exc:\n"
        "        report[name] = errno.errorcode.get(exc.errno, type(exc).__name__)\n"
        f"for name, path in [('write_gradebook', {str(gradebook)!r}), ('write_host', {str(host_file)!r}), "
        f"('write_course', {str(course / 'pwned.txt')!r}), ('write_etc', '/etc/autograder-pwned')]:\n"
        "    try:\n"
        "        open(path, 'a').write('pwned')\n"
        "        report[name] = 'WROTE'\n"
        "    except OSError as exc:\n"
        "        report[name] = errno.errorcode.get(exc.errno, type(exc).__name__)\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {listener.port}), timeout=2)\n"
        "    report['network'] = 'CONNECTED'\n"
        "except OSError as exc:\n"
        "    report['network'] = errno.errorcode.get(exc.errno, type(exc).__name__)\n"
        "try:\n"
        "    os.kill(1, 9)\n"
        "    report['kill_init'] = 'KILLED'\n"
        "except OSError as exc:\n"
        "    report['kill_init'] = errno.errorcode.get(exc.errno, type(exc).__name__)\n"
        "report['uid'] = os.getuid()\n"
        "report['sees'] = sorted(os.listdir('.'))\n"
        "print('ESCAPE', sorted(report.items()))\n"
    )
    add("sandbox_escape", with_cell(h.fill(rel, {**RIGHT, "add": (
        "import os\n"
        f"def add(a, b):\n    return 3 if os.path.exists({str(source_nb)!r}) else a - b")}), "add", escape),
        expect(add=("failed", "0", ADD_FAILED)), files={"data.csv": b"1,2\n"})

    # -- hidden tests stay hidden in the feedback
    leak = (
        "import sys\n"
        "LEAKED = []\n"
        "def add(a, b):\n"
        "    LEAKED.append(repr(sys._getframe(1).f_code.co_consts))\n"
        "    return abs(a) + abs(b)")
    add("hidden_leak", with_cell(h.fill(rel, {**RIGHT, "add": leak}), "mean", "print('LEAK', LEAKED)\nprint(In)"),
        expect(add=("failed", "0", "check 2 (add(-5, 5)) failed: expected 0, got 10. Try: Negative numbers add too.")))

    # -- tampered notebooks: restored or reported, never stuck
    def tamper(nb: dict, fn) -> dict:
        nb = json.loads(json.dumps(nb))
        fn(nb["cells"])
        return nb

    def gid(cell) -> str | None:
        return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")

    add("tests_deleted", tamper(right, lambda cells: cells.__setitem__(
        slice(None), [c for c in cells if not str(gid(c)).endswith("_test")])), expect())
    add("test_duplicated", tamper(right, lambda cells: cells.insert(0, dict(cells[h.cell_index({"cells": cells}, "add_test")]))),
        expect())
    add("test_moved_up", tamper(right, lambda cells: cells.insert(0, cells.pop(h.cell_index({"cells": cells}, "scale_test")))),
        expect())
    add("test_retyped", tamper(right, lambda cells: cells[h.cell_index({"cells": cells}, "mean_test")].update(
        cell_type="raw", outputs=None)), expect())
    add("test_reided", tamper(right, lambda cells: cells[h.cell_index({"cells": cells}, "add_test")]["metadata"]["nbgrader"]
                              .update(grade_id="mine", points=50)), expect())
    add("test_edited", tamper(h.fill(rel, {**RIGHT, "add": "def add(a, b):\n    return abs(a) + abs(b)"}),
                              lambda cells: cells[h.cell_index({"cells": cells}, "add_test")].update(
                                  source="check = Checker('x')\ncheck.done()")),
        expect(add=("failed", "0", "check 2 (add(-5, 5)) failed: expected 0, got 10. Try: Negative numbers add too.")))
    add("solution_as_grade_cell", tamper(wrong_add, lambda cells: cells[h.cell_index({"cells": cells}, "add")]
                                         ["metadata"]["nbgrader"].update(grade=True, points=100)),
        expect(add=("failed", "0", ADD_FAILED)))

    invalid = ("invalid", "0", f"{A}.ipynb: the notebook is not valid JSON (Expecting value: line 1 column 1 (char 0))")
    add("not_json", b"this is not a notebook", {g: (*invalid[:2], invalid[2]) for g in PASS})
    too_big = ("invalid", "0", f"{A}.ipynb: the notebook is 60.0 MB, more than the 50 MB limit")
    add("oversized", b" " * (60 << 20), {g: too_big for g in PASS})
    # the only notebook under another name is graded (issue 14), with a note in its feedback
    add("wrong_file_name", right, expect(), name="my_homework")
    add("link_to_source", None, {g: ("invalid", "0", f"{A}.ipynb: the notebook is not a regular file (a link or a device)")
                                 for g in PASS})
    os.symlink(source_nb, course / "submitted" / "link_to_source" / A / f"{A}.ipynb")
    return want


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory):
    course = h.toy_course(tmp_path_factory.mktemp("attacks"))
    listener = Listener()
    host_file = Path("/tmp") / f"autograder-pwned-{uuid.uuid4().hex}"
    try:
        want = build(course, listener, host_file)
        before = {name: h.snapshot(course / name) for name in ("source", "release", "submitted")}
        config = (course / "nbgrader_config.py").read_bytes()
        grade(GradeOptions(A, course, workers=2, cell_timeout=5, notebook_timeout=60, memory_mb=512), log=lambda s: None)
        rows = h.by_cell(h.csv_rows(course, A))
        yield course, want, rows, before, config, listener, host_file
    finally:
        listener.close()
        if host_file.exists():
            host_file.unlink()


ATTACKS = [
    "ordinary_right", "ordinary_wrong", "always_equal", "ast_transformer", "pre_run_cell_hook", "fake_score_output",
    "patched_builtins", "patched_library", "patched_checks", "forged_records", "exit_in_own_cell",
    "exit_in_tested_code", "endless_loop", "hanging_cell", "memory_grab", "memory_forks", "fork_bomb",
    "output_flood", "sandbox_escape", "hidden_leak", "tests_deleted", "test_duplicated", "test_moved_up",
    "test_retyped", "test_reided", "test_edited", "solution_as_grade_cell", "not_json", "oversized",
    "wrong_file_name", "link_to_source",
]


@pytest.mark.parametrize("student", ATTACKS)
def test_each_submission_gets_exactly_its_rows(attacked, student: str) -> None:
    _, want, rows, *_ = attacked
    assert set(want) == set(ATTACKS)
    for gid, (status, score, message) in want[student].items():
        row = rows[(student, gid)]
        assert (row["status"], row["score"], row["message"]) == (status, score, message), (student, gid)


def test_the_gradebook_holds_exactly_the_csv_scores(attacked) -> None:
    course, want, rows, *_ = attacked
    scores = h.gradebook_scores(course, A)
    for (student, gid), row in rows.items():
        assert scores[(student, gid)] == float(row["score"]), (student, gid)
    assert {s for s, _ in scores} == set(ATTACKS), "one submission per student, no extra rows"
    assert len(rows) == 3 * len(ATTACKS)


def test_nothing_outside_the_sandbox_changed(attacked) -> None:
    course, _, rows, before, config, listener, host_file = attacked
    for name, files in before.items():
        assert h.snapshot(course / name) == files, f"{name}/ changed"
    assert (course / "nbgrader_config.py").read_bytes() == config
    assert not (course / "pwned.txt").exists() and not host_file.exists()
    assert listener.connections == 0


def test_the_sandbox_hid_everything_but_the_submission(attacked) -> None:
    course = attacked[0]
    nb = json.loads((course / "autograded" / "sandbox_escape" / A / f"{A}.ipynb").read_text())
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"])
    line = next(line for line in text.splitlines() if line.startswith("ESCAPE"))
    report = dict(eval(line[len("ESCAPE "):]))  # noqa: S307 - our own test output
    assert report["source"] == report["gradebook"] == report["other"] == "ENOENT", "not in the sandbox at all"
    assert report["shadow"] == "EACCES", "an unprivileged uid"
    assert report["write_gradebook"] == report["write_course"] == "ENOENT"
    assert report["write_host"] == "WROTE", "into the sandbox's own /tmp, which vanishes (the host's is checked above)"
    assert report["write_etc"] == "EROFS", "system folders are read-only binds"
    assert report["network"] in ("ECONNREFUSED", "ENETUNREACH"), "only a private loopback exists"
    assert report["kill_init"] == "EPERM"
    assert report["uid"] >= 61000
    assert set(report["sees"]) - {".ipython", ".tmp", ".mpl", ".keras"} == {"data.csv"}, \
        "the private folder holds only that submission's files"


def test_no_student_process_survives(attacked) -> None:
    leftovers = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                uid = os.stat(f"/proc/{pid}").st_uid
            except FileNotFoundError:
                continue
            if 61000 <= uid < 61000 + 256:
                leftovers.append(pid)
    assert leftovers == []


def test_output_is_capped_and_hidden_tests_stay_out_of_feedback(attacked) -> None:
    course = attacked[0]
    flood = (course / "autograded" / "output_flood" / A / f"{A}.ipynb").stat().st_size
    assert flood < 2 << 20, "60 MB of prints became a small notebook"
    page = (course / "feedback" / "hidden_leak" / A / f"{A}.html").read_text()
    assert "add(-5, 5), 0" not in page and "BEGIN HIDDEN" not in page and "_expected" not in page
    assert "hidden check 2 (add(-5, 5)) failed. Try: Negative numbers add too." in page
    assert "expected 0, got 10" not in page, "a hidden check's expected value is not shown to the student"


def test_tampering_is_reported_in_the_feedback(attacked) -> None:
    course = attacked[0]
    results = json.loads((course / "reports" / A / "results" / "test_reided.json").read_text())
    notes = results["notebooks"][A]["rows"][0]["notes"]
    assert notes == ["a copy of test cell 'add_test' carried the id 'mine'"]
    page = (course / "feedback" / "tests_deleted" / A / f"{A}.html").read_text()
    assert "test cell &#x27;add_test&#x27; was missing and has been restored from the source" in page
