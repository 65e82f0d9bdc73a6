"""Process definitions, one per regime, as declarative tables.

:func:`builtin_processes` returns the regimes nhvflow ships; a registry can be
opened with more (``nhvflow.open(..., processes=[...])``).

.. versionadded:: 0.1
"""

from __future__ import annotations

from nhvflow.states._process import DefinitionError, Prepare, Process, State, Transition
from nhvflow.states.nhv import NHV

__all__ = [
    "NHV",
    "DefinitionError",
    "Prepare",
    "Process",
    "State",
    "Transition",
    "builtin_processes",
]


def builtin_processes() -> dict[str, Process]:
    """The regimes nhvflow ships, by name."""
    return {p.name: p for p in (NHV,)}
