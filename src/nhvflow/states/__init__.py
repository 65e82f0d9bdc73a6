"""Process definitions, one per regime, as declarative tables.

:func:`builtin_processes` returns the regimes nhvflow ships (``nhv``,
``kc-proposal``, ``no-competence-service``, ``ern-membership``); a registry can be
opened with more (``nhvflow.open(..., processes=[...])``).

.. versionadded:: 0.1
"""

from __future__ import annotations

from nhvflow.states._process import DefinitionError, Prepare, Process, State, Table, Transition
from nhvflow.states.ern import ERN
from nhvflow.states.kc import KC
from nhvflow.states.nhv import NHV
from nhvflow.states.norway import NORWAY

__all__ = [
    "ERN",
    "KC",
    "NHV",
    "NORWAY",
    "DefinitionError",
    "Prepare",
    "Process",
    "State",
    "Table",
    "Transition",
    "builtin_processes",
]


def builtin_processes() -> dict[str, Process]:
    """The regimes nhvflow ships, by name: ``"nhv"`` (the law in force),
    ``"kc-proposal"`` (the proposed competence-centre system),
    ``"no-competence-service"`` (Norway's national competence services) and
    ``"ern-membership"`` (European Reference Networks)."""
    return {p.name: p for p in (NHV, KC, NORWAY, ERN)}
