"""``python -m autograder collect ASSIGNMENT FILE.zip``: an LMS download into nbgrader's layout.

Writes ``submitted/<student>/<assignment>/<files>`` (plus ``timestamp.txt``
from the newest zip entry of that student) from any of these zip layouts:

- folders: ``<student>/<file>`` or ``<student>/<assignment>/<file>``
  (optionally under a top-level ``submitted/``);
- Canvas: ``<student>[_LATE]_<id>_<id>_<file>`` (flat);
- Moodle: ``<Full Name>_<id>_assignsubmission_file_/<file>``;
- anything else with ``--pattern`` (a regex with named groups ``student`` and ``file``).

A lone notebook under another name (LMSs append ``-1``) is renamed to the
assignment's notebook.  Unsafe entries (absolute paths, ``..``, links, huge
or over-compressed files) are skipped and reported.  An existing submission
with different contents is kept unless ``force``.

Defined for the trusted autograder (issue 6).
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

MAX_ENTRY = 50 << 20
MAX_TOTAL = 1 << 30
STUDENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")

CANVAS = re.compile(r"^(?P<student>[^_/]+?)(?:_LATE)?_\d+_\d+_(?P<file>[^/]+)$")
MOODLE = re.compile(r"^(?P<student>[^/]+?)_\d+_assignsubmission_(?:file|onlinetext)_/(?P<file>.+)$")


@dataclass
class CollectReport:
    written: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)


def _student_id(raw: str) -> str | None:
    sid = re.sub(r"\s+", "_", raw.strip())
    return sid if STUDENT_RE.match(sid) else None


def _split(name: str, assignment: str, pattern: re.Pattern | None) -> tuple[str, str] | None:
    """(student, relative file) for a zip entry name, or None when it matches no layout."""
    if pattern is not None:
        m = pattern.match(name)
        return (m.group("student"), m.group("file")) if m else None
    for rx in (MOODLE, CANVAS):
        m = rx.match(name)
        if m:
            return m.group("student"), m.group("file")
    parts = name.split("/")
    if parts[0] == "submitted":
        parts = parts[1:]
    if len(parts) >= 3 and parts[1] == assignment:
        return parts[0], "/".join(parts[2:])
    if len(parts) >= 2:
        return parts[0], "/".join(parts[1:])
    return None


def _unsafe(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if name.startswith("/") or "\\" in name or ".." in name.split("/") or re.match(r"^[A-Za-z]:", name):
        return "unsafe path"
    mode = info.external_attr >> 16
    if mode and stat.S_ISLNK(mode):
        return "a symbolic link"
    if info.file_size > MAX_ENTRY:
        return f"larger than {MAX_ENTRY >> 20} MB"
    if info.compress_size and info.file_size / max(1, info.compress_size) > 200 and info.file_size > (1 << 20):
        return "suspiciously compressed"
    return None


def collect(course: Path, assignment: str, zip_path: Path, notebooks: list[str], pattern: str | None = None,
            force: bool = False) -> CollectReport:
    """Unpack ``zip_path`` into ``<course>/submitted``; ``notebooks`` are the assignment's notebook names."""
    rx = re.compile(pattern) if pattern else None
    report = CollectReport()
    per_student: dict[str, dict[str, bytes]] = {}
    stamps: dict[str, datetime] = {}
    total = 0
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            if info.is_dir() or info.filename.startswith("__MACOSX/") or Path(info.filename).name.startswith("."):
                continue
            why = _unsafe(info)
            if why:
                report.skipped.append(f"{info.filename} ({why})")
                continue
            split = _split(info.filename, assignment, rx)
            sid = _student_id(split[0]) if split else None
            rel = split[1] if split else None
            if not split or not sid or not rel or rel.startswith("/") or ".." in rel.split("/"):
                report.skipped.append(f"{info.filename} (no student id in the name)")
                continue
            with zf.open(info) as fh:
                data = fh.read(MAX_ENTRY + 1)
            total += len(data)
            if len(data) > MAX_ENTRY or total > MAX_TOTAL:
                report.skipped.append(f"{info.filename} (too large)")
                continue
            per_student.setdefault(sid, {})[rel] = data
            when = datetime(*info.date_time)
            stamps[sid] = max(stamps.get(sid, when), when)
    for sid, files in sorted(per_student.items()):
        ipynbs = [rel for rel in files if rel.endswith(".ipynb")]
        if len(notebooks) == 1 and len(ipynbs) == 1 and ipynbs[0] != f"{notebooks[0]}.ipynb":
            files[f"{notebooks[0]}.ipynb"] = files.pop(ipynbs[0])
            report.renamed.append(f"{sid}: {ipynbs[0]} -> {notebooks[0]}.ipynb")
        if "timestamp.txt" not in files:
            files["timestamp.txt"] = stamps[sid].strftime("%Y-%m-%d %H:%M:%S").encode()
        target = course / "submitted" / sid / assignment
        if target.exists():
            existing = {p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*") if p.is_file()}
            if existing == files:
                report.unchanged.append(sid)
                continue
            if not force:
                report.kept.append(sid)
                continue
            for p in sorted(target.rglob("*"), reverse=True):
                p.unlink() if p.is_file() or p.is_symlink() else p.rmdir()
        for rel, data in files.items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        report.written[sid] = sorted(files)
    return report
