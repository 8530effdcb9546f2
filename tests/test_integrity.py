"""course/integrity.py: the watch sees an answer reach what is off-limits, however it gets there, and nothing else."""

from __future__ import annotations

import sys
import textwrap

import numpy as np
import pytest

from course import integrity
from course.integrity import Rule, Watch

CONV = Rule(course=("course.widgets.convolution.conv2d",), library=("scipy.signal", "scipy.special.expit"),
            advice="write the loop yourself")
TEST_FILE = "<test cell conv2d_test>"
STUDENT_FILE = "<ipython-input-7-0123456789ab>"

HONEST = """
import numpy as np
def conv2d(image, kernel):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out
"""


def run(student: str, test: str = "result = conv2d(IMAGE, KERNEL)", rule: Rule = CONV, strict: bool = False,
        callbacks: tuple[str, ...] = ()) -> tuple[dict, integrity.Violation | None]:
    """Define ``student`` as a notebook cell would, then run ``test`` as a watched test cell."""
    ns: dict = {"np": np, "IMAGE": np.arange(30.0).reshape(5, 6), "KERNEL": np.array([[1.0, 0.0], [0.0, -1.0]])}
    exec(compile(textwrap.dedent(student), STUDENT_FILE, "exec"), ns)
    old = integrity.STRICT
    integrity.STRICT = strict
    try:
        watch = Watch(integrity.compiled(rule), {TEST_FILE}, callbacks, ns, integrity.loaded_names(test))
    finally:
        integrity.STRICT = old
    watch.start(stop_frame=sys._getframe())
    try:
        exec(compile(textwrap.dedent(test), TEST_FILE, "exec"), ns)
    finally:
        watch.stop()
    return ns, watch.first()


def test_an_honest_answer_with_numpy_is_clean() -> None:
    ns, found = run(HONEST)
    assert found is None
    assert np.allclose(ns["result"], -7.0)


SHORTCUTS = {
    "import": "from course.widgets.convolution import conv2d as c\ndef conv2d(i, k):\n    return c(i, k)",
    "module alias": "import course.widgets.convolution as cw\ndef conv2d(i, k):\n    return cw.conv2d(i, k)",
    "getattr and importlib": ("import importlib\ndef conv2d(i, k):\n"
                              "    m = importlib.import_module('course.widgets.' + 'convolution')\n"
                              "    return getattr(m, 'conv' + '2d')(i, k)"),
    "default argument": ("from course.widgets import convolution\n"
                         "def conv2d(i, k, _f=convolution.conv2d):\n    return _f(i, k)"),
    "closure": ("def make():\n    from course.widgets.convolution import conv2d as c\n"
                "    def conv2d(i, k):\n        return c(i, k)\n    return conv2d\nconv2d = make()"),
    "lambda": "from course.widgets.convolution import conv2d as c\nconv2d = lambda i, k: c(i, k)",
    "partial": ("import functools\nfrom course.widgets.convolution import conv2d as c\n"
                "conv2d = functools.partial(c, stride=1)"),
    "exec'd source": ("src = 'def conv2d(i, k):\\n    from course.widgets.convolution import conv2d as c\\n"
                      "    return c(i, k)\\n'\nexec(src)"),
    "a helper of the student": ("from course.widgets.convolution import conv2d as c\n"
                                "def _helper(i, k):\n    return c(i, k)\ndef conv2d(i, k):\n    return _helper(i, k)"),
    "a thread": ("import threading\nfrom course.widgets.convolution import conv2d as c\ndef conv2d(i, k):\n"
                 "    out = {}\n    t = threading.Thread(target=lambda: out.setdefault('r', c(i, k)))\n"
                 "    t.start()\n    t.join()\n    return out['r']"),
    "a thread running the course's function itself": (
        "import threading\nfrom course.widgets.convolution import conv2d as c\ndef conv2d(i, k):\n"
        "    t = threading.Thread(target=c, args=(i, k))\n    t.start()\n    t.join()\n"
        "    return np.zeros((4, 5)) - 7"),
    "the course's function under the exercise's name": "from course.widgets.convolution import conv2d",
}


@pytest.mark.parametrize("route", list(SHORTCUTS))
def test_the_course_implementation_is_seen_whatever_the_route(route: str) -> None:
    _, found = run(SHORTCUTS[route])
    assert found is not None, route
    assert (found.kind, found.called) == ("course", "course.widgets.convolution.conv2d")


def test_a_whole_off_limits_module_names_the_function_called() -> None:
    student = "import scipy.signal as ss\ndef conv2d(i, k):\n    return ss.correlate2d(i, k, mode='valid')"
    _, found = run(student)
    assert (found.kind, found.called, found.by) == ("library", "scipy.signal.correlate2d", "conv2d")
    assert found.message("Exercise 2", "write the loop yourself") == (
        "✘ Exercise 2: your conv2d calls scipy.signal.correlate2d, which this exercise rules out; write the loop yourself.")


def test_a_ufunc_no_profile_event_names_is_found_by_reading_the_answer() -> None:
    student = "from scipy.special import expit as e\ndef conv2d(i, k):\n    return e(i)"
    _, found = run(student)
    assert (found.kind, found.called, found.by) == ("library", "scipy.special.expit", "conv2d")
    nested = "import scipy\ndef _inner(x):\n    return scipy.special.expit(x)\ndef conv2d(i, k):\n    return _inner(i)"
    assert run(nested)[1].called == "scipy.special.expit"


def test_the_test_cells_own_calls_never_count() -> None:
    test = ("from course.widgets.convolution import conv2d as reference\n"
            "expected = reference(IMAGE, KERNEL)\nresult = conv2d(IMAGE, KERNEL)")
    ns, found = run(HONEST, test)
    assert found is None and np.allclose(ns["result"], ns["expected"])


def test_a_function_the_test_cell_defines_is_off_limits_unless_handed_over() -> None:
    test = ("def _reference(i, k):\n    return -7 * np.ones((4, 5))\n"
            "result = conv2d(IMAGE, KERNEL)")
    student = "def conv2d(i, k):\n    return _reference(i, k)"
    _, found = run(student, test)
    assert (found.kind, found.called, found.by) == ("test", "_reference", "conv2d")
    handed = ("_act = lambda z: z\ndef apply(f, x):\n    return f(x)\nresult = apply(_act, IMAGE)")
    assert run("def conv2d(i, k):\n    return i", handed, callbacks=("_act",))[1] is None


def test_switching_the_watch_off_counts() -> None:
    student = "import sys\ndef conv2d(i, k):\n    sys.setprofile(None)\n    return i"
    _, found = run(student)
    assert found.kind == "tamper" and "sys.setprofile" in found.called
    quiet = "import sys\ndef conv2d(i, k):\n    saved = sys.getprofile()\n    return i"
    assert run(quiet)[1].kind == "tamper"


def test_work_moved_to_another_process_counts() -> None:
    student = "import subprocess, sys\ndef conv2d(i, k):\n    subprocess.run([sys.executable, '-c', 'pass'])\n    return i"
    _, found = run(student)
    assert found.kind == "tamper" and "another process" in found.called


def test_strict_mode_counts_the_test_cells_own_calls() -> None:
    test = "from course.widgets.convolution import conv2d as reference\nexpected = reference(IMAGE, KERNEL)"
    _, found = run(HONEST, test, strict=True)
    assert (found.called, found.by) == ("course.widgets.convolution.conv2d", "test cell")


def test_nothing_outside_a_watched_cell_is_seen() -> None:
    ns: dict = {}
    exec(compile(SHORTCUTS["import"], STUDENT_FILE, "exec"), ns)
    watch = Watch(integrity.compiled(CONV), {TEST_FILE}, (), ns)
    ns["conv2d"](np.ones((3, 3)), np.ones((2, 2)))  # a lecture cell or widget using the course's function
    assert watch.first() is None and sys.getprofile() is None


def test_a_path_rebound_to_the_students_own_function_is_never_forbidden(monkeypatch) -> None:
    ns: dict = {}
    exec(compile(HONEST, STUDENT_FILE, "exec"), ns)
    import course.widgets.convolution as cw

    monkeypatch.setattr(cw, "conv2d", ns["conv2d"])
    compiled = integrity.compile_rule(Rule(course=("course.widgets.convolution.conv2d",)))
    assert ns["conv2d"].__code__ not in compiled.targets.codes


def test_missing_libraries_are_skipped_and_reported() -> None:
    compiled = integrity.compile_rule(Rule(library=("no_such_package.fn", "scipy.signal.nothing_here")))
    assert compiled.missing == ["no_such_package.fn", "scipy.signal.nothing_here"]


def test_callbacks_are_names_passed_as_arguments_not_called() -> None:
    source = ("_relu = lambda z: z\ndef _tf(x):\n    return x\n"
              "gcn(A, X, [W], _relu)\ncheck.close(conv(x), _tf(x), what='x')")
    assert integrity.callbacks_in(source) == {"_relu"}


def test_messages_for_each_kind() -> None:
    v = integrity.Violation
    assert v("course", "course.bigdata.welford", "streaming_stats").message("Exercise 2", "merge it yourself") == (
        "✘ Exercise 2: your streaming_stats calls course.bigdata.welford, the course's own answer; merge it yourself.")
    assert v("library", "tensorflow.nn.conv2d", "thread").message("Exercise 2", "x").startswith(
        "✘ Exercise 2: a thread your answer started calls tf.nn.conv2d, which this exercise rules out")
    assert v("test", "_reference", "fgsm").message("Exercise 3", "x") == (
        "✘ Exercise 3: your fgsm calls _reference, which the test cell defines to check your answer; x.")


def test_strict_mode_does_not_blame_the_test_for_the_watchs_own_calls() -> None:
    test = "import sys\nresult = conv2d(IMAGE, KERNEL)\nsys.getprofile()"
    assert run(HONEST, test, strict=True)[1] is None


@pytest.mark.parametrize("route", ["lambda", "closure"])
def test_an_answer_is_called_by_the_name_the_exercise_gave_it(route: str) -> None:
    answers = Rule(course=CONV.course, answers=("conv2d",))
    assert run(SHORTCUTS[route], rule=answers)[1].by == "conv2d"


def test_a_class_from_an_off_limits_module_is_named_as_a_student_calls_it() -> None:
    rule = Rule(library=("keras.src.optimizers",))
    student = "import keras\ndef conv2d(i, k):\n    keras.optimizers.SGD(0.1)\n    return i"
    assert run(student, rule=rule)[1].called == "keras.src.optimizers.SGD"
