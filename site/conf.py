"""Sphinx configuration of the course website (``make site``; sources assembled by autograder/site.py)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

project = "Machine Learning for Big Scientific Data"
author = "the course team"
copyright = "the course team"
extensions = ["myst_nb"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# Stored outputs only: nothing runs while the site builds.
nb_execution_mode = "off"
nb_output_stderr = "remove"
nb_merge_streams = True
exclude_patterns = ["notebooks/**", "**.ipynb_checkpoints"]
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "misc.highlighting_failure"]

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
}
# The theme reads the colour mode from the page context; "auto" follows the reader's system setting.
html_context = {"default_mode": "auto"}
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False

# MathJax from the site itself, not a CDN: the package ships MathJax 3. Only TeX input and HTML output
# are copied (with the menu and its assistive MathML); the SVG output, MathML/AsciiMath input and the
# speech rule engine stay out to keep the site small.
_MATHJAX = Path(importlib.util.find_spec("sphinx-mathjax-offline").origin).parent / "static" / "mathjax"
mathjax_path = "mathjax/tex-chtml.js"


def _copy_mathjax(app, exc) -> None:
    if exc is None:
        shutil.copytree(_MATHJAX, Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("sre", "*speech*", "__pycache__", "*svg*", "mml*", "tex-mml-*",
                                                      "tex-chtml-full*", "node-main.js", "asciimath*", "latest.js"))


def setup(app) -> None:
    app.connect("build-finished", _copy_mathjax)
