"""Diagrams of the process definitions: Mermaid text and, where Graphviz is
installed, SVG, in English or Swedish.

Both are drawn from a :class:`~nhvflow.states.Process` table itself (never
from the shared machine the engine moves), for a reader:

- the title on top (Mermaid front matter; Graphviz ``labelloc="t"``);
- states in words from the table (``permitted`` is "permits granted",
  "tillstånd beviljade" in Swedish);
- every arrow labelled with the step's number in the process table (the
  eight steps of ``nhv``), its trigger, the role responsible in words and
  the ids of the rules that judge it::

      step 4: decide · Socialstyrelsen · nhv.advisory-requires-concentrated-care, ...

- exits open from several states alike (``withdraw`` and
  ``close_not_eligible`` from every state before the decision) drawn once,
  from a box around those states, rather than once per state.

The regime's responsible-party rule judges every step, so it is not repeated
on each arrow. Triggers that share an arrow are joined with ``|``.

>>> from nhvflow.states import NHV
>>> text = mermaid(NHV)
>>> "decided --> board_preparation: step 6: prepare_board · Socialstyrelsen" in text
True

.. versionadded:: 0.1
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Sequence
from typing import Any, Literal

from nhvflow.errors import NhvflowError
from nhvflow.model import Role
from nhvflow.states import Process, Transition

__all__ = [
    "ROLE_NAMES",
    "DiagramUnavailable",
    "Format",
    "Lang",
    "edge_label",
    "graphviz_missing",
    "mermaid",
    "role_name",
    "svg",
]

Format = Literal["mermaid", "svg"]
"""The formats `nhvflow diagram` draws."""
Lang = Literal["en", "sv"]
"""The languages a diagram is drawn in."""

SEPARATOR = " · "
"""Between the step, the role and the rule ids of an arrow's label."""

ROLE_NAMES: dict[Role, tuple[str, str]] = {
    Role.NPO: ("NPO", "NPO"),
    Role.SOCIALSTYRELSEN: ("Socialstyrelsen", "Socialstyrelsen"),
    Role.EXPERT_GROUP: ("expert group", "sakkunniggrupp"),
    Role.REGION: ("region", "region"),
    Role.BOARD: ("NHV board", "NHV-nämnden"),
    Role.HEALTH_ENTERPRISE: ("regional health enterprise", "regionalt hälsoföretag"),
    Role.DIRECTORATE: ("Helsedirektoratet", "Helsedirektoratet"),
    Role.MINISTRY: ("the ministry", "departementet"),
    Role.PROVIDER: ("healthcare provider", "vårdgivare"),
    Role.MEMBER_STATE: ("Member State", "medlemsstat"),
    Role.COMMISSION: ("European Commission", "Europeiska kommissionen"),
    Role.COORDINATOR: ("network coordinator", "nätverkets koordinator"),
    Role.ASSESSMENT_BODY: ("assessment body", "bedömningsorgan"),
    Role.ERN_BOARD: ("Board of Member States", "medlemsstaternas styrelse"),
}
"""Every role in words, (English, Swedish), as the diagrams name them."""

_MIN_GROUP = 3
"""A step open from at least this many states is drawn once, from a box around them."""


class DiagramUnavailable(NhvflowError):
    """A diagram format was asked for whose tools are not installed (SVG
    needs Graphviz); the message says what to install.

    .. versionadded:: 0.1
    """


def _check_lang(lang: object) -> Lang:
    if lang == "en" or lang == "sv":
        return lang
    raise ValueError(f"lang must be 'en' or 'sv' (got {lang!r})")


def role_name(role: Role, lang: Lang = "en") -> str:
    """A role in words (``Role.BOARD``: "NHV board", "NHV-nämnden")."""
    en, sv = ROLE_NAMES.get(role, (role.value, role.value))
    return sv if lang == "sv" else en


def edge_label(transition: Transition, *, lang: Lang = "en", rules_sep: str = SEPARATOR) -> str:
    """The label of a transition's arrow: its step number in the process
    table (when it has one), its trigger, the responsible role in words and
    the ids of its rules (the regime's responsible-party rule, which judges
    every step, left out); ``rules_sep`` goes before the rule ids."""
    step = ""
    if transition.step:
        step = f"{'steg' if lang == 'sv' else 'step'} {transition.step}: "
    label = f"{step}{transition.trigger}{SEPARATOR}{role_name(transition.responsible.role, lang)}"
    if transition.rules:
        label += rules_sep + ", ".join(r.id for r in transition.rules)
    return label


def _state_words(process: Process, name: str, lang: Lang) -> str:
    state = process.states[name]
    return (state.sv if lang == "sv" else state.en) or name


def _title(process: Process, lang: Lang) -> str:
    return f"{process.name}: {process.title_sv if lang == 'sv' else process.title_en}"


def _group(process: Process) -> tuple[str, ...]:
    """The states from which the most steps are open alike (each of those
    steps open from at least :data:`_MIN_GROUP` states), in table order; ``()``
    when no step is."""
    shared: dict[tuple[str, ...], int] = {}
    for t in process.transitions.values():
        if len(t.source) >= _MIN_GROUP:
            key = tuple(s for s in process.states if s in t.source)
            shared[key] = shared.get(key, 0) + 1
    if not shared:
        return ()
    return max(shared, key=lambda k: (shared[k], len(k)))


def _group_label(process: Process, group: Sequence[str], lang: Lang) -> str:
    inside = set(group)
    steps = sorted(
        {int(t.step) for t in process.transitions.values()
         if t.step.isdigit() and (t.creates or set(t.source) <= inside)}
    )  # fmt: skip
    if lang == "sv":
        head = "Före beslut om NHV" if process.name == "nhv" else "I vart och ett av dessa lägen"
        word = "steg"
    else:
        head = "Before the decision on NHV" if process.name == "nhv" else "In any of these states"
        word = "steps"
    if len(steps) > 1:
        return f"{head} ({word} {steps[0]}–{steps[-1]})"
    return head


_GROUP_ID = "open_states"


def _arrows(
    process: Process, group: Sequence[str], lang: Lang, rules_sep: str
) -> list[tuple[str, str, list[str]]]:
    """(source, dest, labels) of every arrow: a step open from every state of
    ``group`` is one arrow from the group; arrows between one pair of states
    share their labels. The creating step comes from ``[*]``."""
    found: dict[tuple[str, str], list[str]] = {}
    grouped = set(group)
    for t in process.transitions.values():
        label = edge_label(t, lang=lang, rules_sep=rules_sep)
        if t.creates:
            sources: Sequence[str] = ("[*]",)
        elif group and set(t.source) == grouped:
            sources = (_GROUP_ID,)
        else:
            sources = t.source
        for source in sources:
            dest = t.dest if source in ("[*]", _GROUP_ID) else t.dest_from(source)
            found.setdefault((source, dest), []).append(label)
    return [(s, d, labels) for (s, d), labels in found.items()]


def mermaid(process: Process, *, lang: Lang = "en") -> str:
    """The Mermaid ``stateDiagram-v2`` text of a process, ending in a newline,
    in English or (``lang="sv"``) Swedish: the title as front matter (drawn
    on top), states in words, numbered steps, roles in words, and steps open
    from several states drawn once from a box around them.

    .. versionadded:: 0.1
    """
    lang = _check_lang(lang)
    group = _group(process)
    lines = [
        "---",
        f"title: {json.dumps(_title(process, lang), ensure_ascii=False)}",
        "---",
        "stateDiagram-v2",
        "  direction TB",
    ]
    for name in process.states:
        words = json.dumps(_state_words(process, name, lang), ensure_ascii=False)
        if name not in group:
            lines.append(f"  state {words} as {name}")
            continue
        if name == group[0]:
            label = json.dumps(_group_label(process, group, lang), ensure_ascii=False)
            lines.append(f"  state {label} as {_GROUP_ID} {{")
        lines.append(f"    state {words} as {name}")
        if name == group[-1]:
            lines.append("  }")
    for source, dest, labels in _arrows(process, group, lang, SEPARATOR):
        lines.append(f"  {source} --> {dest}: {' | '.join(labels)}")
    lines += [f"  {s.name} --> [*]" for s in process.states.values() if s.final]
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


def svg(process: Process, *, lang: Lang = "en") -> str:
    """The SVG drawing of a process through Graphviz, as :func:`mermaid`
    draws it: title on top, states in words, numbered steps, shared exits once.

    Raises :class:`DiagramUnavailable` (saying what to install) when the
    graphviz package or Graphviz's ``dot`` is missing.

    .. versionadded:: 0.1
    """
    lang = _check_lang(lang)
    problem = graphviz_missing()
    if problem is not None:
        raise DiagramUnavailable(problem)
    import graphviz  # type: ignore[import-untyped]  # untyped; only the Digraph calls below

    group = _group(process)
    graph: Any = graphviz.Digraph(
        name=process.name,
        graph_attr={
            "label": _title(process, lang),
            "labelloc": "t",
            "fontsize": "16",
            "fontname": "Helvetica",
            "rankdir": "TB",
            "compound": "true",
        },
        node_attr={"shape": "box", "style": "rounded", "fontname": "Helvetica"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10"},
    )
    start = "nhvflow_start"
    graph.node(start, label="", shape="point", width="0.15")
    for state in process.states.values():
        if state.name not in group:
            extra = {"peripheries": "2"} if state.final else {}
            graph.node(state.name, label=_state_words(process, state.name, lang), **extra)
    if group:
        with graph.subgraph(name=f"cluster_{_GROUP_ID}") as box:
            box.attr(label=_group_label(process, group, lang), style="dashed", labeljust="l")
            for name in group:
                box.node(name, label=_state_words(process, name, lang))
    for source, dest, labels in _arrows(process, group, lang, "\n"):
        label = "\n".join(labels)
        if source == "[*]":
            graph.edge(start, dest, label=label)
        elif source == _GROUP_ID:
            graph.edge(group[-1], dest, label=label, ltail=f"cluster_{_GROUP_ID}")
        else:
            graph.edge(source, dest, label=label)
    try:
        drawn: bytes = graph.pipe(format="svg")
    except Exception as exc:  # graphviz.ExecutableNotFound, CalledProcessError
        raise DiagramUnavailable(f"Graphviz could not draw the diagram: {exc}") from exc
    return drawn.decode("utf-8")
