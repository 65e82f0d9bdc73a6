"""Diagrams drawn from process definitions: every regime, every step labelled
with its trigger, responsible role and rule ids; a separate machine, never the
one the engine moves."""

from __future__ import annotations

import html
import re

import pytest

from nhvflow import diagram
from nhvflow import events as ev
from nhvflow.rules import nhv as r
from nhvflow.states import NHV, Process, State, Transition, builtin_processes

ARROW = re.compile(r"^\s*(\S+) --> (\S+?)(?:: (.*))?$")


def arrows(text: str) -> dict[tuple[str, str], list[str]]:
    """The arrows of a Mermaid state diagram, with the labels on each."""
    found: dict[tuple[str, str], list[str]] = {}
    for line in text.splitlines():
        m = ARROW.match(line)
        if m:
            labels = m.group(3).split(" | ") if m.group(3) else []
            found.setdefault((m.group(1), m.group(2)), []).extend(labels)
    return found


TOY = Process(
    name="toy",
    title_en="A toy regime",
    title_sv="En leksaksprocess",
    authority=r.RESPONSIBLE_PARTY,
    states=[State("open"), State("weighed"), State("closed", final=True)],
    transitions=[
        Transition("submit", (), "open", r.NPO_OF_AREA, ev.ProposalSubmitted),
        Transition(
            "weigh",
            ("open",),
            "weighed",
            r.SOCIALSTYRELSEN,
            ev.NhvDecided,
            rules=(r.max_five_units, r.application_window),
        ),
        Transition("close", ("open", "weighed"), "closed", r.BOARD, ev.ProposalRejected),
    ],
)
"""A process that is not one of the built-in regimes: the diagrams are generic."""


@pytest.mark.parametrize("process", [*builtin_processes().values(), TOY], ids=lambda p: p.name)
@pytest.mark.parametrize("lang", ["en", "sv"])
def test_every_transition_is_an_arrow_labelled_with_step_trigger_role_and_rules(process, lang):
    """Each step is an arrow from each of its states (or once from the box of
    states it shares with others) labelled step number, trigger, role in
    words and rule ids."""
    drawn = arrows(diagram.mermaid(process, lang=lang))
    for t in process.transitions.values():
        label = diagram.edge_label(t, lang=lang)
        assert t.trigger in label
        assert diagram.role_name(t.responsible.role, lang) in label
        for rule in t.rules:
            assert rule.id in label
        if t.step:
            assert label.startswith(f"{'steg' if lang == 'sv' else 'step'} {t.step}: ")
        grouped = (("open_states", t.dest),) if ("open_states", t.dest) in drawn else ()
        sources = [(s, t.dest_from(s) if t.source else t.dest) for s in t.source or ("[*]",)]
        assert any(label in drawn.get(arrow, []) for arrow in [*sources, *grouped]), label


@pytest.mark.parametrize("process", [*builtin_processes().values(), TOY], ids=lambda p: p.name)
def test_every_state_is_drawn_in_words_and_final_states_end(process):
    """The title comes first (front matter, drawn on top); every state is
    declared with its words from the table; final states lead to the end."""
    text = diagram.mermaid(process)
    assert text.startswith(f'---\ntitle: "{process.name}: {process.title_en}"\n---\n')
    assert "stateDiagram-v2" in text
    for state in process.states.values():
        assert f'state "{state.en or state.name}" as {state.name}' in text
        assert ((state.name, "[*]") in arrows(text)) is state.final


def test_the_nhv_diagram_numbers_the_eight_steps():
    """Steps 1 to 8 of the process table each label at least one arrow."""
    text = diagram.mermaid(NHV)
    for step in range(1, 9):
        assert f"step {step}: " in text, step


def test_withdraw_and_close_not_eligible_are_drawn_once_from_the_open_states():
    """The two exits open from every state before the decision are one arrow
    each, from a box holding exactly those five states."""
    text = diagram.mermaid(NHV)
    drawn = arrows(text)
    into = {
        dest: [src for (src, d) in drawn if d == dest] for dest in ("withdrawn", "not_eligible")
    }
    assert into == {"withdrawn": ["open_states"], "not_eligible": ["open_states"]}
    box = re.search(r'state "([^"]+)" as open_states \{\n(.*?)\n  \}', text, re.S)
    assert box and box.group(1) == "Before the decision on NHV (steps 1–4)"
    inside = re.findall(r"as (\w+)$", box.group(2), re.M)
    assert inside == ["proposed", "expert_review", "basis_delivered", "consultation", "prepared"]


def test_the_swedish_diagram_is_swedish():
    """lang="sv": Swedish title, states, roles, step word and box."""
    text = diagram.mermaid(NHV, lang="sv")
    assert text.startswith('---\ntitle: "nhv: Nationell högspecialiserad vård (gällande rätt)"')
    assert 'state "tillstånd beviljade" as permitted' in text
    assert "steg 7: grant_permits · NHV-nämnden" in text
    assert 'state "Före beslut om NHV (steg 1–4)" as open_states {' in text
    for english in ("permits granted", "step ", "Before the decision", "NHV board", "expert group"):
        assert english not in text, english


def test_every_role_has_words():
    """Each role is named in English and Swedish (no raw enum names on arrows)."""
    from nhvflow.model import Role

    assert set(diagram.ROLE_NAMES) == set(Role)
    assert all(en and sv for en, sv in diagram.ROLE_NAMES.values())


def test_the_toy_diagram_is_exactly_its_table():
    """An unnumbered toy regime: its arrows, from the start to the end."""
    text = diagram.mermaid(TOY)
    assert "  [*] --> open: submit · NPO\n" in text
    assert "  open --> weighed: weigh · Socialstyrelsen · nhv.max-five-units, " in text
    assert "  open --> closed: close · NHV board\n" in text
    assert "  closed --> [*]\n" in text
    assert "open_states" not in text
    assert text.endswith("\n") and not any(line != line.rstrip() for line in text.splitlines())


def test_drawing_leaves_the_shared_machine_alone():
    """The engine's machine keeps its one cursor model and gains no graph."""
    machine = NHV.machine
    models = list(machine.models)
    diagram.mermaid(NHV)
    assert machine.models == models and not hasattr(machine, "model_graphs")


def test_svg_without_graphviz_names_what_is_missing(monkeypatch):
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    with pytest.raises(diagram.DiagramUnavailable, match="'dot' program on PATH"):
        diagram.svg(NHV)


@pytest.mark.skipif(diagram.graphviz_missing() is not None, reason="Graphviz is not installed")
def test_svg_draws_the_toy_regime():
    """Graphviz draws the toy regime's arrows with their labels."""
    text = html.unescape(diagram.svg(TOY))  # Graphviz writes '-' as '&#45;'
    assert text.lstrip().startswith("<?xml") and "</svg>" in text
    assert "weigh · Socialstyrelsen" in text and "nhv.max-five-units" in text


@pytest.mark.skipif(diagram.graphviz_missing() is not None, reason="Graphviz is not installed")
def test_svg_puts_the_title_on_top_and_draws_exits_once():
    """The title is the topmost text; the Swedish states are in words; one
    withdraw arrow leaves the box of open states."""
    text = html.unescape(diagram.svg(NHV, lang="sv"))
    texts = [
        (float(y), t) for y, t in re.findall(r'<text[^>]* y="([-\d.]+)"[^>]*>([^<]*)</text>', text)
    ]
    top = min(texts)
    assert top[1] == "nhv: Nationell högspecialiserad vård (gällande rätt)"
    assert "tillstånd beviljade" in text and "Före beslut om NHV (steg 1–4)" in text
    assert text.count("withdraw · NPO") == 1
