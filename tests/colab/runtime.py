"""A Colab-like runtime on this machine: Colab's package versions, a student's kernel, the course installed as
the setup cell installs it.

The environment (``.venv/colab``) is built by ``make colab-env`` (a prerequisite of ``make test``) from
Colab's published pip freeze (tests/colab/pip-freeze.txt, dated there). Python is this machine's python3,
not Colab's 3.13. The setup cell's Git URL is stood in for by a wheel built from the checkout, installed
offline (``PIP_NO_INDEX``): anything the install would have to fetch or replace fails it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder import home, notebooks
from tests.conftest import RELEASE, ROOT, SOURCE

ENV = Path(sys.prefix) / "colab"
PYTHON = ENV / "bin" / "python"
HERE = Path(__file__).resolve().parent
KERNEL = "colab-like"
# What Colab's runtime has imported before any cell runs; the course's setup cell looks for it.
FAKE_COLAB = 'import sys, types\nsys.modules.setdefault("google.colab", types.ModuleType("google.colab"))\n'
OFFLINE = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", "PIP_CONSTRAINT": "", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def require_env() -> None:
    """Fail (not skip) with what to run when the environment is missing."""
    if not PYTHON.exists():
        raise AssertionError(f"{ENV} is missing: `make colab-env` (part of `make test`) builds it from "
                             "tests/colab/pip-freeze.txt")


def pip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(PYTHON), "-m", "pip", *args], capture_output=True, text=True,
                          env={**os.environ, **OFFLINE})
    if check and proc.returncode:
        raise AssertionError(f"pip {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def freeze() -> dict[str, str]:
    lines = pip("freeze", "--all").stdout.splitlines()
    pairs = (line.split("==", 1) if "==" in line else line.split(" @ ", 1) for line in lines if line.strip())
    return {_name(name): version for name, version in pairs}


def _name(text: str) -> str:
    return text.strip().lower().replace("_", "-")


def pinned() -> dict[str, str]:
    """Colab's version of every package the environment is built from (requirements.txt x pip-freeze.txt)."""
    wanted = [_name(l) for l in (HERE / "requirements.txt").read_text().splitlines() if l.strip() and not l.startswith("#")]
    pins = dict(tuple(map(str.strip, l.split("==", 1))) for l in (HERE / "pip-freeze.txt").read_text().splitlines()
                if "==" in l and not l.startswith("#"))
    pins = {_name(k): v for k, v in pins.items()}
    return {name: pins[name] for name in wanted}


def build_wheel(out: Path) -> Path:
    """The course as the Git URL would deliver it: a wheel built from a clean copy of the checkout's package files."""
    src = out / "src"
    src.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for package in ("course", "autograder"):
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                           "-w", str(out), str(src)], capture_output=True, text=True, env={**os.environ, **OFFLINE})
    wheels = sorted(out.glob("mlbigsci_course-*.whl"))
    assert proc.returncode == 0 and wheels, f"building the course's wheel failed:\n{proc.stderr[-3000:]}"
    return wheels[0]


@dataclass
class Install:
    """What ``%pip install`` of the course did to the environment."""

    installed: list[tuple[str, str]]
    changed: dict[str, tuple[str | None, str | None]]


def install_as_the_setup_cell_does(wheel: Path, report: Path) -> Install:
    """Remove the course if a previous run left it, then ``pip install -q`` it with pip's report."""
    pip("uninstall", "-y", "-q", home.PACKAGE, check=False)
    before = freeze()
    pip("install", "-q", "--report", str(report), requirement(wheel))
    after = freeze()
    names = set(before) | set(after)
    changed = {n: (before.get(n), after.get(n)) for n in sorted(names) if before.get(n) != after.get(n)}
    data = json.loads(report.read_text())
    return Install([(i["metadata"]["name"], i["metadata"]["version"]) for i in data["install"]], changed)


def requirement(wheel: Path) -> str:
    return f"{home.PACKAGE} @ {wheel.resolve().as_uri()}"


def kernel_dirs(root: Path, home_folder: Path) -> dict[str, str]:
    """A kernelspec that starts the Colab-like Python, with google.colab imported as Colab's runtime does.

    The kernel's ``HOME`` is ``home_folder``, so what a lecture writes outside its session folder shows up there.
    """
    spec = root / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    ipython = root / "ipython"
    (ipython / "profile_default" / "startup").mkdir(parents=True)
    (ipython / "profile_default" / "startup" / "00-colab.py").write_text(FAKE_COLAB)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(PYTHON), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab-like Python", "language": "python",
        "env": {"IPYTHONDIR": str(ipython), "HOME": str(home_folder), "TF_CPP_MIN_LOG_LEVEL": "3",
                "PATH": f"{PYTHON.parent}:/usr/local/bin:/usr/bin:/bin", **OFFLINE},  # Colab's: its Python first
    }))
    return {"JUPYTER_PATH": str(root / "jupyter")}


def answered_release(section: str, wheel: Path) -> nbformat.NotebookNode:
    """The student notebook with every exercise answered by the instructor's solution, installing ``wheel``."""
    release = notebooks.read(RELEASE / section / f"{section}.ipynb")
    solutions = {notebooks.nbgrader_meta(c)["grade_id"]: c.source
                 for c in notebooks.read(SOURCE / section / f"{section}.ipynb").cells if notebooks.is_solution_code(c)}
    url = home.read(ROOT).requirement
    for cell in release.cells:
        if notebooks.is_solution_code(cell):
            cell.source = solutions[notebooks.nbgrader_meta(cell)["grade_id"]]
        elif cell.cell_type == "code" and url in cell.source:
            cell.source = cell.source.replace(url, requirement(wheel))  # the wheel stands in for the Git URL
    return release


@dataclass
class Session:
    """A student's session: its folder (Colab's /content) and everything the cells printed."""

    folder: Path
    notebook: nbformat.NotebookNode
    outputs: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0


def run(nb: nbformat.NotebookNode, folder: Path, env: dict[str, str], extra: list[str] = (),
        timeout: int = 600) -> Session:
    """Execute ``nb`` (plus ``extra`` cells) in a fresh Colab-like kernel whose working folder is ``folder``."""
    import time

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for source in extra:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        client = NotebookClient(nb, kernel_name=KERNEL, timeout=timeout, record_timing=True,
                                resources={"metadata": {"path": str(folder)}})
        start = time.perf_counter()
        client.execute(cwd=str(folder))
        seconds = time.perf_counter() - start
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    session = Session(folder, nb, seconds=seconds)
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                session.outputs.append((i, out["text"]))
            elif "text/plain" in out.get("data", {}):
                session.outputs.append((i, out["data"]["text/plain"]))
    return session


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def widget_driver() -> str:
    return (HERE / "drive_widgets.py").read_text()

