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
def test_every_transition_is_an_arrow_labelled_with_trigger_role_and_rules(process):
    drawn = arrows(diagram.mermaid(process))
    for t in process.transitions.values():
        sources = t.source or ("[*]",)
        for source in sources:
            labels = drawn[(source, t.dest_from(source))]
            expected = " · ".join(
                [t.trigger, t.responsible.role.name]
                + ([", ".join(rule.id for rule in t.rules)] if t.rules else [])
            )
            assert expected in labels, (source, t.dest_from(source), labels)


@pytest.mark.parametrize("process", [*builtin_processes().values(), TOY], ids=lambda p: p.name)
def test_every_state_is_drawn_and_final_states_end(process):
    text = diagram.mermaid(process)
    assert text.startswith(f'---\ntitle: "{process.name}: {process.title_en}"\n---\n')
    assert "stateDiagram-v2" in text
    for state in process.states.values():
        assert f'state "{state.name}" as {state.name}' in text
        assert ((state.name, "[*]") in arrows(text)) is state.final


def test_the_toy_diagram_is_exactly_the_engines_text_with_start_and_ends():
    text = diagram.mermaid(TOY)
    assert "  [*] --> open: submit · NPO\n" in text
    assert "  open --> weighed: weigh · SOCIALSTYRELSEN · nhv.max-five-units, " in text
    assert "  closed --> [*]\n" in text
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
    text = html.unescape(diagram.svg(TOY))  # Graphviz writes '-' as '&#45;'
    assert text.lstrip().startswith("<?xml") and "</svg>" in text
    assert "weigh · SOCIALSTYRELSEN" in text and "nhv.max-five-units" in text
