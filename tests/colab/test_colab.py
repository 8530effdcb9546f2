"""The course in a Colab-like runtime: the install leaves Colab's packages alone, and every lecture runs there.

The runtime is Colab's published package set (tests/colab/pip-freeze.txt: TensorFlow 2.20, Keras 3.13,
NumPy 2.1, ipywidgets 7.7.1, ipykernel 6.17 with IPython 7.34, notebook 6.5) on this machine's Python, not
Colab's 3.13. The Git URL of the setup cell is stood in for by a wheel built from the checkout; Colab's
own services (Drive, its front end, its GPU) are not part of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import notebooks
from tests.colab import runtime
from tests.conftest import ROOT, SOURCE

SECTIONS = [p.parent.name for p in notebooks.sections(SOURCE)]
PINNED = runtime.pinned()  # each package of tests/colab/requirements.txt at Colab's version
BASELINE = ("import tensorflow as tf, keras, numpy as np, matplotlib.pyplot as plt, ipywidgets\n"
            "keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).compile('sgd', 'mse')\n"
            "plt.plot([1, 2]); plt.show()")


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """The environment with the course installed from a fresh wheel, a kernelspec, and a student's home folder."""
    runtime.require_env()
    root = tmp_path_factory.mktemp("colab")
    wheel = runtime.build_wheel(root / "dist")
    install = runtime.install_as_the_setup_cell_does(wheel, root / "report.json")
    home = root / "home"
    home.mkdir()
    env = runtime.kernel_dirs(root, home)
    baseline = root / "baseline"
    baseline.mkdir()
    import nbformat
    runtime.run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(BASELINE)]), baseline, env)
    return {"wheel": wheel, "install": install, "env": env, "home": home, "root": root,
            "library_files": runtime.files_under(home)}


def test_the_environment_holds_colabs_versions(colab) -> None:
    assert PINNED["ipywidgets"] == "7.7.1" and PINNED["tensorflow"].startswith("2.") and len(PINNED) >= 10
    got = runtime.freeze()
    wrong = {name: got.get(name) for name, version in PINNED.items() if got.get(name) != version}
    assert not wrong, f"the Colab-like environment drifted from Colab's versions {PINNED}: {wrong}; `make colab-env`"


def test_installing_the_course_changes_no_package_colab_has(colab) -> None:
    install = colab["install"]
    assert [name for name, _ in install.installed] == ["mlbigsci-course"], (
        f"pip's report: the setup cell would install {install.installed}, replacing Colab's packages")
    assert list(install.changed) == ["mlbigsci-course"], f"packages changed by the install: {install.changed}"
    assert install.changed["mlbigsci-course"][0] is None


@pytest.mark.parametrize("section", SECTIONS)
def test_the_lecture_runs_in_colab(colab, section: str, tmp_path: Path) -> None:
    nb = runtime.answered_release(section, colab["wheel"])
    session_folder = tmp_path / "content"  # Colab's /content: nothing of the course in it
    session_folder.mkdir()
    session = runtime.run(nb, session_folder, colab["env"], extra=[runtime.widget_driver()])
    printed = {}
    for index, text in session.outputs:
        printed[index] = printed.get(index, "") + text

    setup = printed.get(1, "").strip().splitlines()
    # The install prints nothing (no pip output, no restart note); device.setup() prints its one line first.
    assert setup and setup[0].startswith("Device: ") and "Colab: GPU runtime off" in setup[0], f"setup cell: {setup}"
    assert not [line for line in setup if "pip" in line.lower() or "restart" in line.lower()], f"setup cell: {setup}"
    for exercise in notebooks.exercises(nb):
        for t in exercise.test_indices:
            assert "✔" in printed.get(t, ""), f"{section} cell {t} ({exercise.solution_id}): {printed.get(t)!r}"
    drove = printed.get(len(nb.cells), "")
    assert "ipywidgets 7.7.1" in drove, drove
    builds_widgets = any("widgets." in c.source for c in nb.cells if c.cell_type == "code")
    assert ("widgets driven: 0 widgets" not in drove) == builds_widgets, f"{section}: {drove}"

    written = sorted(set(runtime.files_under(colab["home"])) - set(colab["library_files"]))
    assert not written, f"{section} wrote outside its session folder: {written[:10]}"


def test_an_install_that_would_replace_colabs_notebook_server_is_caught(colab, tmp_path: Path) -> None:
    """The check can fail: a package that needs notebook>=7.2 (as nbgrader does) cannot install quietly."""
    import subprocess
    import sys

    src = tmp_path / "probe"
    (src / "probe_pkg").mkdir(parents=True)
    (src / "probe_pkg" / "__init__.py").write_text("")
    (src / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
                                        '[project]\nname = "colab-probe"\nversion = "1.0"\n'
                                        'dependencies = ["numpy>=1.26", "notebook>=7.2"]\n')
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path),
                    str(src)], check=True, capture_output=True, env={**runtime.os.environ, **runtime.OFFLINE})
    wheel = next(tmp_path.glob("colab_probe-*.whl"))
    proc = runtime.pip("install", "-q", "--dry-run", "--report", str(tmp_path / "r.json"),
                       f"colab-probe @ {wheel.as_uri()}", check=False)
    assert proc.returncode != 0 and "notebook" in proc.stderr, proc.stderr[-2000:]
    assert "colab-probe" not in runtime.freeze()
