"""The course's one home: the repository and branch every Colab badge and install line points at.

They are written once, in ``[tool.course]`` of pyproject.toml. A course forked for a new term changes
those two values and runs ``make release``, which rewrites every badge (README, source/ and release/)
and every setup cell's install line from them (:func:`stamp`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder import notebooks

PACKAGE = "mlbigsci-course"

_GITHUB = re.compile(r"^https://github\.com/(?P<owner>[A-Za-z0-9][A-Za-z0-9-]*)/(?P<name>[A-Za-z0-9._-]+?)(?:\.git)?/?$")
# What a badge or an install line looks like, whichever home it names (a fork's, or a stale one).
_COLAB = re.compile(r"https://colab\.research\.google\.com/github/[^/\s)\"'\]]+/[^/\s)\"'\]]+/blob/[^/\s)\"'\]]+/")
_INSTALL = re.compile(re.escape(PACKAGE) + r" @ git\+https://github\.com/[^\s\"'\\]+")
_ANY_HOME = re.compile(r"(?:colab\.research\.google\.com/github|git\+https://github\.com)/[^\s)\"'\]\\]+")


@dataclass(frozen=True)
class Home:
    """``owner/name`` on GitHub and the branch students get the course from."""

    repository: str
    branch: str

    @property
    def colab_prefix(self) -> str:
        return f"https://colab.research.google.com/github/{self.repository}/blob/{self.branch}/"

    def colab_url(self, section: str) -> str:
        """The Colab link of a lecture's student notebook (release/, never the solutions)."""
        return f"{self.colab_prefix}release/{section}/{section}.ipynb"

    def badge(self, section: str) -> str:
        return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({self.colab_url(section)})"

    @property
    def requirement(self) -> str:
        """What the setup cell's ``!pip install`` names: the package from the branch on GitHub."""
        return f"{PACKAGE} @ git+https://github.com/{self.repository}@{self.branch}"

    def stamp(self, text: str) -> str:
        """``text`` with every Colab link and install line pointing at this home."""
        text = _COLAB.sub(self.colab_prefix, text)
        return _INSTALL.sub(self.requirement, text)

    def foreign(self, text: str) -> list[str]:
        """Colab links and install lines in ``text`` that point anywhere but here."""
        colab = self.colab_prefix.removeprefix("https://")
        git = self.requirement.split(" @ ", 1)[1]
        return [m.group(0) for m in _ANY_HOME.finditer(text) if not (m.group(0).startswith(colab) or m.group(0) == git)]


def read(root: Path | None = None) -> Home:
    """The home written in ``[tool.course]`` of the course's pyproject.toml, checked."""
    path = (root or notebooks.ROOT) / "pyproject.toml"
    with path.open("rb") as f:
        table = tomllib.load(f).get("tool", {}).get("course", {})
    url, branch = table.get("repository"), table.get("branch")
    if not isinstance(url, str) or not (match := _GITHUB.match(url)):
        raise ValueError(f"{path}: [tool.course] repository must be a GitHub URL such as "
                         f"https://github.com/owner/name, got {url!r}")
    if not isinstance(branch, str) or not re.fullmatch(r"[A-Za-z0-9._/-]+", branch) or ".." in branch:
        raise ValueError(f"{path}: [tool.course] branch must be a branch name such as main, got {branch!r}")
    return Home(f"{match['owner']}/{match['name']}", branch)


def stamp_file(path: Path, home: Home) -> bool:
    """Rewrite a notebook's or a Markdown file's links in place; True if anything changed."""
    if path.suffix == ".ipynb":
        nb = notebooks.read(path)
        changed = False
        for cell in nb.cells:
            new = home.stamp(cell.source)
            if new != cell.source:
                cell.source, changed = new, True
        if changed:
            notebooks.write(nb, path)
        return changed
    text = path.read_text(encoding="utf-8")
    new = home.stamp(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
