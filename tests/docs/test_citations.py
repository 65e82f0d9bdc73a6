"""Citations a reader can follow: the code, the documentation and the README
name their sources by publisher, title and year or by statute, never by a
file of the project's own or an internal document."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNFOLLOWABLE = re.compile(r"seed 00|shared/seeds|DESIGN\.md|\b00[01]_[0-9a-f]{16}\b|\bSeed 00")


def _files() -> list[Path]:
    found = [ROOT / "README.md"]
    for part in ("src", "docs"):
        found += sorted(p for p in (ROOT / part).rglob("*") if p.suffix in (".py", ".md"))
    return found


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_citation_points_at_a_file_a_reader_does_not_have(path: Path) -> None:
    """No line cites a source file, a seed number or the design document."""
    hits = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if UNFOLLOWABLE.search(line)
    ]
    assert hits == []


def test_every_rule_names_a_published_source() -> None:
    """Each rule's citation and source passage name a publisher, a statute or a treaty."""
    from nhvflow.states import builtin_processes

    known = ("Socialstyrelsen", "HSL", "HSF", "HSLF-FS", "prop.", "Forskrift", "Decision",
             "Veileder", "Regulation", "Directive")  # fmt: skip
    for process in builtin_processes().values():
        for rule in process.rules:
            assert any(k in rule.citation for k in known), (rule.id, rule.citation)
            assert any(k in rule.seed for k in known), (rule.id, rule.seed)
