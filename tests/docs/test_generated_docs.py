"""The generated documentation (docs/process.md, docs/rules.md, the README's
diagram) matches the code, covers every regime and rule, and a stale copy is
caught."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nhvflow import _docs, diagram
from nhvflow import events as ev
from nhvflow.rules import nhv as r
from nhvflow.states import NHV, Process, State, Transition, builtin_processes

ROOT = Path(__file__).resolve().parents[2]


def test_the_generated_docs_are_up_to_date():
    """Fails when a process or rule changed and `make docs` was not run."""
    stale = [p.relative_to(ROOT).as_posix() for p in _docs.stale(ROOT)]
    assert stale == [], f"stale: {stale}; run `make docs` and commit the result"


def test_process_md_embeds_the_diagram_of_every_regime():
    text = (ROOT / "docs" / "process.md").read_text(encoding="utf-8")
    for process in builtin_processes().values():
        assert f"```mermaid\n{diagram.mermaid(process)}```" in text
        for trigger in process.transitions:
            assert f"`{trigger}`" in text


def test_the_readme_shows_the_process_diagram():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = f"```mermaid\n{diagram.mermaid(NHV)}```\n"
    assert f"{_docs.README_BEGIN}\n{block}{_docs.README_END}" in text


def test_rules_md_lists_every_rule_with_titles_citation_and_validity():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for process in builtin_processes().values():
        for rule in process.rules:
            assert f"### {rule.id}\n" in text
            for fact in (rule.title_en, rule.title_sv, rule.citation, rule.kind, rule.status):
                assert fact in text, (rule.id, fact)
            if rule.valid_from is not None:
                assert rule.valid_from.isoformat() in text


def test_every_rule_has_both_titles_a_citation_and_its_source():
    """What the catalogue shows must exist for every rule of every regime."""
    for process in builtin_processes().values():
        for rule in process.rules:
            assert rule.title_en.strip() and rule.title_sv.strip(), rule.id
            assert rule.title_en != rule.title_sv, rule.id
            assert rule.citation.strip(), rule.id
            assert rule.doc.strip(), f"{rule.id} has no documentation (quote its source)"


SHARED = Process(
    name="toy",
    title_en="A toy regime",
    title_sv="En leksaksprocess",
    authority=r.RESPONSIBLE_PARTY,
    states=[State("open"), State("closed", final=True)],
    transitions=[
        Transition("submit", (), "open", r.NPO_OF_AREA, ev.ProposalSubmitted),
        Transition(
            "close", ("open",), "closed", r.BOARD, ev.ProposalRejected, rules=(r.max_five_units,)
        ),
    ],
)


def test_a_rule_shared_by_two_regimes_is_described_once_and_listed_in_both():
    text = _docs.rules_md({"nhv": NHV, "toy": SHARED})
    assert text.count("### nhv.max-five-units\n") == 1
    assert text.count("[`nhv.max-five-units`](#nhvmax-five-units)") == 2
    assert text.index("## `nhv`") < text.index("## `toy`")  # the law in force first


def test_process_md_is_generic_over_processes():
    text = _docs.process_md({"toy": SHARED})
    assert "## `toy`: A toy regime" in text
    assert "| — | `close` | `open` → `closed` | the board" in text
    assert "| `closed` (final) |" in text


def copy_of_the_project(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    for name in ("README.md", "docs/process.md", "docs/rules.md", "docs/tutorial.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_a_hand_edited_catalogue_is_reported_stale_and_regenerated(tmp_path):
    root = copy_of_the_project(tmp_path)
    rules = root / "docs" / "rules.md"
    rules.write_text(rules.read_text(encoding="utf-8").replace("som mest fem", "som mest sex"))
    assert _docs.stale(root) == [rules]
    check = [sys.executable, "-m", "nhvflow._docs", "--check", str(root)]
    out = subprocess.run(check, capture_output=True, text=True, check=False)
    assert out.returncode == 1 and "stale:" in out.stderr and "make docs" in out.stderr
    assert _docs.main([str(root)]) == 0
    assert _docs.stale(root) == []


def test_a_readme_without_the_markers_is_an_error(tmp_path):
    root = copy_of_the_project(tmp_path)
    (root / "README.md").write_text("# nhvflow\n")
    with pytest.raises(ValueError, match="lacks the markers"):
        _docs.generated(root)


def test_the_tutorial_lists_every_nhv_trigger_with_each_payload_field():
    """The tutorial's reference names every trigger of ``nhv`` and each field its event
    class parses, with whether it is required, and every role's actor JSON."""
    import json

    import attrs

    from nhvflow import Actor, Region
    from nhvflow._docs.payloads import TUTORIAL_BEGIN, TUTORIAL_END

    text = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    table = text.split(TUTORIAL_BEGIN, 1)[1].split(TUTORIAL_END, 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    trigger = None
    seen: dict[str, dict[str, str]] = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) != 6 or cells[3] in ("field", "---"):
            continue
        trigger = cells[1].strip("`") or trigger
        seen.setdefault(trigger, {})[cells[3].strip("`")] = cells[5]
    for t in NHV.transitions.values():
        fields = [f for f in attrs.fields(t.event) if "nhvflow" in f.metadata]
        assert set(seen[t.trigger]) == {f.name for f in fields}, t.trigger
        for f in fields:
            required = f.default is attrs.NOTHING
            assert (seen[t.trigger][f.name] == "**required**") == required, (t.trigger, f.name)
    for actor in (Actor.socialstyrelsen("handläggare"), Actor.region(Region.SKANE), Actor.board()):
        assert f"`{json.dumps(actor.to_json(), ensure_ascii=False)}`" in table
