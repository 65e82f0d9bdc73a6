"""Diagrams of the process definitions: Mermaid text and, where Graphviz is
installed, SVG.

Both come from a separate, definition-only
``transitions.extensions.diagrams.GraphMachine`` built from a
:class:`~nhvflow.states.Process` table (never the shared machine the engine
moves): Mermaid through transitions' own Mermaid engine, which needs no
Graphviz, and SVG through its Graphviz engine. Every arrow is labelled with
its trigger, the role responsible and the ids of the rules that judge it::

    decide · SOCIALSTYRELSEN · nhv.advisory-requires-concentrated-care, ...

The regime's responsible-party rule judges every step, so it is not repeated
on each arrow. Triggers that share an arrow are joined with ``|``.

>>> from nhvflow.states import NHV
>>> text = mermaid(NHV)
>>> "decided --> board_preparation: prepare_board · SOCIALSTYRELSEN" in text
True

.. versionadded:: 0.1
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from typing import Any, Literal

from transitions.extensions.diagrams import GraphMachine

from nhvflow.errors import NhvflowError
from nhvflow.states import Process, Transition

__all__ = [
    "DiagramUnavailable",
    "Format",
    "edge_label",
    "graphviz_missing",
    "mermaid",
    "svg",
]

Format = Literal["mermaid", "svg"]
"""The formats `nhvflow diagram` draws."""

SEPARATOR = " · "
"""Between the trigger, the role and the rule ids of an arrow's label."""


class DiagramUnavailable(NhvflowError):
    """A diagram format was asked for whose tools are not installed (SVG
    needs Graphviz); the message says what to install.

    .. versionadded:: 0.1
    """


class _DefinitionMachine(GraphMachine):
    """A GraphMachine laid out top to bottom (a long process reads better
    down a page than across it)."""

    machine_attributes = {  # noqa: RUF012 - transitions reads it from the class
        **GraphMachine.machine_attributes,
        "rankdir": "TB",
    }


def edge_label(transition: Transition, *, rules_sep: str = SEPARATOR) -> str:
    """The label of a transition's arrow: its trigger, the responsible role
    and the ids of its rules (the regime's responsible-party rule, which
    judges every step, left out); ``rules_sep`` goes before the rule ids."""
    label = f"{transition.trigger}{SEPARATOR}{transition.responsible.role.name}"
    if transition.rules:
        label += rules_sep + ", ".join(r.id for r in transition.rules)
    return label


def _machine(process: Process, engine: Literal["mermaid", "graphviz"]) -> _DefinitionMachine:
    """A definition-only machine of ``process`` (no model: nothing moves it)."""
    # Graphviz breaks a line at '\n'; Mermaid's labels stay on one line.
    rules_sep = "\\n" if engine == "graphviz" else SEPARATOR
    return _DefinitionMachine(
        model=None,
        states=[{"name": s.name, "final": s.final} for s in process.states.values()],
        transitions=[
            {
                "trigger": t.trigger,
                "source": source,
                "dest": dest,
                "label": edge_label(t, rules_sep=rules_sep),
            }
            for t in process.transitions.values()
            if not t.creates
            for source, dest in t.moves
        ],
        initial=process.initial,
        auto_transitions=False,
        graph_engine=engine,
        name=process.name,
    )


def _title(process: Process) -> str:
    return f"{process.name}: {process.title_en}"


def mermaid(process: Process) -> str:
    """The Mermaid ``stateDiagram-v2`` text of a process, ending in a newline.

    Drawn by transitions' Mermaid engine; two things it does not draw are
    added to its output: the label of the step that creates a case (on the
    arrow from the start, ``[*]``) and the arrows from final states to the
    end.
    """
    machine = _machine(process, "mermaid")
    # The engine writes the title between '---' lines as is: make it YAML front matter.
    front_matter = f"title: {json.dumps(_title(process), ensure_ascii=False)}"
    graph: Any = machine.graph_cls(machine).get_graph(title=front_matter)
    source: str = graph.source  # the Mermaid engine's graph carries its text
    start = f"[*] --> {process.initial}"
    lines = []
    for line in source.splitlines():
        line = line.rstrip()
        if line.strip() == start:
            line = f"{line}: {edge_label(process.creation)}"
        if line:
            lines.append(line)
    indent = "  "
    lines += [f"{indent}{s.name} --> [*]" for s in process.states.values() if s.final]
    return "\n".join(lines) + "\n"


def graphviz_missing() -> str | None:
    """``None`` when SVG can be drawn here; otherwise what to install."""
    missing = []
    if importlib.util.find_spec("graphviz") is None:
        missing.append("the graphviz Python package (pip install 'nhvflow[svg]')")
    if shutil.which("dot") is None:
        missing.append(
            "Graphviz's 'dot' program on PATH (Debian/Ubuntu: apt-get install graphviz; "
            "macOS: brew install graphviz)"
        )
    if not missing:
        return None
    return (
        f"SVG diagrams need Graphviz: install {' and '.join(missing)}, "
        "or use --format mermaid (no Graphviz needed)."
    )


def svg(process: Process) -> str:
    """The SVG drawing of a process, through transitions' Graphviz engine.

    Raises :class:`DiagramUnavailable` (saying what to install) when the
    graphviz package or Graphviz's ``dot`` is missing.
    """
    problem = graphviz_missing()
    if problem is not None:
        raise DiagramUnavailable(problem)
    machine = _machine(process, "graphviz")
    graph: Any = machine.graph_cls(machine).get_graph(title=_title(process))
    start = "nhvflow_start"
    graph.node(start, label="", shape="point", width="0.15")
    graph.edge(start, process.initial, label=edge_label(process.creation, rules_sep="\\n"))
    for state in process.states.values():
        if state.final:
            graph.node(state.name, peripheries="2")
    try:
        drawn: bytes = graph.pipe(format="svg")
    except Exception as exc:  # graphviz.ExecutableNotFound, CalledProcessError
        raise DiagramUnavailable(f"Graphviz could not draw the diagram: {exc}") from exc
    return drawn.decode("utf-8")
