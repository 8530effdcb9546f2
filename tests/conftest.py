"""Shared paths for the test suite."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
RELEASE = ROOT / "release"
WRONG = Path(__file__).resolve().parent / "wrong_solutions"
SHORTCUTS = Path(__file__).resolve().parent / "shortcuts"
