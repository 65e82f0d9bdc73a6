"""A SimulationResult holds counts, percentiles and permits per healthcare
region, merges replications, and renders as JSON and rich tables."""

from __future__ import annotations

import itertools
import json

import pytest
from rich.console import Console

import nhvflow
from nhvflow.simulate import STEPS, SimulationResult, percentile, render_table, run

from .conftest import small


@pytest.fixture(scope="module", name="result")
def _result() -> SimulationResult:
    return run(small(proposals=80), seed=31)


def test_percentiles_are_nearest_rank():
    """The median of 1..10 is 5 and the 90th percentile 9; an empty histogram has none."""
    histogram = dict.fromkeys(range(1, 11), 1)
    assert percentile(histogram, 0.5) == 5
    assert percentile(histogram, 0.9) == 9
    assert percentile({3: 4}, 0.9) == 3
    assert percentile({}, 0.5) is None


def test_every_proposal_ends_in_exactly_one_final_state(result):
    """Final states, by kind and in all, add up to the proposals."""
    assert sum(result.final_states.values()) == result.proposals == 80
    by_kind = sum(sum(v.values()) for v in result.final_states_by_kind.values())
    assert by_kind == result.proposals
    assert result.funnel["1"] == result.proposals
    assert all(result.funnel[a] >= result.funnel[b] for a, b in itertools.pairwise(STEPS[1:7]))


def test_days_per_step_and_end_to_end_have_medians_below_their_90th_percentiles(result):
    """Each step's median is at most its 90th percentile, over the cases that took it."""
    for step in STEPS[1:]:
        figures = result.days(step)
        assert figures.n == result.funnel[step]
        if figures.n:
            assert 0 <= figures.median <= figures.p90
    settled = sum(
        result.final_states.get(s, 0)
        for s in ("permitted", "rejected", "not_eligible", "withdrawn")
    )
    assert result.end_to_end.n == settled
    with pytest.raises(KeyError):
        result.days(9)


def test_permits_are_counted_per_healthcare_region_with_halland_in_two(result):
    """Permits per healthcare region add up to the permits, Halland's counted twice."""
    by_region = result.permits_by_region
    total = sum(result.permits_by_healthcare_region.values())
    assert total == result.permits + by_region["HALLAND"]
    assert result.permits > 0
    assert sum(result.coverage.values()) == result.final_states.get("permitted", 0)


def test_merging_replications_adds_their_counts(result):
    """Two copies of a result merge into doubled counts and the same percentiles."""
    twice = SimulationResult.merge([result, result])
    assert twice.proposals == 2 * result.proposals
    assert twice.refusals == {r: 2 * n for r, n in result.refusals.items()}
    assert twice.days("2").median == result.days("2").median
    assert twice.seeds == result.seeds * 2
    other = run(small(proposals=10), seed=1)
    with pytest.raises(ValueError, match="one scenario"):
        SimulationResult.merge([result, other])


def test_the_json_holds_every_figure_and_the_scenario(result):
    """The JSON parses and says states, refusals per rule, days and permits."""
    data = json.loads(result.to_json())
    assert data["final_states"] == result.final_states
    assert data["refusals"] == result.refusals
    assert data["days"]["2"] == {"n": result.days("2").n, "median": result.days("2").median,
                                 "p90": result.days("2").p90}  # fmt: skip
    assert set(data["permits_by_healthcare_region"]) == {
        "NORRA", "MELLANSVERIGE", "STOCKHOLM_GOTLAND", "SYDOSTRA", "VASTRA", "SODRA",
    }  # fmt: skip
    assert data["scenario"]["proposals"] == 80
    assert data["events"] == result.events


def test_the_terminal_tables_name_the_rules_and_the_steps(result):
    """The rich rendering shows the refusing rules, the eight steps and the healthcare regions."""
    console = Console(record=True, width=160)
    console.print(render_table(result))
    text = console.export_text()
    for rule in result.refusals:
        assert rule in text
    assert "Permit decision (board)" in text and "Norra sjukvårdsregionen" in text


def test_the_result_counts_what_is_overdue_on_the_last_simulated_day(tmp_path):
    """`overdue` equals what Registry.due lists as overdue on the log's last business day."""
    path = tmp_path / "sim.sqlite"
    result = run(small(proposals=40), seed=3, db=path)
    with nhvflow.open(path, readonly=True) as reg:
        last = max(c.updated_at for c in reg.cases())
        expected = [d for d in reg.due(as_of=last) if d.overdue]
    assert result.overdue == len(expected) > 0
    assert json.loads(result.to_json())["overdue"] == result.overdue
    assert SimulationResult.merge([result, result]).overdue == 2 * result.overdue


def test_a_run_never_reads_the_population_back_into_memory(tmp_path, monkeypatch):
    """`run` counts what is overdue without `Registry.cases()` or `Registry.due()`,
    which hold every case (or every pending item) of the log in one list."""
    listed: list[str] = []
    for name in ("cases", "due"):
        original = getattr(nhvflow.Registry, name)

        def recording(self, *args, _name=name, _original=original, **kwargs):
            listed.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(nhvflow.Registry, name, recording)
    result = run(small(proposals=40), seed=3, db=tmp_path / "sim.sqlite")
    assert result.overdue > 0
    assert listed == []
