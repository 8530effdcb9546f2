"""The course website (autograder/site.py): built from stored outputs, no solution or hidden test anywhere in it,
and every page working in a real browser (Debian's chromium) served by `python -m http.server`, offline."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from autograder import home, notebooks, site
from tests.conftest import RELEASE, ROOT, SOURCE
from tests.widgets.browser import CHROMIUM, CHROMIUM_ARGS

SECTIONS = [p.parent.name for p in notebooks.sections(SOURCE)]
SHOTS = ROOT / "test-output" / "site"
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return site.build(tmp_path_factory.mktemp("site") / "site")


def _texts(folder: Path) -> dict[str, str]:
    """Every file of the site as the text a reader (or a search engine) gets: tags stripped, entities decoded."""
    texts = {}
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".js", ".ipynb", ".txt", ".json", ".md"):
            raw = path.read_text(encoding="utf-8", errors="replace")
            texts[str(path.relative_to(folder))] = html.unescape(re.sub(r"<[^>]+>", "", raw)) + raw
    return texts


def _shown() -> str:
    """Everything students see anyway: every release notebook and the README."""
    parts = [(ROOT / "README.md").read_text()]
    for path in sorted(RELEASE.glob("*/*.ipynb")):
        parts += ["".join(c.source) for c in notebooks.read(path).cells]
    return "\n".join(parts)


def _secret_lines(section: str, shown: str) -> list[str]:
    """Lines of solutions and hidden tests that no student version shows anywhere."""
    src = notebooks.read(SOURCE / section / f"{section}.ipynb")
    lines = set()
    for cell in src.cells:
        blocks = SOLUTION.findall(cell.source) + HIDDEN.findall(cell.source)
        if notebooks.is_written_answer(cell):
            blocks.append(cell.source)
        for block in blocks:
            for line in block.splitlines():
                line = line.strip()
                if len(line) >= 16 and line not in shown:
                    lines.add(line)
    return sorted(lines)


def test_every_lecture_has_a_page_and_a_download(built: Path) -> None:
    for section in SECTIONS:
        page = built / "lectures" / f"{section}.html"
        assert page.exists(), f"no page for {section}"
        text = page.read_text()
        assert home.read(ROOT).colab_url(section).replace("&", "&amp;") in text, f"{section}: no Colab link"
        assert re.search(rf'href="[^"]*_downloads/[^"]+/{section}\.ipynb"', text), f"{section}: no download link"
    downloads = {p.name for p in (built / "_downloads").rglob("*.ipynb")}
    assert downloads == {f"{s}.ipynb" for s in SECTIONS}
    assert (built / "index.html").exists() and (built / "instructors.html").exists()


def test_the_site_reveals_no_solution_and_no_hidden_test(built: Path) -> None:
    texts, shown = _texts(built), _shown()
    checked = 0
    for section in SECTIONS:
        for line in _secret_lines(section, shown):
            checked += 1
            where = [name for name, text in texts.items() if line in text]
            assert not where, f"{section}: the site shows {line!r} (in {where[:3]})"
    assert checked > 100, f"only {checked} solution and hidden-test lines checked: the parser missed them"


def test_the_secret_line_check_can_fail(built: Path, tmp_path: Path) -> None:
    section = SECTIONS[0]
    line = _secret_lines(section, _shown())[0]
    (tmp_path / "leak.html").write_text(f"<pre><span>{html.escape(line)}</span></pre>")
    assert any(line in text for text in _texts(tmp_path).values())


def test_lecture_pages_keep_the_instructors_outputs_but_not_the_solutions(built: Path) -> None:
    page = site.student_page("03_training")
    code = [c for c in page.cells if c.cell_type == "code"]
    assert sum(1 for c in code if c.outputs) >= 10, "figures and printed numbers should stay"
    for cell in code:
        if notebooks.nbgrader_meta(cell).get("solution"):
            assert "raise NotImplementedError()" in cell.source and not cell.outputs
        if notebooks.nbgrader_meta(cell).get("grade"):
            assert not cell.outputs and "BEGIN HIDDEN TESTS" not in cell.source
    captions = [c.source for c in page.cells if c.cell_type == "markdown" and "the picture shows its first state" in c.source]
    assert captions and "learning rate" in captions[0]


def test_every_widget_says_what_a_student_can_change() -> None:
    titles = site._widget_titles()
    assert len(titles) >= 10
    for title, change in titles.items():
        assert change != "change its controls" and len(change) > 20, f"{title}: set lets_you"


def test_the_site_works_in_a_browser_offline(built: Path) -> None:
    from playwright.sync_api import sync_playwright

    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    problems: list[str] = []
    with site.served(built) as base:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1300, "height": 900})
            # Offline: any request that leaves the site is a failure (a CDN, a font, an analytics script).
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
            page = context.new_page()
            page.set_default_timeout(90_000)  # a loaded CI machine; nothing here is a timing assertion
            page.on("console", lambda m: problems.append(f"{page.url}: console {m.type}: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"{page.url}: page error {e}"))
            page.on("requestfailed", lambda r: problems.append(f"{page.url}: request failed {r.url}"))
            page.on("response", lambda r: problems.append(f"{page.url}: HTTP {r.status} {r.url}") if r.status >= 400 else None)

            page.goto(f"{base}/index.html", wait_until="networkidle")
            page.screenshot(path=str(SHOTS / "index.png"), full_page=False)
            nav = set(page.eval_on_selector_all("nav a, .bd-sidebar a", "els => els.map(e => e.href)"))
            for section in SECTIONS:
                assert any(h.endswith(f"lectures/{section}.html") for h in nav), f"the navigation misses {section}"
            assert any(h.endswith("instructors.html") for h in nav)

            for section in SECTIONS:
                page.goto(f"{base}/lectures/{section}.html", wait_until="networkidle")
                page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
                page.evaluate("() => MathJax.startup.promise")
                page.wait_for_load_state("networkidle")  # MathJax's menu loads its parts after typesetting
                rendered = page.locator("mjx-container").count()
                assert rendered > 5, f"{section}: {rendered} equations rendered"
                text = page.inner_text("main")
                raw = re.findall(r"\$\$|\\frac|\\mathbf", text)
                assert not raw, f"{section}: raw TeX left on the page: {raw[:3]}"
                images = page.eval_on_selector_all("main img", "els => els.map(e => [e.naturalWidth, e.complete])")
                assert images and all(w > 0 and ok for w, ok in images), f"{section}: broken images {images}"
                caption = page.locator("text=the picture shows its first state")
                if caption.count():
                    figure = caption.first.locator("xpath=preceding::img[1]")
                    assert figure.is_visible(), f"{section}: the widget picture is not visible"
                    figure.scroll_into_view_if_needed()
                    page.screenshot(path=str(SHOTS / f"{section}-widget.png"))
                page.evaluate("() => window.scrollTo(0, 0)")
                page.screenshot(path=str(SHOTS / f"{section}.png"))
            page.goto(f"{base}/instructors.html", wait_until="networkidle")
            page.screenshot(path=str(SHOTS / "instructors.png"))
            browser.close()
    assert not problems, "\n".join(problems[:20])
    widget_pages = [s for s in SECTIONS if (SHOTS / f"{s}-widget.png").exists()]
    assert len(widget_pages) >= 8, f"widget pictures seen on {widget_pages}"
