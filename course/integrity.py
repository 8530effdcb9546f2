"""Off-limits calls: what an exercise's answer may not reach, and the watch that sees it happen.

Every exercise is passed only by the student's own code.  The course package
necessarily holds working implementations (a convolution widget needs a
convolution), and libraries hold one-call answers (``tf.nn.conv2d``).  So each
exercise declares what is off-limits (:data:`RULES`, keyed by the grade id of
its solution cell):

- ``course``: the course's own implementations of the exercise's function(s);
- ``library``: the library calls the exercise's text rules out;
- and, always, every function the exercise's test cells define and do not hand
  to the student's code as an argument (references, helpers).

While a test cell runs, a :class:`Watch` (a ``sys.setprofile`` hook) sees every
call.  A call into an off-limits function counts when student code is on the
stack above it -- however the student reached it: an import, an alias made
earlier, ``getattr``, ``importlib``, a default argument, a closure, a thread
the answer started.  The test cell's own calls (a hidden test's reference, the
lecture's helpers) never count, and nothing outside test cells is watched: the
lecture's later cells, widgets and demos keep using the course's
implementations.

Switching the watch off from inside an answer (``sys.setprofile``,
``sys.settrace``, ``threading.setprofile``) or moving work into another process
counts as well: the checks cannot follow it there.

The self-check (:class:`course.checks.Checker`) and the trusted grader
(``autograder.runner``) both use this module, so a student hears at once what the
grader will say.

Defined in 00_big_data_in_science (every exercise's test cell uses it).
"""

from __future__ import annotations

import importlib
import os
import site
import sys
import sysconfig
import threading
import types
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

__all__ = ["Rule", "Violation", "Watch", "rule_for", "resolve", "compiled"]


@dataclass(frozen=True)
class Rule:
    """What one exercise's answer may not call (dotted paths that import + getattr resolve)."""

    course: tuple[str, ...] = ()
    library: tuple[str, ...] = ()
    advice: str = "write it with your own code"
    answers: tuple[str, ...] = ()  # the functions the exercise asks for (its solution cell defines them)


#: Set by the trusted grader's runner: it keeps its own watch, so Checkers made in its process start none.
GRADER = False

#: Set by the course's own test suite while it runs a *visible* test cell: then every off-limits call
#: counts, the test cell's own included (a visible test cell must not compute an answer).
STRICT = False

DEFAULT_RULE = Rule()


def rule_for(exercise: str | None) -> Rule:
    """The rule of ``exercise`` (:data:`course.offlimits.RULES`; test-cell names only when it has none)."""
    import dataclasses

    from course.offlimits import ANSWERS, RULES

    rule = RULES.get(exercise or "", DEFAULT_RULE)
    answers = ANSWERS.get(exercise or "", ())
    return dataclasses.replace(rule, answers=answers) if answers and not rule.answers else rule


# ------------------------------------------------------------------- resolving


def resolve(path: str) -> Any:
    """The object a dotted path names: the longest importable module prefix, then attributes.

    Raises ``ImportError`` or ``AttributeError`` when it names nothing here.
    """
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(name)
        except ImportError:
            if cut == 1:
                raise
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(path)


def _unwrap(obj: Any) -> Any:
    seen = set()
    while id(obj) not in seen:
        seen.add(id(obj))
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        elif isinstance(obj, types.MethodType):
            obj = obj.__func__
        elif type(obj).__name__ == "partial" and hasattr(obj, "func"):
            obj = obj.func
        elif getattr(obj, "__wrapped__", None) is not None and not isinstance(obj, type):
            obj = obj.__wrapped__
        else:
            break
    return obj


def _module_files(module: types.ModuleType) -> set[str]:
    files: set[str] = set()
    main = getattr(module, "__file__", None)
    if main:
        files.add(main)
    for folder in getattr(module, "__path__", None) or []:
        for path in Path(folder).rglob("*.py"):
            files.add(str(path))
    return files


@dataclass
class Targets:
    """Resolved off-limits objects: code objects, whole files, built-in callables; each with its label."""

    codes: dict[types.CodeType, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    builtins: dict[Any, int] = field(default_factory=dict)
    opaque: dict[int, int] = field(default_factory=dict)  # callables no profile event names (NumPy ufuncs, C types)
    keep: list[Any] = field(default_factory=list)  # holds the opaque objects whose ids are keys

    def add(self, obj: Any, label: int, depth: int = 0) -> bool:
        """Register ``obj`` (function, class, module, built-in) under ``label``; False if nothing was added."""
        obj = _unwrap(obj)
        if isinstance(obj, property):
            parts = [p for p in (obj.fget, obj.fset, obj.fdel) if p is not None]
            return any([self.add(p, label, depth + 1) for p in parts])
        if isinstance(obj, types.ModuleType):
            files = _module_files(obj)
            for f in files:
                self.files.setdefault(f, label)
            return bool(files)
        if isinstance(obj, type) and not _python_methods(obj):
            return self._opaque(obj, label)
        if isinstance(obj, type):
            added = False
            for value in vars(obj).values():
                if isinstance(value, property):
                    parts = [value.fget, value.fset, value.fdel]
                else:
                    parts = [value]
                for part in parts:
                    if part is None:
                        continue
                    inner = _unwrap(part)
                    if isinstance(inner, types.FunctionType) or (isinstance(inner, type) and depth < 2):
                        added = self.add(inner, label, depth + 1) or added
            return added
        code = getattr(obj, "__code__", None)
        if isinstance(code, types.CodeType):
            self.codes.setdefault(code, label)
            return True
        if isinstance(obj, types.BuiltinFunctionType):
            self.builtins.setdefault(obj, label)
            return True
        if callable(obj):
            return self._opaque(obj, label)
        return False

    def _opaque(self, obj: Any, label: int) -> bool:
        self.opaque.setdefault(id(obj), label)
        self.keep.append(obj)
        return True


def _python_methods(cls: type) -> bool:
    return any(isinstance(_unwrap(v), types.FunctionType) for v in vars(cls).values())


def _library_roots() -> tuple[str, ...]:
    """Folders whose code is library code (the interpreter, site-packages, the course's own packages)."""
    roots: set[str] = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(path)
    for path in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        roots.add(path)
    try:
        roots.update(site.getsitepackages())
        roots.add(site.getusersitepackages())
    except Exception:  # noqa: BLE001 - virtualenvs without the site helpers
        pass
    roots.update(p for p in sys.path if p and ("site-packages" in p or "dist-packages" in p))
    for name in ("course", "autograder"):  # as imported (maybe through a link) and as on disk
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            roots.add(os.path.dirname(os.path.abspath(module.__file__)))
    expanded: set[str] = set()
    for root in roots:
        if not root:
            continue
        expanded.add(os.path.join(root, ""))
        real = os.path.realpath(root)
        expanded.add(os.path.join(real, ""))
    return tuple(sorted(expanded))


_ROOTS: tuple[str, ...] | None = None


def library_roots() -> tuple[str, ...]:
    global _ROOTS
    if _ROOTS is None:
        _ROOTS = _library_roots()
    return _ROOTS


def is_library_code(code: types.CodeType) -> bool:
    """True for code that lives in the interpreter, site-packages or the course package."""
    name = code.co_filename
    return name.startswith("<frozen") or name.startswith(library_roots())


def callbacks_in(source: str) -> set[str]:
    """Names a test cell defines (``def`` or ``name = lambda``) and passes as an argument: its callbacks.

    A test may hand the student's function a function of its own on purpose
    (an activation, a gradient); calling that is the job, not a shortcut.
    """
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    defined = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    defined |= {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Lambda)
                for t in n.targets if isinstance(t, ast.Name)}
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    passed: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                passed |= {n.id for n in ast.walk(arg)
                           if isinstance(n, ast.Name) and n.id in defined and id(n) not in called}
    return passed


def loaded_names(source: str) -> set[str]:
    """The names a cell reads but never binds itself: where the student's functions (the answers) come in."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments)
              for a in [*n.posonlyargs, *n.args, *n.kwonlyargs, n.vararg, n.kwarg] if a is not None}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    bound |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
              for a in n.names}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound


# ------------------------------------------------------------------- the watch


#: Calls that switch the watch off, or move work where it cannot follow.
TAMPER_BUILTINS = (
    ("sys.setprofile", "switches off the checks (sys.setprofile)"),
    ("sys.settrace", "switches off the checks (sys.settrace)"),
    ("sys.getprofile", "reaches for the checks' watch (sys.getprofile)"),
    ("os.fork", "runs work in another process (os.fork), where the checks cannot follow it"),
    ("os.forkpty", "runs work in another process (os.forkpty), where the checks cannot follow it"),
    ("os.posix_spawn", "runs work in another process (os.posix_spawn), where the checks cannot follow it"),
    ("os.posix_spawnp", "runs work in another process (os.posix_spawnp), where the checks cannot follow it"),
    ("os.system", "runs work in another process (os.system), where the checks cannot follow it"),
    ("_posixsubprocess.fork_exec", "runs work in another process, where the checks cannot follow it"),
    ("_thread.start_new_thread", "starts a raw thread, where the checks cannot follow it"),
)
TAMPER_FUNCTIONS = (
    ("threading.setprofile", "switches off the checks for new threads (threading.setprofile)"),
    ("threading.settrace", "switches off the checks for new threads (threading.settrace)"),
)
for _name in ("setprofile_all_threads", "settrace_all_threads"):
    if hasattr(threading, _name):
        TAMPER_FUNCTIONS += ((f"threading.{_name}", f"switches off the checks (threading.{_name})"),)
if hasattr(sys, "monitoring"):
    TAMPER_BUILTINS += tuple((f"sys.monitoring.{n}", f"switches off the checks (sys.monitoring.{n})")
                             for n in ("use_tool_id", "set_events", "register_callback", "set_local_events"))


@dataclass(frozen=True)
class Violation:
    """One off-limits call: who made it and what it reached."""

    kind: str  # "course", "library", "test" or "tamper"
    called: str  # what was reached, as the rule names it (or the test cell's name for it)
    by: str  # the student's function that made the call ("your solution" when unknown)

    def message(self, exercise_label: str, advice: str) -> str:
        """The ✘ line a student reads."""
        by = {"": "your code", "code": "your code", "thread": "a thread your answer started",
              "solution": "your solution cell", "test cell": "the visible test cell"}.get(self.by, f"your {self.by}")
        if self.kind == "course":
            what = f"calls {short(self.called)}, the course's own answer"
        elif self.kind == "library":
            what = f"calls {short(self.called)}, which this exercise rules out"
        elif self.kind == "test":
            what = f"calls {self.called}, which the test cell defines to check your answer"
        else:
            what = self.called
        return f"✘ {exercise_label}: {by} {what}; {advice}."

    def as_dict(self) -> dict:
        return {"kind": self.kind, "called": self.called, "by": self.by}


def short(path: str) -> str:
    """``tensorflow.nn.conv2d`` as students write it: ``tf.nn.conv2d``."""
    for long, brief in (("tensorflow.", "tf."), ("numpy.", "np.")):
        if path.startswith(long):
            return brief + path[len(long):]
    return path


class Watch:
    """Sees, while started, every call into an exercise's off-limits functions made beneath student code.

    ``targets`` come from :func:`compile_rule` (resolved before any student code
    can change what the names point at).  ``test_files`` names the code files of
    test cells; a function they define counts as off-limits unless its name is in
    ``callbacks`` (functions the test hands to the student's code on purpose).
    """

    def __init__(self, targets: "CompiledRule", test_files: Iterable[str] = (), callbacks: Iterable[str] = (),
                 namespace: dict | None = None, names: Iterable[str] = ()) -> None:
        self.rule = targets
        self.test_files = set(test_files)
        self.callbacks = set(callbacks)
        self.namespace = namespace
        # where the answers come in: the exercise's functions, or else every name the test cell reads but never binds
        self.names = tuple(targets.answers) or tuple(names)
        self.violations: list[Violation] = []
        self.stop_frame: types.FrameType | None = None
        self._top: list[types.FrameType | None] = [None]
        self._on = [False]
        self.owner_pid = os.getpid()
        self.strict = STRICT
        self._student_threads: "weakref.WeakSet[threading.Thread]" = weakref.WeakSet()
        self._previous: tuple[Any, Any] | None = None
        self._student_cache: dict[types.CodeType, bool] = {}
        self.profiler = self._make_profiler()
        self.active = False

    # ------------------------------------------------------------ life cycle

    def start(self, top_frame: types.FrameType | None = None, stop_frame: types.FrameType | None = None) -> None:
        """Install the hook in this thread and in threads started from now on.

        ``top_frame``: when it returns (normally or by an exception) the watch stops
        by itself.  ``stop_frame``: the stack walk ends there (frames above it are
        the caller's machinery, never student code).
        """
        self._top[0] = top_frame
        self.stop_frame = stop_frame if stop_frame is not None else top_frame
        self._previous = (sys.getprofile(), getattr(threading, "_profile_hook", None))
        self.active = True
        self._on[0] = True
        threading.setprofile(self.profiler)
        sys.setprofile(self.profiler)

    def stop(self) -> None:
        """Remove the hook (idempotent); ``intact`` tells whether it was still in place."""
        if not self.active:
            return
        self.active = False
        self._on[0] = False
        self._top[0] = None
        self.intact = sys.getprofile() is self.profiler
        previous, thread_hook = self._previous or (None, None)
        sys.setprofile(previous if previous is not self.profiler else None)
        threading.setprofile(thread_hook)

    intact = True

    # --------------------------------------------------------------- the hook

    def _make_profiler(self) -> Callable:
        files = self.rule.watched_files(self.test_files)
        builtins = self.rule.targets.builtins
        thread_start = threading.Thread.start.__code__
        hit = self._hit
        top = self._top
        on = self._on
        setprofile = sys.setprofile

        def profiler(frame, event, arg):
            if event == "call":
                if not on[0]:  # a thread started during a watch that has ended: unhook it
                    setprofile(None)
                    return
                code = frame.f_code
                if code.co_filename in files or code is thread_start:  # a code object's hash is not cached
                    hit(frame, code, None)
            elif event == "c_call":
                if arg in builtins:
                    hit(frame, None, arg)
            elif event == "return" and frame is top[0]:
                hit(frame, None, None)

        return profiler

    def _hit(self, frame: types.FrameType, code: types.CodeType | None, builtin: Any) -> None:
        targets = self.rule.targets
        if code is None and builtin is None:
            self.stop()  # the top frame returned (or raised): the test cell is over
            return
        if code is not None:
            if code is threading.Thread.start.__code__:
                if self._student_above(frame.f_back) is not None:
                    thread = frame.f_locals.get("self")
                    if isinstance(thread, threading.Thread):
                        self._student_threads.add(thread)
                return
            caller = frame.f_back
            label = targets.files.get(code.co_filename)
            if label is None:
                label = targets.codes.get(code)
            if label is None:
                if code.co_filename not in self.test_files:
                    return  # another function of a file that holds a target
                by = self._by(caller, strict=False)  # a test cell may call its own helpers
                name = None if by is None else self._test_name(frame, code)
                if name is None:
                    return
                kind, called = "test", name
            else:
                kind, called = self.rule.kinds[label], self.rule.names[label]
                if code.co_filename in targets.files:  # a whole module is off-limits: name the function
                    called = f"{called}.{_callable_name(code)}"
                by = self._by(caller)
        else:
            label = targets.builtins[builtin]
            caller = frame
            kind, called = self.rule.kinds[label], self.rule.names[label]
            if label in self.rule.thread_starts and caller is not None and caller.f_code is threading.Thread.start.__code__:
                return  # threading.Thread.start itself: the new thread is watched
            by = self._by(caller, strict=kind != "tamper")  # strict mode asks what the test computes, not this
        if by is None:
            return
        if os.getpid() != self.owner_pid:
            raise IntegrityError(f"off-limits call in a process the answer started: {called}")
        if not any(v.called == called and v.kind == kind for v in self.violations):
            self.violations.append(Violation(kind, called, by))

    def _by(self, caller: types.FrameType | None, strict: bool = True) -> str | None:
        """Who is responsible for a call made from ``caller``: a student function, a student's thread, or None."""
        by = self._student_above(caller)
        if by is None and self._student_threads and threading.current_thread() in self._student_threads:
            by = "thread"
        if by is None and strict and self.strict:
            by = "test cell"
        return by

    def _test_name(self, frame: types.FrameType, code: types.CodeType) -> str | None:
        """The name a test cell bound this function to (None: not a test-cell function, or a callback)."""
        if code.co_filename not in self.test_files or code.co_name.startswith("<") and code.co_name != "<lambda>":
            return None
        namespace = self.namespace if self.namespace is not None else frame.f_globals
        for name, value in list(namespace.items()):
            if getattr(value, "__code__", None) is code:
                return None if name in self.callbacks else name
        return None

    def _student_above(self, frame: types.FrameType | None) -> str | None:
        """The outermost student frame between ``frame`` and the stop frame: its function's name, or None."""
        found = None
        stop = self.stop_frame
        while frame is not None and frame is not stop:
            if self._is_student(frame):
                found = frame
            frame = frame.f_back
        if found is None:
            return None
        for answer in self.names:  # a lambda, a closure: call it by the name the exercise gave it
            if getattr(self.namespace.get(answer) if self.namespace else None, "__code__", None) is found.f_code:
                return answer
        name = getattr(found.f_code, "co_qualname", found.f_code.co_name).split(".<locals>")[0]
        return "solution" if name == "<module>" else "code" if name.startswith("<") else name

    def _is_student(self, frame: types.FrameType) -> bool:
        code = frame.f_code
        cached = self._student_cache.get(code)
        if cached is not None:
            return cached
        filename = code.co_filename
        if filename in self.test_files or is_library_code(code):
            student = False
        elif filename.startswith("<") and not filename.startswith("<ipython-input"):
            owner = frame.f_globals.get("__file__")
            student = not (isinstance(owner, str) and owner.startswith(library_roots()))
            return student  # depends on the frame's globals: not cached
        else:
            student = True
        self._student_cache[code] = student
        return student

    # ------------------------------------------------------------- reporting

    def first(self) -> Violation | None:
        """The first off-limits call seen (or the watch switched off), None when the answer is clean."""
        if self.violations:
            return self.violations[0]
        if not self.intact or (self.active and sys.getprofile() is not self.profiler):
            return Violation("tamper", "switches off the checks", "")
        if not self._read:
            self._read = True
            found = self._read_answers()
            if found is not None:
                self.violations.append(found)
                return found
        return None

    _read = False

    def _label_of(self, value: Any) -> int | None:
        """The rule's label when ``value`` is (or wraps) an off-limits callable itself."""
        targets = self.rule.targets
        for _ in range(10):
            if id(value) in targets.opaque:
                return targets.opaque[id(value)]
            if isinstance(value, types.BuiltinFunctionType):
                return targets.builtins.get(value)
            code = getattr(value, "__code__", None)
            if isinstance(code, types.CodeType):
                label = targets.files.get(code.co_filename)
                return label if label is not None else targets.codes.get(code)
            inner = getattr(value, "func", None) if type(value).__name__ == "partial" else None
            inner = inner or getattr(value, "__func__", None) or getattr(value, "__wrapped__", None)
            if inner is None:
                return None
            value = inner
        return None

    def _read_answers(self) -> Violation | None:
        """Read the answers the test cell uses, for what no call event shows.

        An answer that *is* an off-limits function (``from course... import
        conv2d``, a ``functools.partial`` of one) runs with no student frame on
        the stack; and a NumPy ufunc (``scipy.special.expit``) or a type written
        in C is called with no ``call`` event at all.  So the names the test cell
        reads are looked up: an off-limits callable there counts, and so does a
        ufunc or C type that the student's functions (their globals, attributes,
        defaults and closures, and the student's functions those reach) name.
        """
        if self.namespace is None:
            return None
        queue = []
        for name in sorted(self.names):
            value = self.namespace.get(name)
            if value is None or isinstance(value, (types.ModuleType, type)) or not callable(value):
                continue
            if isinstance(value, types.FunctionType) and not self._students(value) and \
                    value.__code__.co_filename in self.test_files:
                continue
            label = self._label_of(value)
            if label is not None and self.rule.kinds[label] != "tamper":
                return Violation(self.rule.kinds[label], self.rule.names[label], name)
            if isinstance(value, types.FunctionType) and self._students(value):
                queue.append((value, name))
        opaque = self.rule.targets.opaque
        if not opaque:
            return None
        seen: set[int] = set()
        while queue and len(seen) < 500:
            fn, owner = queue.pop()
            if id(fn) in seen:
                continue
            seen.add(id(fn))
            for obj in _references(fn):
                label = opaque.get(id(obj))
                if label is not None:
                    return Violation(self.rule.kinds[label], self.rule.names[label], owner.split(".<locals>")[0])
                if isinstance(obj, types.FunctionType) and self._students(obj):
                    queue.append((obj, owner))
        return None

    def _students(self, fn: types.FunctionType) -> bool:
        code = fn.__code__
        return code.co_filename not in self.test_files and not is_library_code(code)


def _callable_name(code: types.CodeType) -> str:
    """``SGD`` for ``SGD.__init__``, ``roc_curve`` for ``roc_curve``: what a student called."""
    name = getattr(code, "co_qualname", code.co_name).split(".<locals>")[0]
    for dunder in (".__init__", ".__new__", ".__call__"):
        if name.endswith(dunder):
            return name[: -len(dunder)]
    return name


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _references(fn: types.FunctionType) -> Iterable[Any]:
    """Objects a function can reach by name: globals, their attributes (three deep), defaults, closures."""
    names = _code_names(fn.__code__)
    found: list[Any] = []
    builtin_ns = fn.__globals__.get("__builtins__")
    builtin_ns = vars(builtin_ns) if isinstance(builtin_ns, types.ModuleType) else (builtin_ns or {})
    for name in names:
        if name in fn.__globals__:
            found.append(fn.__globals__[name])
        elif name in builtin_ns:
            found.append(builtin_ns[name])
    found.extend(fn.__defaults__ or ())
    found.extend((fn.__kwdefaults__ or {}).values())
    for cell in fn.__closure__ or ():
        try:
            found.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    frontier = [o for o in found if isinstance(o, (types.ModuleType, type))]
    for _ in range(3):
        nxt = []
        for holder in frontier:
            for name in names:
                try:
                    value = getattr(holder, name, None) if isinstance(holder, types.ModuleType) else vars(holder).get(name)
                except Exception:  # noqa: BLE001 - a lazy module that fails to load
                    continue
                if value is not None:
                    found.append(value)
                    if isinstance(value, (types.ModuleType, type)):
                        nxt.append(value)
        frontier = nxt
    for obj in list(found):
        if type(obj).__name__ == "partial":
            found.extend([getattr(obj, "func", None), *getattr(obj, "args", ())])
    return found


class IntegrityError(RuntimeError):
    """Raised in a process an answer started when that process reaches an off-limits function."""


@dataclass
class CompiledRule:
    """A rule resolved to objects: targets plus, per label, its kind and dotted name."""

    targets: Targets
    names: list[str]
    kinds: list[str]
    missing: list[str]
    thread_starts: set[int]
    answers: tuple[str, ...] = ()

    def watched_files(self, test_files: Iterable[str]) -> frozenset[str]:
        """Files that hold an off-limits function (or are off-limits whole), plus the test cells' files."""
        return (frozenset(self.targets.files) | frozenset(c.co_filename for c in self.targets.codes)
                | frozenset(test_files))


def compile_rule(rule: Rule) -> CompiledRule:
    """Resolve a rule's dotted paths (and the tamper list) to code objects, files and built-ins.

    A path that names student code (a notebook cell rebound it) or nothing at
    all is left out; ``missing`` lists the latter.
    """
    targets = Targets()
    names: list[str] = []
    kinds: list[str] = []
    missing: list[str] = []
    thread_starts: set[int] = set()
    entries = [(p, "course") for p in rule.course] + [(p, "library") for p in rule.library]
    for path, kind in entries:
        try:
            obj = resolve(path)
        except Exception:  # noqa: BLE001 - a library that is not installed cannot be called either
            missing.append(path)
            continue
        code = getattr(_unwrap(obj), "__code__", None)
        if isinstance(code, types.CodeType) and not is_library_code(code):
            continue  # rebound to the student's own function: never forbid that
        label = len(names)
        names.append(path)
        kinds.append(kind)
        if not targets.add(obj, label):
            missing.append(path)
    for path, what in TAMPER_BUILTINS + TAMPER_FUNCTIONS:
        try:
            obj = resolve(path)
        except Exception:  # noqa: BLE001
            continue
        label = len(names)
        names.append(what)
        kinds.append("tamper")
        if path == "_thread.start_new_thread":
            thread_starts.add(label)
        targets.add(obj, label)
    return CompiledRule(targets, names, kinds, missing, thread_starts, tuple(rule.answers))


_COMPILED: dict[Rule, CompiledRule] = {}


def compiled(rule: Rule) -> CompiledRule:
    """:func:`compile_rule`, once per rule and process."""
    got = _COMPILED.get(rule)
    if got is None:
        got = _COMPILED[rule] = compile_rule(rule)
    return got
