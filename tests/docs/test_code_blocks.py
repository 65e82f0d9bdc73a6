"""Every ```python block in README.md and docs/*.md runs.

The blocks of one file run in order in one namespace (a page may build on
its earlier blocks), in a fresh temporary directory, with ``__name__`` set
to ``"__docs__"`` so that ``if __name__ == "__main__":`` blocks (serving,
long runs) are shown but not run. Blocks in other languages (``sh``,
``text``, ``mermaid``) are not run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The ```python blocks of a Markdown text, each with the line it starts on."""
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in FENCE.finditer(text)]


def test_the_block_finder_sees_fenced_python_only():
    """Only ```python fences count, and each block keeps its first line's number."""
    text = "intro\n```python\nx = 1\n```\n```sh\nls\n```\n\n```python\ny = 2\n```\n"
    assert python_blocks(text) == [(3, "x = 1\n"), (10, "y = 2\n")]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_python_block_of_the_page_runs(page, tmp_path, monkeypatch):
    """Each page's Python blocks run in order without an exception."""
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    name = page.relative_to(ROOT).as_posix()
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    for line, code in blocks:
        # Pad with blank lines so that a traceback names the line of the page.
        compiled = compile("\n" * (line - 1) + code, name, "exec")
        exec(compiled, namespace)


def test_the_pages_that_must_have_code_do():
    """The README's quickstart and the tutorial are code, and both are found."""
    found = {
        p.relative_to(ROOT).as_posix(): len(python_blocks(p.read_text(encoding="utf-8")))
        for p in PAGES
    }
    assert found["README.md"] >= 1
    assert found["docs/tutorial.md"] >= 5
