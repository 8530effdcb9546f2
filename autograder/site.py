"""``make site``: the course as a static website, built from the stored outputs (nothing is re-executed).

Sphinx with MyST-NB renders notebooks and Markdown with the maintained Book theme and needs nothing
but Python packages (MathJax is served from the site itself, from the ``sphinx-mathjax-offline``
package). The pipeline reads once, top to bottom:

1. ``student_page``: each lecture as students get it (release/: stubs and visible tests) with the
   instructor's outputs wherever a cell is the same in both (figures, tables, printed numbers);
   a solution or test cell keeps no output (it would show the solution's results).
2. ``captioned``: a widget's stored picture gets a caption saying what the live widget lets you change.
3. ``home_page`` / ``instructors_page``: from the README, with the lecture table linking to pages.
4. ``build``: write the Sphinx sources under build/site-src, run Sphinx into build/site.
"""

from __future__ import annotations

import copy
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat

from autograder import home, notebooks

CONF = notebooks.ROOT / "site"
WIDGET_NOTE = "(interactive in JupyterLab or Colab; the picture shows its initial state)"
# The badge picture is served from the site (it must work offline); the badge's link still opens Colab.
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
LOCAL_BADGE = "/_badges/colab-badge.svg"
_SECTION = re.compile(r"^## (.+)$", re.M)


def _widget_titles() -> dict[str, str]:
    """Each course widget's title -> what a student can change in it."""
    import importlib
    import pkgutil

    import course.widgets
    from course.widgets._base import FigureWidget

    for info in pkgutil.iter_modules(course.widgets.__path__):
        importlib.import_module(f"course.widgets.{info.name}")
    found, todo = {}, list(FigureWidget.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.title != FigureWidget.title and cls.__module__.startswith("course.widgets."):
            found[cls.title] = cls.lets_you
    return found


def captioned(cell: nbformat.NotebookNode, titles: dict[str, str]) -> str | None:
    """The caption for a widget cell's stored picture, or None when the cell shows no widget."""
    for out in cell.get("outputs", []):
        text = out.get("data", {}).get("text/plain", "")
        if isinstance(text, list):
            text = "".join(text)
        if WIDGET_NOTE in text and "image/png" in out.get("data", {}):
            title = text.split(WIDGET_NOTE)[0].strip()
            change = titles.get(title, "change its controls")
            return (f"*{title}: the picture shows its first state. Open the notebook in JupyterLab or Colab to "
                    f"{change}, and see it redrawn at once.*")
    return None


def student_page(section: str, titles: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The release notebook of ``section`` with the instructor's outputs where the cell is the same."""
    titles = _widget_titles() if titles is None else titles
    source = notebooks.read(notebooks.ROOT / "source" / section / f"{section}.ipynb")
    release = notebooks.read(notebooks.ROOT / "release" / section / f"{section}.ipynb")
    if len(source.cells) != len(release.cells):
        raise ValueError(f"{section}: release/ has {len(release.cells)} cells, source/ {len(source.cells)}: "
                         "run `make release`")
    page = copy.deepcopy(release)
    page.cells = []
    for src, rel in zip(source.cells, release.cells):
        cell = copy.deepcopy(rel)
        if cell.cell_type == "code":
            same = src.source == rel.source and not notebooks.nbgrader_meta(rel).get("grade")
            cell.outputs = [_static(o) for o in src.get("outputs", [])] if same else []
            cell.outputs = [o for o in cell.outputs if o is not None]
            cell.execution_count = src.get("execution_count") if same else None
        cell.metadata = {}
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace(BADGE, LOCAL_BADGE)
        page.cells.append(cell)
        caption = captioned(cell, titles) if cell.cell_type == "code" else None
        if caption:
            page.cells.append(nbformat.v4.new_markdown_cell(caption))
    page.cells.insert(1, nbformat.v4.new_markdown_cell(
        f"{{download}}`Download this notebook <../notebooks/{section}.ipynb>` (the student version, to run in "
        f"JupyterLab) or open it in Colab with the badge above."))
    page.metadata = {k: v for k, v in page.metadata.items() if k in ("kernelspec", "language_info")}
    return page


def _static(output: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    """What a static page can show of an output: no live-widget view, no stderr noise."""
    out = copy.deepcopy(output)
    if out.get("output_type") == "stream" and out.get("name") == "stderr":
        return None
    data = out.get("data")
    if data is not None:
        data.pop("application/vnd.jupyter.widget-view+json", None)
        if not data:
            return None
    return out


def _readme_section(readme: str, title: str) -> str:
    """The README's ``## title`` section, down to the next ``## `` heading."""
    starts = [(m.start(), m.group(1).strip()) for m in _SECTION.finditer(readme)]
    for i, (at, name) in enumerate(starts):
        if name == title:
            end = starts[i + 1][0] if i + 1 < len(starts) else len(readme)
            return readme[at:end].strip() + "\n"
    raise ValueError(f"README.md has no '## {title}' section")


def home_page(readme: str, where: home.Home, sections: list[str]) -> str:
    """What the course is, for whom, the lectures (each a page and a Colab link) and how to start."""
    table = re.search(r"^\| Section \|.*?(?=\n\n)", readme, re.S | re.M)
    if not table:
        raise ValueError("README.md has no lecture table")
    rows = []
    for line in table.group(0).splitlines()[2:]:
        section = re.match(r"\| `([^`]+)` \| (.*?) \| .*\|$", line)
        if section and section.group(1) in sections:
            name, what = section.groups()
            rows.append(f"| [{name}](lectures/{name}) | {what} | [![Open In Colab]({LOCAL_BADGE})]"
                        f"({where.colab_url(name)}) |")
    about = _readme_section(readme, "What this is, and for whom").split("\n", 1)[1].strip()
    students = _readme_section(readme, "Students").split("\n", 1)[1].strip().replace(BADGE, LOCAL_BADGE)
    toc = "\n".join(f"lectures/{s}" for s in sections)
    return f"""# Machine Learning for Big Scientific Data

{about}

## Lectures

| Lecture | What it covers | Run it |
|---|---|---|
{chr(10).join(rows)}

## How to start

- **Read** any lecture here: every page shows the notebook with the instructor's figures and numbers,
  and each exercise as you will get it (its code cell to fill in and its self-check).
- **Run it in Google Colab**: the badge opens the student notebook; nothing to install.
- **Run it in JupyterLab** on your machine: clone the repository
  ([github.com/{where.repository}](https://github.com/{where.repository})), then `make lab`.

{students}

```{{toctree}}
:hidden:
:caption: Lectures

{toc}
```

```{{toctree}}
:hidden:
:caption: For instructors

instructors
```
"""


def instructors_page(readme: str) -> str:
    parts = [_readme_section(readme, t) for t in ("Instructors", "Adding a lecture", "Maintainers")]
    return "# For instructors\n\n" + "\n".join(p.replace("## ", "### ", 1).replace("\n### ", "\n#### ") for p in parts)


def assemble(src: Path) -> list[str]:
    """Write the Sphinx sources (pages, notebooks to download) into ``src``; return the lectures."""
    if src.exists():
        shutil.rmtree(src)
    (src / "lectures").mkdir(parents=True)
    (src / "notebooks").mkdir()
    (src / "_badges").mkdir()
    shutil.copy(CONF / "colab-badge.svg", src / "_badges" / "colab-badge.svg")
    readme = (notebooks.ROOT / "README.md").read_text(encoding="utf-8")
    where = home.read(notebooks.ROOT)
    sections = [p.parent.name for p in notebooks.sections()]
    titles = _widget_titles()
    for section in sections:
        notebooks.write(student_page(section, titles), src / "lectures" / f"{section}.ipynb")
        shutil.copy(notebooks.ROOT / "release" / section / f"{section}.ipynb", src / "notebooks" / f"{section}.ipynb")
    (src / "index.md").write_text(home_page(readme, where, sections), encoding="utf-8")
    (src / "instructors.md").write_text(instructors_page(readme), encoding="utf-8")
    return sections


def build(out: Path | None = None, quiet: bool = True) -> Path:
    """Assemble and run Sphinx; return the folder with index.html. Warnings fail the build."""
    from sphinx.cmd.build import build_main

    out = (out or notebooks.ROOT / "build" / "site").resolve()
    src = out.parent / "site-src"
    assemble(src)
    if out.exists():
        shutil.rmtree(out)
    args = ["-b", "html", "-c", str(CONF), "-W", "--keep-going", "-j", "1", str(src), str(out)]
    if quiet:
        args.insert(0, "-q")
    if build_main(args) != 0:
        raise RuntimeError("Sphinx failed to build the site (see the messages above)")
    return out


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve a built site as a reader would, with ``python -m http.server`` on a free local port; yield its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(folder)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
