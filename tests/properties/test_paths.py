"""Shortest paths (``nhvflow.testing.paths``): derived from each regime's
process table, they reach every state and (nearly) every rule outcome, and
each one, played on a fresh registry, gets where it says."""

from __future__ import annotations

import attrs
import pytest

import nhvflow
from nhvflow.rules.ern import endorsement
from nhvflow.rules.nhv import max_five_units
from nhvflow.states import ERN, NHV, builtin_processes
from nhvflow.testing import PathNotReached, Target, coverage, paths, replace_rule

REGIMES = ("nhv", "kc-proposal", "no-competence-service", "ern-membership")


@pytest.mark.parametrize("regime", REGIMES)
def test_every_path_of_every_regime_reaches_its_target_on_a_fresh_registry(regime):
    """Each path, played on a registry of its own, ends where its target says."""
    found = paths(regime)
    assert found
    for path in found:
        with nhvflow.open() as reg:
            case = path.play(reg)
        if path.target.kind == "state":
            assert case is not None and case.state == path.target.state, path.describe()
        assert path.steps[0].trigger == "submit"


@pytest.mark.parametrize("regime", REGIMES)
def test_the_paths_reach_every_state_and_every_passed_outcome(regime):
    """Coverage counts every state and every rule's passed outcome as reached."""
    covered = coverage(regime)
    reached, total = covered.states
    assert reached == total == len(builtin_processes()[regime].states)
    assert not [t for t in covered.uncovered if t.outcome == "passed"]
    assert str(covered).startswith(f"{regime}: {total} of {total} states")


def test_the_central_rule_is_reached_refused_and_a_failed_path_ends_with_the_refusal():
    """The advisory rule's failed outcome at `decide` ends with a refused decide."""
    [path] = [
        p for p in paths("nhv") if p.id == "nhv.advisory-requires-concentrated-care-failed-decide"
    ]
    assert path.expects_refusal and path.steps[-1].trigger == "decide"
    assert [s.trigger for s in path.steps[:-1]][-1] == "close_consultation"
    with nhvflow.open() as reg:
        case = path.play(reg)
    assert case is not None and case.state == "prepared"


def test_a_rule_no_payload_breaks_is_reported_as_not_covered():
    """With a rule that allows everything, its failed outcome is honestly not covered."""
    lenient = attrs.evolve(endorsement, check=lambda step: iter(()))
    variant = replace_rule(ERN, lenient)
    covered = coverage(variant)
    assert Target.of_rule("ern.endorsement", "failed", "endorse") in covered.uncovered
    assert Target.of_rule("ern.endorsement", "passed", "endorse") not in covered.uncovered


def test_a_path_played_where_the_rule_does_not_refuse_says_so():
    """Played on a registry whose rule lets the step through, a failed-outcome path raises."""
    [path] = [p for p in paths("nhv") if p.id == "nhv.max-five-units-failed-decide"]
    lenient = attrs.evolve(max_five_units, check=lambda step: iter(()))
    with (
        nhvflow.open(processes=[replace_rule(NHV, lenient)]) as reg,
        pytest.raises(PathNotReached, match="accepted"),
    ):
        path.play(reg)


def test_paths_serialise_for_machines_and_print_for_people():
    """A path has an id for test parameters, JSON and a readable description."""
    path = paths("ern-membership")[0]
    assert path.id == "state-applied" and path.to_json()["target"] == {
        "kind": "state",
        "state": "applied",
    }
    assert path.describe().splitlines()[1].startswith("  1. submit by provider")
    with pytest.raises(ValueError, match="unknown process"):
        paths("no-such-regime")
