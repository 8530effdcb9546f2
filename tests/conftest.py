"""Shared paths for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"
WRONG = Path(__file__).resolve().parent / "wrong_solutions"
SHORTCUTS = Path(__file__).resolve().parent / "shortcuts"

#: Modules whose tests are parametrised by lecture and share nothing across lectures but a per-lecture
#: cache: under pytest-xdist each lecture may go to its own worker.
SPLIT_BY_SECTION = ("tests/notebooks/test_exercises.py", "tests/autograder/test_shortcuts.py")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown when it is not loaded
def pytest_xdist_make_scheduler(config, log):
    """``make test`` runs ``pytest -n 2 --dist loadscope``: this refines the scopes.

    A scope is a file (a notebook's cells run in order in one kernel under nbval; a
    module's fixtures are built once), except that each lecture of a SPLIT_BY_SECTION
    module is its own scope, so that the two workers share the notebook runs.
    """
    import re

    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    lecture = re.compile(r"\[(\d\d_[a-z0-9_]+)")

    class LectureScopes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file, _, rest = nodeid.partition("::")
            found = lecture.search(rest) if file in SPLIT_BY_SECTION else None
            return f"{file}::{found.group(1)}" if found else file

    return LectureScopes(config, log)
