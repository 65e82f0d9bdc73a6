"""Property-based testing of process rules: hypothesis strategies for the
values and steps of the NHV process and the other built-in regimes, and
:class:`ProcessStateMachine`, a hypothesis state machine that throws
random step sequences at a real registry and checks the law after every
step.

This module needs hypothesis (``pip install 'nhvflow[testing]'``); the rest
of nhvflow does not. Importing it configures nothing.

Strategies:

- :func:`regions`, :func:`actors` (any role, or ``role=`` and its scope),
  :func:`experts`, :func:`expert_groups` (lawful groups, or groups that
  break exactly one criterion), :func:`proposals` (keyword arguments for
  :meth:`~nhvflow.Registry.submit`), :func:`care_measures`, :func:`texts`;
- :func:`steps` (a :class:`StepDraw`: trigger, actor and payload, valid or
  not, for a case's current state).

A property of your own::

    from hypothesis import given

    import nhvflow
    from nhvflow import Actor
    from nhvflow.testing import expert_groups, proposals


    @given(proposals(pilot=True), expert_groups())
    def test_lawful_groups_are_appointed(proposal, group):
        with nhvflow.open() as reg:
            npo = Actor.npo(proposal["programme_area"])
            case = reg.submit(npo, **proposal)
            sos = Actor.socialstyrelsen()
            assert reg.check(case.id, "appoint_expert_group", sos, experts=group) == []

The whole process, with your own invariant (see ``docs/testing.md``)::

    from hypothesis.stateful import invariant
    from nhvflow.testing import ProcessStateMachine


    class MyProcess(ProcessStateMachine):
        @invariant()
        def no_case_has_more_than_one_decision(self) -> None:
            for case in self.reg.cases():
                decided = [e for e in self.reg.history(case.id) if e.type == "NhvDecided"]
                assert len(decided) <= 1


    TestMyProcess = MyProcess.TestCase

The machine drives ``"nhv"`` by default; set
:attr:`ProcessStateMachine.regime` to ``"kc-proposal"``,
``"no-competence-service"`` or ``"ern-membership"`` to run another built-in
regime, with its own submissions, steps and invariants (:func:`steps`
draws payloads for every built-in regime).

Shortest paths: :func:`paths` derives from a process definition the
shortest step sequence to every state and to every rule's passed and failed
outcome at each step that consults it; each :class:`Path` plays on a
registry and checks that it gets there (:func:`coverage` says what no path
reaches)::

    import nhvflow
    import pytest
    from nhvflow.testing import paths


    @pytest.mark.parametrize("path", paths("nhv"), ids=lambda p: p.id)
    def test_every_state_and_rule_outcome_is_reached(path):
        with nhvflow.open() as reg:
            path.play(reg)

To see that a test has teeth, run it against a deliberately broken rule:
:func:`replace_rule` gives a copy of a process with one rule swapped, to
pass as :attr:`ProcessStateMachine.processes`.

.. versionadded:: 0.1
"""

from __future__ import annotations

try:
    import hypothesis as _hypothesis  # noqa: F401  (checked first, for a clear message)
except ImportError as exc:  # pragma: no cover - the test suite has hypothesis
    raise ImportError(
        "nhvflow.testing needs hypothesis; install it with: pip install 'nhvflow[testing]'"
    ) from exc

from nhvflow.testing._machine import InvariantViolated, ProcessStateMachine, StepOutcome
from nhvflow.testing._pathfinder import coverage, paths
from nhvflow.testing._paths import Coverage, Path, PathNotReached, PathStep, Target
from nhvflow.testing._steps import Intent, StepDraw, steps
from nhvflow.testing._values import (
    CARE_AREAS,
    CRITERIA,
    PROFESSIONS,
    PROGRAMME_AREAS,
    actors,
    care_measures,
    expert_groups,
    experts,
    proposals,
    regions,
    texts,
)
from nhvflow.testing._variants import replace_rule

__all__ = [
    "CARE_AREAS",
    "CRITERIA",
    "PROFESSIONS",
    "PROGRAMME_AREAS",
    "Coverage",
    "Intent",
    "InvariantViolated",
    "Path",
    "PathNotReached",
    "PathStep",
    "ProcessStateMachine",
    "StepDraw",
    "StepOutcome",
    "Target",
    "actors",
    "care_measures",
    "coverage",
    "expert_groups",
    "experts",
    "paths",
    "proposals",
    "regions",
    "replace_rule",
    "steps",
    "texts",
]
