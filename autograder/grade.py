"""``python -m autograder grade ASSIGNMENT``: the trusted coordinator.

A run is six named stages, each a function below, handing a :class:`GradeRun` on:

1. **plan**: read the late policy, the SOURCE notebooks (test cells rewritten
   by :mod:`autograder.transform`), the sandbox, the gradebook and the
   students; start the runners (local or Dask).  Then the solution's
   reference values, run in the same sandbox once per source version
   (cached in ``reports/<assignment>/reference/``) and twice: with expected
   values dropped and kept (proof that the solution passes its own tests).
2. **assemble**: one graded notebook per submission (:mod:`autograder.assemble`);
   a missing, misnamed or broken one gets its rows here.
3. **run**: every job on the worker pool; a Dask worker that dies has its jobs
   run again on another (Dask reschedules them).
4. **score**: each result scored here, in the trusted process
   (:mod:`autograder.scoring`), as it arrives, and its ``autograded/``
   notebook written.
5. **record**: the gradebook, in one transaction that a restarted database
   server rolls back and the grader tries again (:func:`gradebook.in_one_transaction`),
   then ``reports/<assignment>/results/``; then what the gradebook adds (hand
   grades and comments from formgrader, the due date), with the late policy
   (:mod:`autograder.late`) applied and stored.
6. **report**: feedback with the whole score, ``scores.csv``, ``summary.html``
   and the console summary.

One run per course folder at a time (:mod:`autograder.lock`).  A submission
whose only notebook has another name (``NN_x-Copy1.ipynb``) is graded with a
warning and a note; several candidates make an ``invalid`` row naming them.

A submission that cannot be graded gets rows with its status; only a broken
instructor side (no source, a solution failing its own tests, no sandbox, an
unreachable gradebook) stops the grader, with :class:`GraderError`.

Defined for the trusted autograder (issue 6).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from autograder import assemble as asm
from autograder import gradebook, reports, scoring
from autograder import sandbox as sb
from autograder.pool import RunnerError, RunnerSpec, make_pool

REFERENCE_VERSION = 1
IGNORE = ("__pycache__", ".ipynb_checkpoints")


class GraderError(RuntimeError):
    """The grader itself cannot run; the message says why."""


@dataclass
class GradeOptions:
    assignment: str
    course: Path = Path(".")
    students: list[str] | None = None
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    cell_timeout: float = 60.0
    notebook_timeout: float = 600.0
    memory_mb: int = 2048
    sandbox: str = "auto"
    scheduler: str | None = None
    db: str | None = None
    show_hidden: bool = False
    wait: float = 3600.0  # seconds to wait for another grade run on the same course folder, then stop

    def limits(self) -> dict:
        return {
            "cell_timeout": float(self.cell_timeout),
            "notebook_timeout": float(self.notebook_timeout),
            "memory_mb": int(self.memory_mb),
            # CPU seconds of the notebook's process (a backstop: TensorFlow's threads use every core)
            "cpu_seconds": int(self.notebook_timeout) * (os.cpu_count() or 1) + 30,
            "fsize_mb": 256,
            "nproc": 256 + 8 * (os.cpu_count() or 1),
            "nofile": 1024,
            "max_restarts": 3,
        }


@dataclass
class GradeSummary:
    students: int
    rows: int
    passed: int
    seconds: float
    reference_cached: bool
    statuses: dict[str, int]


# --------------------------------------------------------------- discovery


def preload_modules(sources: list[asm.SourceNotebook]) -> tuple[str, ...]:
    """What the runner imports before forking: the source notebooks' imports (never a TF op)."""
    from IPython.core.inputtransformer2 import TransformerManager

    tm = TransformerManager()
    names: list[str] = ["numpy", "course.checks"]
    needs_tf = False
    for src in sources:
        for cell in src.nb.cells:
            if cell.cell_type != "code":
                continue
            if "device.setup(" in cell.source:
                needs_tf = True
            try:
                tree = ast.parse(tm.transform_cell(cell.source))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.extend(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.append(node.module)
                    for alias in node.names:
                        if node.module == "course" or node.module.startswith("course."):
                            names.append(f"{node.module}.{alias.name}")
    if needs_tf or any(n.split(".")[0] in ("tensorflow", "keras") for n in names):
        names = ["tensorflow", "keras", *names]
    seen: list[str] = []
    for name in names:
        top = name.split(".")[0]
        if name in seen or top in ("os", "sys", "google", "__future__"):
            continue
        if importlib.util.find_spec(top) is None:
            continue
        seen.append(name)
    return tuple(seen)


def rules_json(sources: list[asm.SourceNotebook]) -> str:
    """The off-limits paths of every exercise of the assignment (``course.offlimits``), for the runners."""
    from course.integrity import rule_for

    rules = {}
    for src in sources:
        for gid in src.solutions:
            rule = rule_for(gid)
            answers = list(rule.answers) or asm_answers(src, gid)
            rules[gid] = {"course": list(rule.course), "library": list(rule.library), "advice": rule.advice,
                          "answers": answers}
    return json.dumps(rules, sort_keys=True)


def asm_answers(src: asm.SourceNotebook, solution_id: str) -> list[str]:
    """The names the instructor's solution cell defines: the exercise's answers."""
    from autograder.notebooks import assigned_names

    return assigned_names(src.nb.cells[src.solutions[solution_id]].source)


def offlimits(test: asm.TestCell) -> scoring.OffLimits:
    """How a violation of ``test``'s exercise is worded (trusted: the course package's rule)."""
    from course.integrity import rule_for

    rule = rule_for(test.solution_id)
    return scoring.OffLimits(test.code.label, rule.course + rule.library, rule.advice)


def _files_of(folder: Path) -> list[tuple[str, bytes]]:
    """Non-notebook files of an assignment's source folder (data the notebooks read)."""
    files, _ = asm.submission_files(folder, set())
    return [(rel, data) for rel, data in files if not rel.endswith(".ipynb") and not any(p in rel for p in IGNORE)]


def _digest(src: asm.SourceNotebook, files: list[tuple[str, bytes]]) -> str:
    """What the reference values depend on: the source notebook, its data, the grader and the course package."""
    h = hashlib.sha256()
    h.update(f"reference-v{REFERENCE_VERSION}".encode())
    h.update(src.digest.encode())
    for rel, data in files:
        h.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    roots = [Path(__file__).parent]
    spec = importlib.util.find_spec("course")
    if spec and spec.submodule_search_locations:
        roots += [Path(p) for p in spec.submodule_search_locations]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _job(job_id: str, plan: asm.Plan, files: list[tuple[str, bytes]], limits: dict) -> dict:
    import base64

    return {"id": job_id, "cells": plan.cells, "limits": limits,
            "files": [[rel, base64.b64encode(data).decode()] for rel, data in files]}


# ---------------------------------------------------------------- reference


def reference(src: asm.SourceNotebook, pool, limits: dict, files: list[tuple[str, bytes]], cache: Path,
              log: Callable[[str], None]) -> tuple[dict[str, list[dict]], bool]:
    """The solution's records per test cell, validated; from the cache when the source did not change."""
    key = _digest(src, files)
    path = cache / f"{src.name}.json"
    if path.exists():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("key") == key:
                return stored["records"], True
        except ValueError:
            pass
    log(f"running the solution of {src.name} (reference values, once per source version) ...")
    jobs = [_job(f"reference-{src.name}", asm.reference_plan(src), files, limits),
            _job(f"validate-{src.name}", asm.reference_plan(src, validating=True), files, limits)]
    results = {job["id"]: (job, result) for job, result in pool.run(jobs)}
    problems: list[str] = []
    records: dict[str, list[dict]] = {}
    events = {}
    for name in ("reference", "validate"):
        job, result = results[f"{name}-{src.name}"]
        if result.get("runner_error"):
            problems.append(f"the {name} run of the solution failed: {result['runner_error']}")
        events[name] = {cell["grade_id"]: ev for cell, ev in zip(job["cells"], result["cells"]) if cell["kind"] == "test"}
        for cell, ev in zip(job["cells"], result["cells"]):
            if cell["kind"] != "test" and ev.get("status") != "ok" and name == "reference":
                detail = ev.get("message") or f"{ev.get('ename')}: {ev.get('evalue')}"
                log(f"warning: a cell of the solution {src.name} did not run cleanly in the sandbox: {detail[:200]}")
    for gid in src.tests:
        problems += scoring.validate_reference(gid, events["reference"].get(gid), events["validate"].get(gid))
        records[gid] = (events["reference"].get(gid) or {}).get("records") or []
    if problems:
        raise GraderError(f"the instructor's solution of {src.name} cannot be used as the reference:\n  "
                          + "\n  ".join(problems))
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"key": key, "notebook": src.name, "records": records}, indent=1), encoding="utf-8")
    return records, False


# ------------------------------------------------------------------ results


def _outputs(event: dict, execution_count: int) -> list:
    out = []
    for item in event.get("outputs") or []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "stream" and isinstance(item.get("text"), str):
            name = item.get("name") if item.get("name") in ("stdout", "stderr") else "stdout"
            out.append(nbformat.v4.new_output("stream", name=name, text=item["text"]))
        elif item.get("type") in ("display", "result") and isinstance(item.get("data"), dict):
            data = {k: v for k, v in item["data"].items() if isinstance(k, str) and isinstance(v, str)}
            if item["type"] == "result":
                out.append(nbformat.v4.new_output("execute_result", data=data, execution_count=execution_count))
            else:
                out.append(nbformat.v4.new_output("display_data", data=data))
    status = event.get("status")
    if status == "error" and event.get("ename"):
        tb = str(event.get("traceback") or "").splitlines()
        out.append(nbformat.v4.new_output("error", ename=str(event["ename"]), evalue=str(event.get("evalue", "")),
                                          traceback=tb))
    elif status not in ("ok", "error") and event.get("message"):
        out.append(nbformat.v4.new_output("stream", name="stderr", text=f"[autograder] {event['message']}\n"))
    elif status == "error" and event.get("message"):
        out.append(nbformat.v4.new_output("stream", name="stderr", text=f"[autograder] {event['message']}\n"))
    return out


def _graded_notebook(plan: asm.Plan, job: dict, result: dict, rows: dict[str, scoring.CellScore]) -> nbformat.NotebookNode:
    nb = plan.notebook
    for j, (cell, event) in enumerate(zip(job["cells"], result["cells"])):
        nb_cell = nb.cells[plan.cell_map[j]]
        nb_cell.execution_count = j + 1
        if cell["kind"] == "test":
            r = rows[cell["grade_id"]]
            mark = "✔" if r.status == "passed" else "✘"
            text = f"{mark} {r.status} ({r.score:g} / {r.max_score:g} points): {r.message}\n"
            nb_cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        else:
            nb_cell.outputs = _outputs(event, j + 1)
    return nb


def _score_plan(src: asm.SourceNotebook, refs: dict[str, list[dict]], plan: asm.Plan, job: dict,
                result: dict) -> dict[str, scoring.CellScore]:
    events = {cell["grade_id"]: ev for cell, ev in zip(job["cells"], result["cells"]) if cell["kind"] == "test"}
    rows = {}
    for gid, test in sorted(src.tests.items(), key=lambda kv: kv[1].index):
        hidden = {s.site for s in test.code.sites if s.hidden}
        unanswered = test.solution_id in plan.unanswered
        rows[gid] = scoring.score_cell(gid, test.points, refs[gid], hidden, events.get(gid),
                                       plan.test_notes.get(gid), unanswered, offlimits(test))
    return rows


def _flat_rows(src: asm.SourceNotebook, status: str, message: str) -> dict[str, scoring.CellScore]:
    return {gid: scoring.CellScore(gid, 0.0, t.points, status, message, None, 0, 0)
            for gid, t in sorted(src.tests.items(), key=lambda kv: kv[1].index)}


def _row_dict(r: scoring.CellScore) -> dict:
    return {"grade_id": r.grade_id, "score": r.score, "max_score": r.max_score, "status": r.status,
            "message": r.message, "check": r.check, "checks_total": r.checks_total,
            "checks_passed": r.checks_passed, "notes": r.notes}


# --------------------------------------------------------------------- grade


def discover_students(submitted: Path, assignment: str, wanted: list[str] | None) -> list[str]:
    if not submitted.is_dir():
        return []
    found = sorted(p.name for p in submitted.iterdir()
                   if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
                   and (p / assignment).is_dir() and not (p / assignment).is_symlink())
    if wanted:
        missing = [s for s in wanted if s not in found]
        if missing:
            raise GraderError(f"no submission of {assignment} for: {', '.join(missing)} (looked in {submitted})")
        found = [s for s in found if s in wanted]
    return found


def known_assignments(course: Path) -> list[str]:
    """The assignment ids of a course: folders of source/ that hold a notebook."""
    source = course / "source"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if source.is_dir() else []


def find_notebook(folder: Path, name: str, all_names: set[str]) -> tuple[Path | None, list[str]]:
    """The submitted notebook for source ``name``: its own file, else the one other notebook in the folder.

    Students save "01_x-Copy1.ipynb" or rename files; a lone candidate is graded
    (with a note), several are reported by name.  Returns (path or None, candidates).
    """
    exact = folder / f"{name}.ipynb"
    if exact.exists() or exact.is_symlink():
        return exact, []
    others = sorted(p.name for p in folder.glob("*.ipynb")
                    if p.is_file() and not p.is_symlink() and p.name not in all_names)
    if len(all_names) > 1:  # several source notebooks: only a name that starts with this one is a candidate
        others = [o for o in others if o.startswith(name)]
    if len(others) == 1:
        return folder / others[0], others
    return None, others


def grade(opts: GradeOptions, log: Callable[[str], None] = print) -> GradeSummary:
    """Grade every (or the named) submission of an assignment, holding the course's lock (:mod:`autograder.lock`)."""
    from autograder import lock

    course = opts.course.resolve()
    try:
        with lock.course_lock(course, opts.wait, log):
            return _grade(opts, log)
    except lock.Busy as exc:
        raise GraderError(str(exc)) from None


def _grade(opts: GradeOptions, log: Callable[[str], None] = print) -> GradeSummary:
    """The named stages of one grade run; see the module docstring."""
    started = time.monotonic()
    run = plan(opts, log)
    with run.pool:
        references(run)
        jobs = assemble_all(run)
        execute(run, jobs)
    record(run)
    return report(run, round(time.monotonic() - started, 2))


@dataclass
class GradeRun:
    """What the stages of one grade run hand on to each other."""

    opts: GradeOptions
    log: Callable[[str], None]
    course: Path
    assignment: str
    policy: object  # late.Policy
    sources: list[asm.SourceNotebook]
    pool: object  # LocalPool | DaskPool
    limits: dict
    url: str
    course_id: str
    students: list[str]
    files: list[tuple[str, bytes]]
    refs: dict[str, dict[str, list[dict]]] = field(default_factory=dict)
    reference_cached: bool = True
    #: student -> notebook -> {"status", "message", "notes", "rows", ...}
    per_student: dict[str, dict[str, dict]] = field(default_factory=dict)
    #: job id -> (source, plan, student, notebook name)
    plans: dict[str, tuple[asm.SourceNotebook, asm.Plan, str, str]] = field(default_factory=dict)
    standing: dict[str, dict] = field(default_factory=dict)

    @property
    def reports_dir(self) -> Path:
        return self.course / "reports" / self.assignment


# ------------------------------------------------------------- 1. plan


def plan(opts: GradeOptions, log: Callable[[str], None]) -> GradeRun:
    """Read the course: policy, source notebooks, sandbox, gradebook, students; start the runners."""
    from autograder import late

    course = opts.course.resolve()
    assignment = opts.assignment
    try:
        policy = late.load_policy(course)
    except late.PolicyError as exc:
        raise GraderError(f"nbgrader_config.py: {exc}") from None
    source_dir = course / "source" / assignment
    paths = sorted(p for p in source_dir.glob("*.ipynb")) if source_dir.is_dir() else []
    if not paths:
        valid = known_assignments(course)
        raise GraderError(f"no assignment {assignment!r} in {course / 'source'}: "
                          + (f"the assignments are {', '.join(valid)}" if valid else "it holds no assignments"))
    try:
        sources = [asm.load_source(p) for p in paths]
    except asm.AssignmentError as exc:
        raise GraderError(str(exc)) from None
    try:
        kind = sb.resolve(opts.sandbox)
    except sb.SandboxUnavailable as exc:
        raise GraderError(str(exc)) from None
    if kind == "none":
        import getpass

        print(sb.NONE_WARNING.format(user=getpass.getuser()), file=sys.stderr, flush=True)

    spec = RunnerSpec(sandbox=kind, preload=preload_modules(sources), rules=rules_json(sources))
    try:
        pool = make_pool(spec, opts.workers, opts.scheduler)
    except RunnerError as exc:
        raise GraderError(str(exc)) from None
    # The runners import their libraries (seconds) while this process opens the gradebook.
    starting = ThreadPoolExecutor(1)
    started_pool = starting.submit(pool.start)
    try:
        url, course_id = gradebook.course_settings(course)
        url = opts.db or url
        try:
            registered = gradebook.ensure_assignment(course, assignment, [s.name for s in sources], url, course_id)
        except Exception as exc:  # noqa: BLE001 - a gradebook we cannot reach stops the grader
            raise GraderError(f"cannot use the gradebook at {gradebook.safe_url(url)}: {exc}") from None
        if registered:
            log(f"registered {assignment} in the gradebook from source/")
        students = discover_students(course / "submitted", assignment, opts.students)
        try:
            started_pool.result()
        except (RunnerError, sb.SandboxUnavailable) as exc:
            raise GraderError(f"cannot start the sandboxed runners: {exc}") from None
    except BaseException:
        starting.shutdown(wait=True)
        pool.close()
        raise
    starting.shutdown(wait=True)
    return GradeRun(opts, log, course, assignment, policy, sources, pool, opts.limits(), url, course_id, students,
                    _files_of(source_dir), per_student={s: {} for s in students})


def references(run: GradeRun) -> None:
    """The solution's values for every test cell (cached per source version)."""
    for src in run.sources:
        run.refs[src.name], was_cached = reference(src, run.pool, run.limits, run.files,
                                                   run.reports_dir / "reference", run.log)
        run.reference_cached = run.reference_cached and was_cached


# --------------------------------------------------------- 2. assemble


def assemble_all(run: GradeRun) -> list[dict]:
    """One job per submitted notebook; a missing or broken notebook gets its rows here instead."""
    course, assignment = run.course, run.assignment
    stubs = {src.name: asm.release_stubs(course / "release" / assignment / f"{src.name}.ipynb") for src in run.sources}
    source_names = {f"{s.name}.ipynb" for s in run.sources}
    jobs: list[dict] = []
    for student in run.students:
        folder = course / "submitted" / student / assignment
        for src in run.sources:
            entry = {"status": "graded", "message": "", "notes": []}
            run.per_student[student][src.name] = entry
            nb_path, candidates = find_notebook(folder, src.name, source_names)
            if nb_path is None:
                if candidates:
                    entry.update(status="invalid", message=f"no {src.name}.ipynb, and several other notebooks "
                                 f"could be it: {', '.join(candidates)} (rename the right one)")
                else:
                    entry.update(status="missing", message=f"no submitted notebook {src.name}.ipynb")
                entry["rows"] = _flat_rows(src, entry["status"], entry["message"])
                run.log(f"warning: {student}: {entry['status']}: {entry['message']}")
                continue
            if candidates:
                note = f"graded {nb_path.name} as {src.name}.ipynb (the only notebook in the submission)"
                entry["notes"].append(note)
                run.log(f"warning: {student}: {note}")
            try:
                plan_ = asm.assemble(src, asm.read_submission(nb_path), stubs.get(src.name))
            except asm.InvalidNotebook as exc:
                entry.update(status="invalid", message=f"{src.name}.ipynb: {exc}")
                entry["rows"] = _flat_rows(src, "invalid", entry["message"])
                continue
            sub_files, left_out = asm.submission_files(folder, source_names | {nb_path.name})
            merged = dict(sub_files)
            merged.update(dict(run.files))  # the instructor's data files win, as in nbgrader
            entry["notes"] += plan_.notes + [f"file left out of the sandbox: {x}" for x in left_out]
            if plan_.not_run:
                entry["notes"].append(f"the {plan_.not_run} code cells after the last test cell were not run: "
                                      "they cannot change a score")
            job_id = f"{student}/{src.name}"
            jobs.append(_job(job_id, plan_, sorted(merged.items()), run.limits))
            run.plans[job_id] = (src, plan_, student, src.name)
    return jobs


# ------------------------------------------------------ 3. run, 4. score


def execute(run: GradeRun, jobs: list[dict]) -> None:
    """Run the jobs on the pool and score each result as it arrives.

    Each student's autograded/ folder starts afresh; graded notebooks are
    written as results arrive, so a large class never sits in memory.  Feedback
    waits for the gradebook (the report stage).
    """
    course, assignment = run.course, run.assignment
    for student in run.students:
        out_dir = course / "autograded" / student / assignment
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir(parents=True)
        _copy_files(course / "submitted" / student / assignment, out_dir, {f"{s.name}.ipynb" for s in run.sources})
    done = [0]

    def on_result(job: dict, result: dict) -> None:
        done[0] += 1
        score(run, job, result, f"[{done[0]}/{len(jobs)}]")

    run.pool.run(jobs, on_result=on_result)


def score(run: GradeRun, job: dict, result: dict, progress: str = "") -> None:
    """Score one runner result here, in the trusted process, and write its graded notebook."""
    src, plan_, student, nb_name = run.plans[job["id"]]
    rows = _score_plan(src, run.refs[src.name], plan_, job, result)
    entry = run.per_student[student][nb_name]
    entry["rows"] = rows
    entry["seconds"] = result.get("seconds")
    entry["restarts"] = result.get("restarts")
    entry["worker"] = result.get("worker", "local")
    entry["unanswered"] = sorted(plan_.unanswered)
    if result.get("runner_error"):
        entry["notes"].append(f"the grader's runner failed: {result['runner_error']}")
    notebook = _graded_notebook(plan_, job, result, rows)
    nbformat.write(notebook, str(run.course / "autograded" / student / run.assignment / f"{nb_name}.ipynb"))
    got = sum(r.score for r in rows.values())
    maximum = sum(r.max_score for r in rows.values())
    run.log(f"{progress} {student} {nb_name}: {got:g}/{maximum:g} points "
            f"({sum(r.status == 'passed' for r in rows.values())}/{len(rows)} tests passed, "
            f"{result.get('seconds') or 0:.1f} s)".lstrip())


# ------------------------------------------------------------ 5. record


def record(run: GradeRun) -> None:
    """The gradebook (one transaction, retried while its server is away), then the stored results.

    The results are written after the gradebook, so that reports and feedback
    never show a score the gradebook does not hold.  Then what the gradebook
    adds: hand grades, comments, late penalties (recomputed and stored).
    """
    course, assignment = run.course, run.assignment
    grades: list[gradebook.StudentGrades] = []
    stored_all = []
    for student in run.students:
        timestamp = _timestamp(course / "submitted" / student / assignment)
        g = gradebook.StudentGrades(student, timestamp)
        stored = {"student": student, "assignment": assignment, "timestamp": timestamp, "notebooks": {}}
        for src in run.sources:
            entry = run.per_student[student][src.name]
            g.scores[src.name] = {gid: r.score for gid, r in entry["rows"].items()}
            g.no_response[src.name] = set(entry.get("unanswered", []))
            stored["notebooks"][src.name] = _stored(entry)
        grades.append(g)
        stored_all.append(stored)
    safe = gradebook.safe_url(run.url)
    try:
        gradebook.record(run.url, run.course_id, assignment, grades, run.log)
    except Exception as exc:  # noqa: BLE001
        raise GraderError(f"cannot write the gradebook at {safe}: {exc}\nNothing of this run was written to it "
                          "(the scores go in as one transaction), nor to reports/ or feedback/; "
                          "run the same command again when the gradebook is back.") from None
    results_dir = run.reports_dir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    for stored in stored_all:
        (results_dir / f"{stored['student']}.json").write_text(json.dumps(stored, indent=1), encoding="utf-8")
    try:
        run.standing = gradebook.standing(run.url, run.course_id, assignment, run.policy, log=run.log)
    except Exception as exc:  # noqa: BLE001
        raise GraderError(f"the scores are in the gradebook at {safe}, but it cannot be read back for hand grades "
                          f"and late penalties: {exc}\nRun `python -m autograder feedback {assignment}` when it is "
                          "back, to write feedback and reports.") from None


# ------------------------------------------------------------ 6. report


def report(run: GradeRun, seconds: float) -> GradeSummary:
    """Feedback with the whole score, scores.csv, summary.html and the console summary."""
    write_feedback(run.course, run.assignment, run.students, run.opts.show_hidden, extra=run.standing,
                   policy=run.policy, refresh=False)
    all_results = refresh_reports(run.course, run.assignment, run.standing, run.policy)
    statuses: dict[str, int] = {}
    passed = 0
    for student in run.students:
        for entry in run.per_student[student].values():
            for r in entry["rows"].values():
                statuses[r.status] = statuses.get(r.status, 0) + 1
                passed += r.status == "passed"
    summary = GradeSummary(len(run.students), len(reports.rows(all_results)), passed, seconds, run.reference_cached,
                           statuses)
    run.log(f"wrote {run.reports_dir / 'scores.csv'} and {run.reports_dir / 'summary.html'}")
    for line in reports.console_summary(run.assignment, [r for r in all_results if r["student"] in run.students],
                                        summary.seconds):
        run.log(line)
    return summary


def _stored(entry: dict) -> dict:
    """What results/<student>.json keeps of one notebook (plain data)."""
    return {"status": entry["status"], "message": entry["message"], "notes": entry["notes"],
            "seconds": entry.get("seconds"), "restarts": entry.get("restarts"), "worker": entry.get("worker"),
            "rows": [_row_dict(r) for r in entry["rows"].values()]}


def _copy_release_markers(course: Path, assignment: str, student: str) -> None:
    """Put the submission's timestamp.txt and submission_secret.txt next to its feedback, as nbgrader's
    generate_feedback does: formgrader's "Release feedback" reads them to file the feedback where only
    that student's fetch finds it."""
    src = course / "submitted" / student / assignment
    dst = course / "feedback" / student / assignment
    for name in ("timestamp.txt", "submission_secret.txt"):
        path = src / name
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 1000:
            dst.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dst / name)


def _timestamp(folder: Path) -> str | None:
    path = folder / "timestamp.txt"
    if path.is_file() and not path.is_symlink() and path.stat().st_size < 200:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        return text or None
    return None


def _copy_files(src: Path, dst: Path, skip: set[str]) -> None:
    files, _ = asm.submission_files(src, skip)
    for rel, data in files:
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    ts = src / "timestamp.txt"
    if ts.is_file() and not ts.is_symlink():
        shutil.copyfile(ts, dst / "timestamp.txt")


def write_feedback(course: Path, assignment: str, students: list[str] | None, show_hidden: bool,
                   extra: dict[str, dict] | None = None, policy=None, db: str | None = None,
                   refresh: bool = True) -> int:
    """Render feedback/ from autograded/, the stored results and the gradebook (the ``feedback`` verb).

    The gradebook is read afresh (unless ``extra`` is given) so that hand grades
    and comments entered in formgrader since the grade run are shown; ``refresh``
    also rewrites scores.csv and summary.html with them.
    """
    from autograder import late

    if policy is None:
        policy = late.load_policy(course)
    if extra is None:
        url, course_id = gradebook.course_settings(course)
        extra = gradebook.standing(db or url, course_id, assignment, policy)
    results_dir = course / "reports" / assignment / "results"
    written = 0
    for res in reports.load_results(results_dir):
        if students and res["student"] not in students:
            continue
        res = reports.with_standing(res, extra.get(res["student"]), policy.describe())
        for nb_name, entry in res["notebooks"].items():
            nb_path = course / "autograded" / res["student"] / assignment / f"{nb_name}.ipynb"
            nb_dict = json.loads(nb_path.read_text(encoding="utf-8")) if nb_path.exists() else None
            out = course / "feedback" / res["student"] / assignment / f"{nb_name}.html"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(reports.feedback_html(res["student"], assignment, nb_name, nb_dict, entry, show_hidden),
                           encoding="utf-8")
            _copy_release_markers(course, assignment, res["student"])
            written += 1
    if written and refresh:
        refresh_reports(course, assignment, extra, policy)
    return written


def refresh_reports(course: Path, assignment: str, extra: dict[str, dict], policy) -> list[dict]:
    """Rewrite scores.csv and summary.html from the stored results and the gradebook's current hand grades."""
    reports_dir = course / "reports" / assignment
    results = [reports.with_standing(r, extra.get(r["student"]), policy.describe())
               for r in reports.load_results(reports_dir / "results")]
    reports.write_csv(reports_dir / "scores.csv", results)
    reports.write_summary(reports_dir / "summary.html", assignment, results)
    return results
