"""environment.yml (conda users) and pyproject.toml (pip users) list the same dependencies."""

from __future__ import annotations

try:
    import tomllib
except ImportError:  # Python 3.10
    from pip._vendor import tomli as tomllib

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

CONDA_EXTRAS = ("cpu", "instructor", "test", "hub")


def _key(spec: str) -> tuple[str, str, tuple[str, ...]]:
    req = Requirement(spec)
    return canonicalize_name(req.name), str(req.specifier), tuple(sorted(req.extras))


def pyproject_requirements() -> set[tuple]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in CONDA_EXTRAS:
        specs += project["optional-dependencies"][extra]
    return {_key(s) for s in specs}


def environment_requirements() -> tuple[set[tuple], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    return {_key(s) for s in pip if not s.startswith("-e")}, conda


def test_same_pip_dependencies() -> None:
    pip, _ = environment_requirements()
    want = pyproject_requirements()
    assert pip == want, (
        f"environment.yml and pyproject.toml drifted apart. Only in environment.yml: {sorted(pip - want)}; "
        f"only in pyproject.toml: {sorted(want - pip)}"
    )


def test_same_python_floor() -> None:
    _, conda = environment_requirements()
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert f"python{requires}" in conda


def test_installs_the_course_itself() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-e ." in pip


def test_drift_is_detected(monkeypatch) -> None:
    """The comparison itself can fail: a changed pin shows up."""
    real = pyproject_requirements()
    monkeypatch.setattr("tests.test_environment.pyproject_requirements", lambda: real | {_key("numpy>=9")})
    pip, _ = environment_requirements()
    assert pip != pyproject_requirements()


def test_constraints_pin_every_direct_dependency() -> None:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = version.strip()
    for name, spec, _ in pyproject_requirements():
        assert name in pins, f"{name} is not pinned in constraints.txt: run `make lock`"
        assert Requirement(f"{name}{spec}").specifier.contains(pins[name]), f"{name}=={pins[name]} violates {spec}"
