"""A Scenario is built in Python or from TOML, and a bad value is refused
with an error that names the field."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from nhvflow.simulate import (
    DEFAULT_AREAS,
    Fixed,
    LogNormal,
    ProgrammeArea,
    Scenario,
    ScenarioError,
    Triangular,
)

TOML = """
proposals = 300
mapping_completed = "never"
advisory_only_share = 0.25

[[programme_areas]]
name = "Reumatiska sjukdomar"
weight = 2.0

[[programme_areas]]
name = "Nervsystemets sjukdomar"
pilot = true
titles = ["Ryggmärgsskadevård"]

[durations]
basis = { kind = "lognormal", median = 200, sigma = 0.5 }
consultation = 60

[outcomes]
recommends_nhv = 0.7
units = { 1 = 1.0, 6 = 1.0 }

[regions]
GOTLAND = 0.0
"""


def test_the_defaults_follow_the_seeds():
    """250 proposals from the two pilot areas, Psykisk Hälsa, sixteen others and Reumatiska."""
    s = Scenario()
    assert s.proposals == 250 and s.process == "nhv"
    pilots = {a.name for a in s.programme_areas if a.pilot}
    assert pilots == {"Kvinnosjukdomar och förlossning", "Nervsystemets sjukdomar"}
    names = {a.name for a in DEFAULT_AREAS}
    assert {"Psykisk Hälsa", "Reumatiska sjukdomar", "Nära vård"} <= names
    assert len(DEFAULT_AREAS) == 20


def test_a_toml_file_overrides_only_what_it_names(tmp_path):
    """Missing fields keep their defaults; tables merge with the default tables."""
    path = tmp_path / "s.toml"
    path.write_text(TOML, encoding="utf-8")
    s = Scenario.from_toml(path)
    assert s.proposals == 300 and s.mapping_completed is None
    assert [a.name for a in s.programme_areas] == [
        "Reumatiska sjukdomar",
        "Nervsystemets sjukdomar",
    ]
    assert s.programme_areas[1] == ProgrammeArea(
        "Nervsystemets sjukdomar", pilot=True, titles=("Ryggmärgsskadevård",)
    )
    assert s.durations.basis == LogNormal(200, 0.5)
    assert s.durations.consultation == Fixed(60)
    assert s.durations.appoint == Scenario().durations.appoint
    assert s.outcomes.recommends_nhv == 0.7 and s.outcomes.units == {1: 1.0, 6: 1.0}
    assert s.regions["GOTLAND"] == 0.0 and s.regions["SKANE"] == 6.0


def test_a_scenario_survives_a_round_trip_through_its_dict():
    """from_dict(to_dict()) gives the same scenario."""
    s = attrs.evolve(Scenario(), proposals=17, mapping_completed=date(2021, 1, 4))
    assert Scenario.from_dict(s.to_dict()) == s


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"outcomes": {"recommends_nhv": 1.5}}, "outcomes.recommends_nhv"),
        ({"durations": {"basis": {"kind": "lognormal", "median": 3}}}, "durations.basis.sigma"),
        ({"durations": {"basis": {"kind": "gamma"}}}, "durations.basis.kind"),
        ({"durations": {"basis": {"kind": "triangular", "low": 9, "mode": 1, "high": 20}}},
         "durations.basis.mode"),
        ({"durations": {"basis": "slow"}}, "durations.basis"),
        ({"proposals": 0}, "proposals"),
        ({"proposals": "many"}, "proposals"),
        ({"colour": "blue"}, "colour"),
        ({"outcomes": {"colour": 1}}, "outcomes.colour"),
        ({"regions": {"ATLANTIS": 1}}, "regions.ATLANTIS"),
        ({"outcomes": {"units": {"12": 1}}}, "outcomes.units.12"),
        ({"outcomes": {"board_rounds": 0}}, "outcomes.board_rounds"),
        ({"programme_areas": [{"weight": 1}]}, "programme_areas[0].name"),
        ({"programme_areas": [{"name": "X", "weight": -1}]}, "programme_areas[0].weight"),
        ({"process": "ern-membership"}, "process"),
        ({"mapping_completed": "soon"}, "mapping_completed"),
        ({"start": "2017-01-01"}, "start"),
        ({"advisory_only_share": 0.8, "advisory_with_care_share": 0.5}, "advisory_with_care_share"),
    ],
)  # fmt: skip
def test_a_bad_value_is_refused_naming_its_field(data, field):
    """The error's field is the dotted path of the bad value, and the message says it."""
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data)
    assert caught.value.field == field
    assert repr(field) in str(caught.value)


def test_a_file_that_is_not_toml_is_refused_as_such(tmp_path):
    """Broken TOML is a ScenarioError on the field 'file', with the parser's reason."""
    path = tmp_path / "bad.toml"
    path.write_text("proposals = = 3", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML") as caught:
        Scenario.from_toml(path)
    assert caught.value.field == "file"


def test_distributions_draw_whole_days_within_their_bounds():
    """Triangular stays within its bounds; Fixed is fixed; LogNormal is positive."""
    import random

    rng = random.Random(1)
    tri = Triangular(10, 20, 40)
    draws = [tri.draw(rng) for _ in range(500)]
    assert min(draws) >= 10 and max(draws) <= 40
    assert {Fixed(7).draw(rng) for _ in range(10)} == {7}
    assert all(LogNormal(30, 0.4).draw(rng) >= 0 for _ in range(100))
