"""One grade run per course at a time.

Two runs on one course would race on autograded/, feedback/, reports/ and the
gradebook.  ``fcntl.flock`` on ``<course>/.autograder.lock`` is released by
the kernel when its holder dies (even by SIGKILL), so a killed run never
leaves a stale lock behind.  The file holds the holder's pid for the message.
The lock is on the course folder: graders on other machines, each with its own
checkout, still share one PostgreSQL gradebook at the same time.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

LOCK_NAME = ".autograder.lock"


class Busy(RuntimeError):
    """Another grade run holds the course."""


@contextmanager
def course_lock(course: Path, wait: float = 0.0, log: Callable[[str], None] = print) -> Iterator[None]:
    """Hold the course's lock; wait up to ``wait`` seconds for a running grader, then raise :class:`Busy`."""
    path = course / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
                if time.monotonic() >= deadline:
                    raise Busy(f"another grade run (pid {holder}) is grading this course ({path}); wait for it "
                               "to finish, or pass --wait SECONDS to queue behind it longer") from None
                if not told:
                    log(f"waiting for the grade run with pid {holder} to finish ...")
                    told = True
                time.sleep(0.5)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock
