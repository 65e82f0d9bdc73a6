"""The words of the simulation's output: every regime's assumptions can be
listed in both languages, and the Swedish words cover what the report says."""

from __future__ import annotations

import attrs
import pytest

from nhvflow.simulate import SIMULATED_PROCESSES, Scenario, regime_steps
from nhvflow.simulate._words import assumptions, state_words, word


@pytest.mark.parametrize("process", SIMULATED_PROCESSES)
@pytest.mark.parametrize("lang", ["en", "sv"])
def test_every_regime_lists_its_assumptions(process, lang):
    """Each regime's assumptions name its population and at least one
    duration and one probability, each row a label and a value."""
    rows = assumptions(Scenario(process=process), 2, lang)
    labels = [label for label, _ in rows]
    assert len(labels) == len(set(labels)) > 10
    assert all(label and value for label, value in rows)
    days = "dagar" if lang == "sv" else "days"
    assert any(label.startswith(days) for label in labels)
    assert any(value.endswith("\u00a0%") for _, value in rows)


def test_the_assumptions_follow_the_scenario():
    """A changed parameter shows in the list (never a hard-coded default)."""
    scenario = attrs.evolve(Scenario(), proposals=77, mapping_completed=None)
    rows = dict(assumptions(scenario, 1, "en"))
    assert rows["proposals per replication"] == "77"
    assert rows["overall mapping completed"] == "never"
    assert dict(assumptions(scenario, 1, "sv"))["övergripande kartläggning klar"] == "aldrig"


@pytest.mark.parametrize("process", SIMULATED_PROCESSES)
def test_every_step_and_final_state_has_swedish_words(process):
    """The regimes' step labels and states exist in Swedish, different from the English."""
    steps = regime_steps(process)
    for step in steps.keys:
        assert steps.label(step, "sv") != steps.label(step, "en")
    for state in ("permitted", "established", "active", "refused"):
        words = state_words(process, state, "sv")
        assert words != state_words(process, state, "en") or words == state


def test_an_unknown_phrase_stays_as_it_is():
    """A phrase without a translation is shown in English rather than lost."""
    assert word("no such phrase", "sv") == "no such phrase"
    assert word("Final states", "sv") == "Slutlägen"
