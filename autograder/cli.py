"""The ``python -m autograder`` command: maintainer verbs of the course spine.

Grading verbs (grade, collect, feedback, export) come with the trusted grader.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import notebooks


def _store_outputs(args: argparse.Namespace) -> int:
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

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
