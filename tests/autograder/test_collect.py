"""`python -m autograder collect ASSIGNMENT FILE.zip`: LMS downloads into nbgrader's submitted/ layout."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.collect import collect
from tests.autograder import helpers as h

A = h.TOY
NB = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def make_zip(path: Path, entries: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 3, 1, 9, 30, 0))
            zf.writestr(info, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name, date_time=(2026, 3, 1, 9, 30, 0))
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


@pytest.fixture()
def course(tmp_path: Path) -> Path:
    return h.toy_course(tmp_path)


def test_folder_canvas_and_moodle_layouts(course: Path, tmp_path: Path) -> None:
    z = make_zip(tmp_path / "lms.zip", {
        f"alice/{A}.ipynb": NB,
        f"submitted/bob/{A}/{A}.ipynb": NB,
        f"bob_extra/{A}/data.csv": b"1,2\n",
        f"carol_LATE_123_456_{A}.ipynb": NB,
        "Dana Scully_789_assignsubmission_file_/homework-1.ipynb": NB,
    })
    report = collect(course, A, z, [A])
    assert sorted(report.written) == ["Dana_Scully", "alice", "bob", "bob_extra", "carol"]
    assert (course / "submitted" / "carol" / A / f"{A}.ipynb").read_bytes() == NB
    assert (course / "submitted" / "Dana_Scully" / A / f"{A}.ipynb").exists()
    assert report.renamed == [f"Dana_Scully: homework-1.ipynb -> {A}.ipynb"]
    assert (course / "submitted" / "alice" / A / "timestamp.txt").read_text() == "2026-03-01 09:30:00"


def test_unsafe_entries_are_skipped(course: Path, tmp_path: Path) -> None:
    z = make_zip(tmp_path / "evil.zip", {
        f"alice/{A}.ipynb": NB,
        "../../etc/evil.txt": b"x",
        "/abs/path.ipynb": b"x",
        "eve/../../../gradebook.db": b"x",
        "loose_file_without_folder.txt": b"x",
    }, links={f"mallory/{A}.ipynb": "/etc/shadow"})
    report = collect(course, A, z, [A])
    assert list(report.written) == ["alice"]
    assert sorted(report.skipped) == sorted([
        "../../etc/evil.txt (unsafe path)", "/abs/path.ipynb (unsafe path)", "eve/../../../gradebook.db (unsafe path)",
        "loose_file_without_folder.txt (no student id in the name)", f"mallory/{A}.ipynb (a symbolic link)"])
    assert not (course.parent / "etc").exists() and not (course / "submitted" / "mallory").exists()


def test_recollecting_is_idempotent_and_never_overwrites_without_force(course: Path, tmp_path: Path) -> None:
    z = make_zip(tmp_path / "a.zip", {f"alice/{A}.ipynb": NB})
    collect(course, A, z, [A])
    assert collect(course, A, z, [A]).unchanged == ["alice"]
    newer = make_zip(tmp_path / "b.zip", {f"alice/{A}.ipynb": NB + b"\n"})
    assert collect(course, A, newer, [A]).kept == ["alice"]
    assert (course / "submitted" / "alice" / A / f"{A}.ipynb").read_bytes() == NB
    assert list(collect(course, A, newer, [A], force=True).written) == ["alice"]
    assert (course / "submitted" / "alice" / A / f"{A}.ipynb").read_bytes() == NB + b"\n"


def test_custom_pattern_and_the_cli(course: Path, tmp_path: Path, capsys) -> None:
    z = make_zip(tmp_path / "c.zip", {f"export/s-1234--{A}.ipynb": NB})
    code = main(["collect", A, str(z), "--course", str(course), "--pattern", r"export/s-(?P<student>\d+)--(?P<file>.+)"])
    assert code == 0
    assert "collected 1234:" in capsys.readouterr().out
    assert (course / "submitted" / "1234" / A / f"{A}.ipynb").exists()
    assert main(["collect", A, str(tmp_path / "missing.zip"), "--course", str(course)]) == 2
