"""Time limits as data: a regime's deadlines are checked with its table and
fall due on the anniversary of what started them."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from nhvflow import DefinitionError, Role
from nhvflow.states import NHV, NORWAY, Process
from nhvflow.states._deadline import Deadline, anniversary


def _copy(process: Process, deadlines: tuple[Deadline, ...]) -> Process:
    return Process(
        name=process.name,
        title_en=process.title_en,
        title_sv=process.title_sv,
        states=list(process.states.values()),
        transitions=list(process.transitions.values()),
        authority=process.authority,
        deadlines=deadlines,
    )


def test_each_built_in_deadline_names_a_step_and_states_of_its_table_and_a_source():
    """Every declared deadline has a trigger of its table, states, a citation and a kind."""
    for process in (NHV, NORWAY):
        assert process.deadlines
        for d in process.deadlines:
            assert d.trigger in process.transitions and set(d.states) <= set(process.states)
            assert d.citation and d.kind in ("law", "regulation", "practice")
    assert [d.id for d in NHV.deadlines] == ["nhv.applications-due", "nhv.follow-up-yearly"]


def test_a_deadline_naming_a_step_the_table_lacks_is_refused_when_built():
    """A Process whose deadline names an unknown trigger raises DefinitionError."""
    wrong = attrs.evolve(NHV.deadlines[0], trigger="apply_twice")
    with pytest.raises(DefinitionError, match=r"nhv\.applications-due.*apply_twice"):
        _copy(NHV, (wrong,))
    assert _copy(NHV, NHV.deadlines).deadlines == NHV.deadlines


def test_a_yearly_duty_falls_due_on_its_anniversary_and_a_leap_day_on_28_february():
    """The anniversary keeps month and day; 29 February becomes 28 February in a common year."""
    assert anniversary(date(2024, 8, 9), 2025) == date(2025, 8, 9)
    assert anniversary(date(2024, 2, 29), 2025) == date(2025, 2, 28)
    assert NHV.deadlines[1].role is Role.REGION
