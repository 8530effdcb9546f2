"""The ``python -m autograder`` command: maintainer verbs and the trusted grader.

Maintainer verbs: store-outputs, release, register, site.  Grading verbs: grade,
collect, feedback, export (see autograder/grade.py).  Exit status: 0 when the
verb finished (also when some submissions could not be graded: they have rows
saying why), 2 when the grader itself could not run (the message says why).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

def _store_outputs(args: argparse.Namespace) -> int:
    from autograder import notebooks

    paths = [Path(p) for p in args.notebooks] or notebooks.sections()
    for path in paths:
        print(f"executing {path} ...", flush=True)
        notebooks.store_outputs(path)
    return 0


def _release(args: argparse.Namespace) -> int:
    from autograder.release import release

    release(Path(args.course), Path(args.out) if args.out else None, args.assignments)
    return 0


def _register(args: argparse.Namespace) -> int:
    from autograder.release import register

    register(Path(args.course), args.assignments, args.db)
    return 0


def _grade(args: argparse.Namespace) -> int:
    # jsonschema imports rfc3987_syntax (~1.4 s here, FIELD_NOTES) only to check "iri" formats, which
    # notebooks never use; grading starts that much sooner without it.
    sys.modules.setdefault("rfc3987_syntax", None)
    from autograder.grade import GradeOptions, GraderError, grade

    opts = GradeOptions(
        assignment=args.assignment, course=Path(args.course), students=args.student or None,
        workers=args.workers, cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
        memory_mb=args.memory, sandbox=args.sandbox, scheduler=args.scheduler, db=args.db,
        show_hidden=args.show_hidden, wait=args.wait,
    )
    try:
        grade(opts, log=lambda line: print(line, flush=True))
    except GraderError as exc:
        print(f"autograder: cannot grade {args.assignment}: {exc}", file=sys.stderr)
        return 2
    return 0


def _collect(args: argparse.Namespace) -> int:
    from autograder.collect import collect

    course = Path(args.course)
    zip_path = Path(args.zipfile)
    notebooks = sorted(p.stem for p in (course / "source" / args.assignment).glob("*.ipynb"))
    if not zip_path.is_file():
        print(f"autograder: no such file: {zip_path}", file=sys.stderr)
        return 2
    try:
        report = collect(course, args.assignment, zip_path, notebooks, args.pattern, args.force)
    except Exception as exc:  # noqa: BLE001 - a bad zip is the grader's input error, say so
        print(f"autograder: cannot collect {zip_path}: {exc}", file=sys.stderr)
        return 2
    for sid, files in report.written.items():
        print(f"collected {sid}: {', '.join(files)}")
    for line in report.renamed:
        print(f"renamed {line}")
    for sid in report.unchanged:
        print(f"unchanged {sid}")
    for sid in report.kept:
        print(f"kept {sid}: an existing, different submission (use --force to replace it)")
    for line in report.skipped:
        print(f"skipped {line}")
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from autograder.grade import write_feedback

    n = write_feedback(Path(args.course).resolve(), args.assignment, args.student or None, args.show_hidden,
                       db=args.db)
    if n == 0:
        print(f"autograder: no graded results for {args.assignment}: run `python -m autograder grade "
              f"{args.assignment}` first", file=sys.stderr)
        return 2
    print(f"wrote {n} feedback pages under feedback/")
    return 0


def _export(args: argparse.Namespace) -> int:
    from autograder import export, gradebook, late

    course = Path(args.course).resolve()
    url, course_id = gradebook.course_settings(course)
    to = Path(args.to or ("grades.csv" if args.format == "csv" else f"grades-{args.format}.csv"))
    try:
        n = export.export(args.format, to, args.db or url, course_id, args.assignment, late.load_policy(course))
    except Exception as exc:  # noqa: BLE001
        print(f"autograder: cannot export the gradebook: {exc}", file=sys.stderr)
        return 2
    what = {"csv": "nbgrader's export format", "canvas": "Canvas gradebook import",
            "moodle": "Moodle CSV grade import"}[args.format]
    print(f"wrote {n} rows to {to} ({what})")
    return 0


def _site(args: argparse.Namespace) -> int:
    from autograder.site import build

    out = build(Path(args.out) if args.out else None, quiet=not args.verbose)
    pages = sum(1 for _ in out.rglob("*.html"))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    print(f"wrote the course website to {out} ({pages} pages, {size:.1f} MB); try: python -m http.server -d {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="verb", required=True)

    p = sub.add_parser("store-outputs", help="execute source notebooks and store their outputs (what nbval checks)")
    p.add_argument("notebooks", nargs="*", help="notebooks (default: every source/NN_slug/NN_slug.ipynb)")
    p.set_defaults(func=_store_outputs)

    p = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader's generate_assignment")
    p.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--course", default=".", help="course root (default: .)")
    p.add_argument("--out", help="write the release here instead of <course>/release")
    p.set_defaults(func=_release)

    p = sub.add_parser("register", help="record assignments in the gradebook (needed before nbgrader autograde)")
    p.add_argument("assignments", nargs="+", help="assignment ids")
    p.add_argument("--course", default=".", help="course root (default: .)")
    p.add_argument("--db", help="gradebook URL (default: the course's nbgrader_config.py)")
    p.set_defaults(func=_register)

    p = sub.add_parser("grade", help="grade submissions in a sandbox, scores decided outside it",
                       description="Grade <course>/submitted/<student>/ASSIGNMENT/*.ipynb into the gradebook, "
                                   "autograded/, feedback/ and reports/ASSIGNMENT/.")
    p.add_argument("assignment")
    p.add_argument("--course", default=".", help="course root (default: .)")
    p.add_argument("--student", action="append", metavar="ID", help="grade only this student (repeatable)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel notebooks (default: cores)")
    p.add_argument("--cell-timeout", type=float, default=60.0, metavar="S", help="wall-clock limit per cell (60)")
    p.add_argument("--notebook-timeout", type=float, default=600.0, metavar="S", help="limit per notebook (600)")
    p.add_argument("--memory", type=int, default=2048, metavar="MB", help="memory per notebook on top of the preloaded libraries (2048)")
    p.add_argument("--sandbox", choices=("auto", "bwrap", "none"), default="auto",
                   help="auto/bwrap: bubblewrap (root); none: NO isolation, says what it gives up")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://10.0.0.1:8786")
    p.add_argument("--db", metavar="URL", help="gradebook URL (default: the course's nbgrader_config.py)")
    p.add_argument("--show-hidden", action="store_true", help="show hidden tests in the feedback")
    p.add_argument("--wait", type=float, default=3600.0, metavar="S",
                   help="wait up to S seconds for another grade run on this course folder, then stop "
                        "(default 3600; 0: stop at once)")
    p.set_defaults(func=_grade)

    p = sub.add_parser("collect", help="unpack an LMS zip into submitted/<student>/ASSIGNMENT/")
    p.add_argument("assignment")
    p.add_argument("zipfile")
    p.add_argument("--course", default=".", help="course root (default: .)")
    p.add_argument("--pattern", help="regex with groups (?P<student>...) and (?P<file>...) for entry names")
    p.add_argument("--force", action="store_true", help="replace existing submissions that differ")
    p.set_defaults(func=_collect)

    p = sub.add_parser("feedback", help="re-render feedback/ HTML from the last grading")
    p.add_argument("assignment")
    p.add_argument("--course", default=".", help="course root (default: .)")
    p.add_argument("--student", action="append", metavar="ID")
    p.add_argument("--show-hidden", action="store_true", help="include hidden tests' source and values")
    p.add_argument("--db", metavar="URL", help="gradebook URL (default: the course's nbgrader_config.py)")
    p.set_defaults(func=_feedback)

    p = sub.add_parser("export", help="per-student totals from the gradebook, for nbgrader, Canvas or Moodle")
    p.add_argument("--course", default=".", help="course root (default: .)")
    p.add_argument("--assignment", help="only this assignment")
    p.add_argument("--format", choices=("csv", "canvas", "moodle"), default="csv",
                   help="csv: nbgrader's export; canvas: Canvas gradebook import; moodle: Moodle CSV grade import")
    p.add_argument("--to", help="output file (default: grades.csv, grades-canvas.csv or grades-moodle.csv)")
    p.add_argument("--db", metavar="URL", help="gradebook URL (default: the course's nbgrader_config.py)")
    p.set_defaults(func=_export)

    p = sub.add_parser("site", help="build the course website from the stored outputs into build/site")
    p.add_argument("--out", help="output folder (default: build/site)")
    p.add_argument("--verbose", action="store_true", help="show Sphinx's progress")
    p.set_defaults(func=_site)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
