"""The README opens with the two commands and lists every lecture with its Colab link."""

from __future__ import annotations

import re

from autograder import notebooks
from autograder import home
from tests.conftest import ROOT, SOURCE


def test_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert first_block and text.index("```bash") < 200
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make lab", "make test"]


def test_every_section_has_a_row_and_colab_link() -> None:
    text = (ROOT / "README.md").read_text()
    course_home = home.read(ROOT)
    for path in notebooks.sections(SOURCE):
        section = path.parent.name
        assert f"| `{section}` |" in text, f"README's table lacks {section}"
        assert course_home.colab_url(section) in text, f"README lacks the Colab link of {section}"


def test_ci_runs_exactly_make_test() -> None:
    lines = [l.strip() for l in (ROOT / ".ci" / "run").read_text().splitlines() if l.strip() and not l.startswith("#")]
    assert lines[-1] == "exec make test"
