"""One home: every Colab badge and install line comes from [tool.course] in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from autograder import home, notebooks
from autograder.release import stamp_links
from tests.conftest import RELEASE, ROOT, SOURCE

OLD_BADGE = ("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
             "(https://colab.research.google.com/github/old-org/old-course/blob/spring/release/01_x/01_x.ipynb)")
OLD_SETUP = 'if "google.colab" in sys.modules:\n    !pip install -q "mlbigsci-course @ git+https://github.com/old-org/old-course"\n'


def _pyproject(folder: Path, repository: str, branch: str) -> None:
    (folder / "pyproject.toml").write_text(f'[tool.course]\nrepository = "{repository}"\nbranch = "{branch}"\n')


def test_the_home_is_read_from_pyproject(tmp_path: Path) -> None:
    _pyproject(tmp_path, "https://github.com/physics-dept/ml-course-2027.git", "winter-term")
    where = home.read(tmp_path)
    assert where == home.Home("physics-dept/ml-course-2027", "winter-term")
    assert where.colab_url("03_training") == ("https://colab.research.google.com/github/physics-dept/ml-course-2027/"
                                              "blob/winter-term/release/03_training/03_training.ipynb")
    assert where.requirement == "mlbigsci-course @ git+https://github.com/physics-dept/ml-course-2027@winter-term"


@pytest.mark.parametrize("repository,branch", [("https://gitlab.com/a/b", "main"), ("github.com/a/b", "main"),
                                               ("https://github.com/a", "main"), ("https://github.com/a/b", ""),
                                               ("https://github.com/a/b", "x y"), ("https://github.com/a/b", "../x")])
def test_a_bad_home_is_refused_with_what_to_write(tmp_path: Path, repository: str, branch: str) -> None:
    _pyproject(tmp_path, repository, branch)
    with pytest.raises(ValueError, match=r"\[tool.course\]"):
        home.read(tmp_path)


def test_stamp_rewrites_badges_and_install_lines_and_nothing_else() -> None:
    where = home.Home("physics-dept/ml-course-2027", "winter-term")
    text = f"Intro [docs](https://github.com/old-org/old-course) {OLD_BADGE}\n{OLD_SETUP}"
    stamped = where.stamp(text)
    assert where.colab_url("01_x") in stamped
    assert f'!pip install -q "{where.requirement}"' in stamped
    assert "(https://github.com/old-org/old-course)" in stamped  # a plain link is not a badge
    assert where.foreign(stamped) == []
    assert where.stamp(stamped) == stamped
    assert len(where.foreign(text)) == 2


def test_foreign_names_a_link_with_another_branch_or_repository() -> None:
    where = home.Home("a/b", "main")
    assert where.foreign("https://colab.research.google.com/github/a/b/blob/dev/release/x/x.ipynb")
    assert where.foreign('"mlbigsci-course @ git+https://github.com/a/bc@main"')
    assert where.foreign('"mlbigsci-course @ git+https://github.com/a/b"')  # no branch: whatever the default is
    assert not where.foreign('"mlbigsci-course @ git+https://github.com/a/b@main"')


def test_release_stamps_source_readme_and_release_of_a_fork(tmp_path: Path) -> None:
    course = tmp_path / "course"
    section = "00_big_data_in_science"
    shutil.copytree(SOURCE / section, course / "source" / section)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    (course / "README.md").write_text(f"| `{section}` | {OLD_BADGE} |\n")
    _pyproject(course, "https://github.com/physics-dept/ml-course-2027", "winter-term")
    nb_path = course / "source" / section / f"{section}.ipynb"
    nb = notebooks.read(nb_path)
    nb.cells[0].source += "\n" + OLD_BADGE
    notebooks.write(nb, nb_path)

    from autograder.release import release
    written = release(course, assignments=[section])
    where = home.read(course)
    for path in [course / "README.md", nb_path, *written]:
        text = path.read_text()
        assert where.foreign(text) == [], f"{path} still points elsewhere"
    released = nbformat.read(written[0], 4)
    assert where.colab_url(section) in released.cells[0].source
    assert where.requirement in "".join(c.source for c in released.cells if c.cell_type == "code")
    assert stamp_links(course, [section]) == []  # a second run changes nothing


def test_every_notebook_and_the_readme_point_at_the_one_home() -> None:
    where = home.read(ROOT)
    paths = [ROOT / "README.md", *notebooks.sections(SOURCE), *sorted(RELEASE.glob("*/*.ipynb"))]
    for path in paths:
        stale = where.foreign(path.read_text())
        assert not stale, f"{path.relative_to(ROOT)} points at {stale[0]}, not at {where.repository}@{where.branch}: run `make release`"
    for path in [*notebooks.sections(SOURCE), *sorted(RELEASE.glob("*/*.ipynb"))]:
        nb = notebooks.read(path)
        section = path.parent.name
        assert where.colab_url(section) in nb.cells[0].source, f"{path.relative_to(ROOT)}: the title cell lacks its badge"
        assert f'!pip install -q "{where.requirement}"' in nb.cells[1].source, f"{path.relative_to(ROOT)}: the setup cell"
