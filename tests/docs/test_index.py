"""The documentation holds together: the index links every page, links resolve,
and the command reference covers every command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nhvflow.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")

PAGES_OF_OTHER_ISSUES = {"log-format.md", "testing.md", "simulations.md", "deploying.md"}
"""Pages the index links although other issues write them (they may not exist yet)."""


def links(page: Path) -> list[str]:
    return [t for t in LINK.findall(page.read_text(encoding="utf-8")) if "://" not in t]


def test_the_index_links_every_page_and_the_pages_of_other_issues():
    linked = set(links(DOCS / "README.md"))
    pages = {p.name for p in DOCS.glob("*.md")} - {"README.md"}
    assert pages | PAGES_OF_OTHER_ISSUES <= linked


@pytest.mark.parametrize(
    "page", [ROOT / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name
)
def test_relative_links_resolve(page):
    """Every relative link names a file that exists (or a page another issue is writing)."""
    for target in links(page):
        path = (page.parent / target).resolve()
        assert path.exists() or path.name in PAGES_OF_OTHER_ISSUES, f"{page.name} -> {target}"


def test_the_command_reference_covers_every_command():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"### `{name}" in text, f"docs/cli.md has no section for `nhvflow {name}`"


def test_the_readme_keeps_the_two_commands_first():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    assert text.index("```sh") < text.index("## ")
    assert [line.split()[:2] for line in first_block.splitlines()] == [
        ["make", "demo"],
        ["make", "test"],
    ]
