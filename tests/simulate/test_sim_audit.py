"""An audit of the simulation API and command against docs/simulations.md,
docs/cli.md, DESIGN.md and the docstrings of nhvflow.simulate: what a run
reports is what its log holds, runs are deterministic wherever the docs
promise it, bad input is refused with the named error before anything is
written, and the host's output, logging and warnings are left alone.

Tests marked xfail(strict=True) pin a place where the code contradicts the
docs (or a clear user expectation where they are silent); the reason says
what is wrong."""

from __future__ import annotations

import itertools
import json
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import warnings
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

import nhvflow
from nhvflow.simulate import (
    DEFAULT_AREAS,
    KINDS,
    Durations,
    Fixed,
    ProgrammeArea,
    Scenario,
    ScenarioError,
    SimulationResult,
    case_id,
    compare,
    regime_steps,
    render_html,
    render_table,
    replicate,
    replication_seeds,
    run,
    write_html,
)

from .conftest import business_events, every_event

SOURCES = Path(nhvflow.__file__).parents[1]
"""The nhvflow sources under test, for subprocesses and mypy."""

PROCESSES = ("nhv", "kc-proposal", "no-competence-service")
MADE = datetime(2026, 12, 5, 10, 30, tzinfo=UTC)

SETTLING = {
    "nhv": {"PermitsGranted", "ProposalRejected", "ClosedNotEligible", "ProposalWithdrawn"},
    "kc-proposal": {"CentresEstablished"},
    "no-competence-service": {"ServiceApproved", "ServiceRefused"},
}
"""The events that settle a case (SimulationResult.end_to_end_days: permits
granted, rejected, closed or withdrawn; centres established; a service
approved or refused)."""


def kind_of(case: nhvflow.Case) -> str:
    """The kind of proposal (KINDS) as the log records it."""
    if not case.data["care_measures"]:
        return "advisory_only"
    return "care_and_advisory" if case.data["advisory"] else "care"


def env_for_subprocess(**extra: str) -> dict[str, str]:
    """The environment of a child Python that imports these nhvflow sources."""
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "PYTHONWARNINGS"}}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCES), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def cli(*args: str) -> Any:
    """`nhvflow ARGS` through click's CliRunner (the group, as a user types it)."""
    from nhvflow.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -- the result is what the log holds ----------------------------------------------------


@pytest.mark.parametrize("process", PROCESSES)
def test_every_figure_of_a_result_can_be_counted_from_its_log(tmp_path, process):
    """Final states (in all and per kind), pilots, funnel, days per step, days
    end to end, permits per region, per start year and coverage equal what
    the log it wrote holds, read back through the public API; the log verifies."""
    db = tmp_path / "log.sqlite"
    result = run(Scenario(proposals=120, process=process), seed=13, db=db)
    steps = regime_steps(process)
    with nhvflow.open(db, readonly=True) as reg:
        assert reg.verify().ok
        triggers = {t.event.__name__: name for name, t in reg.process(process).transitions.items()}
        logged = reg.cases()
        events = every_event(reg)
    assert len(events) == result.events
    assert dict(Counter(c.state for c in logged)) == result.final_states
    by_kind: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    for case in logged:
        by_kind[kind_of(case)][case.state] += 1
    assert {k: dict(v) for k, v in by_kind.items()} == result.final_states_by_kind
    assert sum(bool(c.data["pilot"]) for c in logged) == result.pilots
    streams: dict[str, list[nhvflow.Event]] = {}
    for event in events:
        streams.setdefault(event.stream_id, []).append(event)
    funnel: Counter[str] = Counter()
    days: dict[str, Counter[int]] = {s: Counter() for s in steps.keys}
    end_to_end: Counter[int] = Counter()
    for stream, its in streams.items():
        if stream == "registry":
            continue
        spent = {steps.keys[0]: 0}
        for before, event in itertools.pairwise(its):
            step = steps.of(triggers[event.type])
            if step is not None:
                spent[step] = spent.get(step, 0) + (event.occurred_at - before.occurred_at).days
        for step, n in spent.items():
            funnel[step] += 1
            if step != steps.keys[0]:
                days[step][n] += 1
        settled = [e for e in its if e.type in SETTLING[process]]
        if settled:
            end_to_end[(settled[0].occurred_at - its[0].occurred_at).days] += 1
    assert {s: funnel[s] for s in steps.keys} == result.funnel
    assert {s: dict(sorted(h.items())) for s, h in days.items()} == result.step_days
    assert dict(sorted(end_to_end.items())) == result.end_to_end_days
    permits: Counter[str] = Counter()
    years: Counter[int] = Counter()
    coverage: Counter[int] = Counter()
    for case in logged:
        valid = [p for p in case.data.get("permits", []) if p["valid"]]
        permits.update(p["region"] for p in valid)
        years.update(date.fromisoformat(p["starts_on"]).year for p in valid)
        reached = {h for p in valid for h in nhvflow.Region[p["region"]].healthcare_regions}
        if reached:
            coverage[len(reached)] += 1
    assert {r: n for r, n in result.permits_by_region.items() if n} == dict(permits)
    assert result.permits_by_year == dict(sorted(years.items()))
    assert result.coverage == dict(sorted(coverage.items()))


@pytest.mark.parametrize("process", PROCESSES)
def test_refusals_are_the_refusals_the_registry_raised_once_per_rule(monkeypatch, process):
    """Every step goes through Registry.submit/fire/complete_mapping/designate_pilot:
    `refusals` counts each TransitionDenied once per rule id, `refused_steps`
    once per trigger, and `events` equals the steps the registry accepted."""
    rules: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    accepted: Counter[str] = Counter()
    for name in ("fire", "submit", "complete_mapping", "designate_pilot"):
        original = getattr(nhvflow.Registry, name)

        def counting(self, *args, _name=name, _original=original, **kwargs):
            try:
                out = _original(self, *args, **kwargs)
            except nhvflow.TransitionDenied as exc:
                refused[args[1] if _name == "fire" else _name] += 1
                rules.update(exc.rules)
                raise
            accepted[_name] += 1
            return out

        monkeypatch.setattr(nhvflow.Registry, name, counting)
    areas = (*DEFAULT_AREAS, ProgrammeArea("Psykisk Hälsa, barn", pilot=True))
    result = run(Scenario(proposals=80, process=process, programme_areas=areas), seed=2)
    assert result.refusals == dict(rules) and sum(rules.values()) > 0
    assert result.refused_steps == dict(refused)
    assert result.events == sum(accepted.values())
    assert accepted["submit"] == result.proposals


def test_replications_keep_their_own_logs_under_their_own_seeds(tmp_path):
    """replicate(db=...) writes stem-1, stem-2, ...; each log's case ids carry
    its replication seed, and the merged figures add up the logs."""
    db = tmp_path / "rep.sqlite"
    seeds = replication_seeds(4, 3)
    merged = replicate(Scenario(proposals=30), seed=4, replications=3, db=db)
    assert merged.seeds == seeds
    states: Counter[str] = Counter()
    events = 0
    for number, (seed, figures) in enumerate(zip(seeds, merged.replications, strict=True), 1):
        with nhvflow.open(tmp_path / f"rep-{number}.sqlite", readonly=True) as reg:
            logged = reg.cases()
            events += len(every_event(reg))
        assert [c.id for c in logged] == [case_id(seed, i) for i in range(30)]
        assert figures.seed == seed
        assert figures.approved == sum(c.state == "permitted" for c in logged)
        states.update(c.state for c in logged)
    assert not db.exists()
    assert merged.events == events
    assert merged.final_states == dict(sorted(states.items(), key=lambda kv: (-kv[1], kv[0])))


def test_the_log_is_in_order_of_proposals_after_the_registry_facts(tmp_path):
    """The mapping comes first at its business date, then each proposal's
    events in turn (case ids in order), every step at 09:00 UTC, in order
    within each case."""
    db = tmp_path / "log.sqlite"
    scenario = Scenario(proposals=40, mapping_completed=date(2019, 5, 2))
    run(scenario, seed=21, db=db)
    with nhvflow.open(db, readonly=True) as reg:
        events = every_event(reg)
    first, rest = events[0], events[1:]
    assert (first.stream_id, first.type) == ("registry", "MappingCompleted")
    assert first.occurred_at == datetime(2019, 5, 2, 9, 0, tzinfo=UTC)
    streams = [e.stream_id for e in rest]
    assert streams == sorted(streams)
    assert list(dict.fromkeys(streams)) == [case_id(21, i) for i in range(40)]
    for event in events:
        assert (event.occurred_at.hour, event.occurred_at.minute) == (9, 0)
        assert event.occurred_at.utcoffset() == timedelta(0)
    for before, after in itertools.pairwise(rest):
        if before.stream_id == after.stream_id:
            assert before.occurred_at <= after.occurred_at


# -- determinism --------------------------------------------------------------------------


def test_batch_size_and_an_open_memory_registry_change_nothing_in_the_log(tmp_path):
    """One transaction per proposal, one for all, and an open :memory: registry
    give the same result and the same events (bar recorded_at and hashes)."""
    scenario = Scenario(proposals=60)
    one = run(scenario, seed=7, db=tmp_path / "one.sqlite", batch_size=1)
    all_ = run(scenario, seed=7, db=tmp_path / "all.sqlite", batch_size=1000)
    with nhvflow.open(":memory:") as reg:
        memory = run(scenario, seed=7, db=reg)
        in_memory = [
            (e.position, e.stream_id, e.version, e.type, e.actor, e.payload, e.occurred_at)
            for e in every_event(reg)
        ]
    assert one == all_ == memory
    logged = business_events(tmp_path / "one.sqlite")
    assert logged == business_events(tmp_path / "all.sqlite") == in_memory
    assert len(logged) == one.events


def test_the_command_prints_what_the_api_returns():
    """`nhvflow simulate --json` equals run(...).to_dict(), and with
    `-r 3 -w 2` equals replicate(...) in one process, bar the seconds taken."""
    single = json.loads(cli("simulate", "-n", "30", "-s", "4", "--json").stdout)
    api = run(Scenario(proposals=30), seed=4).to_dict()
    several = json.loads(
        cli("simulate", "-n", "12", "-s", "4", "-r", "3", "-w", "2", "--json").stdout
    )
    merged = replicate(Scenario(proposals=12), seed=4, replications=3).to_dict()
    for data in (single, api, several, merged):
        data.pop("elapsed_seconds")
    assert single == api
    assert several == merged


def test_the_command_writes_the_log_the_api_writes(tmp_path):
    """`nhvflow simulate --db` and run(db=...) with one seed write the same events."""
    out = cli("simulate", "-n", "25", "-s", "6", "--db", str(tmp_path / "cli.sqlite"), "--json")
    assert out.exit_code == 0, out.output
    run(Scenario(proposals=25), seed=6, db=tmp_path / "api.sqlite")
    assert business_events(tmp_path / "cli.sqlite") == business_events(tmp_path / "api.sqlite")


def test_neighbouring_seeds_share_no_replication():
    """replication_seeds(S, R) starts with S; --seed 1 and --seed 2 share none."""
    one, two = replication_seeds(1, 40), replication_seeds(2, 40)
    assert one[0] == 1 and two[0] == 2
    assert len(set(one)) == len(set(two)) == 40
    assert not set(one) & set(two)


def test_every_proposal_arrives_within_submission_days_of_start(tmp_path):
    """Proposals arrive "over this many days from start": every submission
    lies in [start, start + submission_days)."""
    start = date(2019, 1, 1)
    scenario = Scenario(proposals=30, start=start, submission_days=30, mapping_completed=None)
    latest = datetime.combine(start + timedelta(days=30), datetime.min.time(), UTC)
    for seed in (1, 2, 3, 4):
        db = tmp_path / f"s{seed}.sqlite"
        run(scenario, seed=seed, db=db)
        with nhvflow.open(db, readonly=True) as reg:
            submitted = [
                e.occurred_at
                for e in every_event(reg)
                if e.stream_id.startswith("sim-") and e.version == 1
            ]
        assert len(submitted) == 30
        assert max(submitted) < latest, (seed, max(submitted))


# -- scenarios: bounds, types and edges --------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"programme_areas": [{"name": "X", "titles": "one title"}]}, "programme_areas[0].titles"),
        ({"programme_areas": [{"name": "X", "pilot": "yes"}]}, "programme_areas[0].pilot"),
        ({"programme_areas": [{"name": "X", "colour": 1}]}, "programme_areas[0].colour"),
        ({"programme_areas": ["X"]}, "programme_areas[0]"),
        ({"programme_areas": []}, "programme_areas"),
        ({"durations": {"basis": float("nan")}}, "durations.basis"),
        ({"durations": {"basis": float("inf")}}, "durations.basis"),
        ({"durations": {"basis": {"kind": "fixed", "days": True}}}, "durations.basis.days"),
        ({"durations": {"nope": 1}}, "durations.nope"),
        ({"outcomes": {"units": {"1": -1}}}, "outcomes.units.1"),
        ({"outcomes": {"applicants": {"22": 1}}}, "outcomes.applicants.22"),
        ({"outcomes": {"financing": {"bank": 1}}}, "outcomes.financing.bank"),
        ({"outcomes": {"board_rounds": 2.0}}, "outcomes.board_rounds"),
        ({"outcomes": {"recommends_nhv": "0.5"}}, "outcomes.recommends_nhv"),
        ({"regions": {"GOTLAND": -1}}, "regions.GOTLAND"),
        ({"regions": 3}, "regions"),
        ({"proposals": True}, "proposals"),
        ({"submission_days": 0}, "submission_days"),
        ({"follow_up_years": 1.5}, "follow_up_years"),
        ({"start": datetime(2019, 1, 1, 10)}, "start"),
        ({"mapping_completed": 3}, "mapping_completed"),
        ({"advisory_only_share": True}, "advisory_only_share"),
    ],
)
def test_a_wrong_type_or_value_in_a_scenario_table_is_a_scenario_error(data, field):
    """Each bad value is a ScenarioError whose field is its dotted path."""
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data)
    assert caught.value.field == field


def test_an_empty_scenario_file_is_the_default_scenario(tmp_path):
    """Missing fields keep their defaults: an empty TOML file is Scenario()."""
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    assert Scenario.from_toml(path) == Scenario()


@pytest.mark.parametrize("process", PROCESSES)
@pytest.mark.parametrize(
    ("start", "proposals"), [(date(2018, 7, 1), 1), (date(9894, 12, 31), 20)]
)  # the first day of NHV, and the last year Scenario allows with its defaults
def test_a_run_at_either_edge_of_the_calendar_completes_and_verifies(
    tmp_path, process, start, proposals
):
    """A single proposal on 2018-07-01 and a population in the latest year
    allowed run to completion in every regime, and their logs verify."""
    db = tmp_path / "log.sqlite"
    result = run(Scenario(proposals=proposals, start=start, process=process), seed=1, db=db)
    assert result.proposals == proposals
    with nhvflow.open(db, readonly=True) as reg:
        assert reg.verify().ok
        assert len(reg.cases()) == proposals


def test_the_latest_start_plus_one_year_is_refused():
    """A start that leaves too little of the calendar is a ScenarioError on 'start'."""
    with pytest.raises(ScenarioError) as caught:
        Scenario(start=date(9895, 1, 1))
    assert caught.value.field == "start"


@pytest.mark.parametrize(
    "changes",
    [
        {"durations": attrs.evolve(Durations(), basis=Fixed(10_000_000))},
        {"mapping_completed": date(9999, 12, 31)},
    ],
    ids=["basis-10-million-days", "mapping-on-9999-12-31"],
)
def test_a_scenario_that_runs_off_the_calendar_is_refused_before_anything_is_written(
    tmp_path, changes
):
    """Like a start too late, a scenario whose cases would run past
    9999-12-31 is a ScenarioError, and no log is left behind."""
    db = tmp_path / "log.sqlite"
    with pytest.raises(ScenarioError):
        run(Scenario(proposals=3, **changes), seed=1, db=db)
    assert not db.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [({"submission_days": 10_000_000}, "submission_days"),
     ({"follow_up_years": 1_000_000}, "follow_up_years")],
)  # fmt: skip
def test_a_too_large_count_of_days_or_years_is_refused_naming_that_field(data, field):
    """The ScenarioError names the value that is out of bounds, from a file
    its dotted path; its message suggests nothing impossible."""
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_dict(data)
    assert caught.value.field == field
    assert " -" not in caught.value.reason


@pytest.mark.parametrize("areas", [ProgrammeArea("Reumatiska sjukdomar"), None, 5])
def test_programme_areas_that_are_not_a_sequence_are_a_scenario_error(areas):
    """Built in Python, a bad value raises ScenarioError naming the field of
    the class that refused it: one ProgrammeArea instead of a list names
    'programme_areas'."""
    with pytest.raises(ScenarioError) as caught:
        Scenario(programme_areas=areas)
    assert caught.value.field == "programme_areas"


def test_a_scenario_with_some_region_weights_survives_its_dict():
    """to_dict's output is read back by from_dict as the same scenario, and a
    [regions] table means the same in Python as in a TOML file."""
    scenario = Scenario(regions={"GOTLAND": 0.5})
    assert Scenario.from_dict(scenario.to_dict()) == scenario
    assert scenario.regions == Scenario.from_dict({"regions": {"GOTLAND": 0.5}}).regions


def test_a_scenario_cannot_call_a_designated_pilot_area_a_non_pilot():
    """Under nhv, pilot status is the registry's (Socialstyrelsen's page marks
    two areas as pilots): a scenario that calls one a non-pilot would count
    no pilots while every proposal escaped the mapping pause, so it is
    refused naming the field; under another regime the flag is the scenario's."""
    area = ProgrammeArea("Nervsystemets sjukdomar", pilot=False)
    with pytest.raises(ScenarioError) as refused:
        Scenario(proposals=12, mapping_completed=None, programme_areas=(area,))
    assert refused.value.field == "programme_areas[0].pilot"
    kc = Scenario(process="kc-proposal", programme_areas=(area,))
    assert kc.programme_areas == (area,)


def test_with_no_follow_up_years_the_centres_are_still_evaluated():
    """kc-proposal: "follow_up_years after the establishment (plus evaluation
    days) the centres are evaluated"; with 0 years, every established case
    reaches step 5."""
    result = run(Scenario(proposals=30, process="kc-proposal", follow_up_years=0), seed=1)
    assert result.approved > 0
    assert result.funnel["5"] == result.approved


# -- where the log goes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda db: run(Scenario(proposals=3), seed=-1, db=db), "seed"),
        (lambda db: run(Scenario(proposals=3), seed=1.5, db=db), "seed"),
        (lambda db: run(Scenario(proposals=3), seed=True, db=db), "seed"),
        (lambda db: run(Scenario(proposals=3), seed=1, db=db, batch_size=0), "batch_size"),
        (lambda db: run({"proposals": 3}, seed=1, db=db), "scenario"),
        (lambda db: replicate(Scenario(proposals=3), seed=1, replications=0, db=db),
         "replications"),
        (lambda db: replicate(Scenario(proposals=3), seed=1, replications=2, workers=0, db=db),
         "workers"),
        (lambda db: compare(Scenario(proposals=3), seed=1, workers=0, db=db), "workers"),
        (lambda db: compare(Scenario(proposals=3), [], seed=1, db=db), "processes"),
    ],
)  # fmt: skip
def test_bad_arguments_are_refused_naming_them_and_nothing_is_written(tmp_path, call, field):
    """A bad seed, batch size, scenario, count of replications or workers, or
    set of regimes raises InvalidPayload (a ValueError) naming it; no file appears."""
    with pytest.raises(nhvflow.InvalidPayload) as caught:
        call(tmp_path / "out.sqlite")
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)
    assert list(tmp_path.iterdir()) == []


def test_without_db_the_temporary_log_is_deleted_even_when_the_run_fails(tmp_path, monkeypatch):
    """run(db=None) writes to a temporary file that is gone after the run,
    and after a run stopped by an exception."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    run(Scenario(proposals=10), seed=1)
    assert list(scratch.iterdir()) == []

    class Stop(Exception):
        pass

    def stop(done: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        run(Scenario(proposals=10), seed=1, progress=stop)
    assert list(scratch.iterdir()) == []


def test_an_open_registry_of_another_regime_runs_the_scenarios_or_is_refused_untouched():
    """db=registry: the scenario's regime is simulated, or the mismatch is
    refused as InvalidPayload on 'db' with nothing written to the registry."""
    with nhvflow.open(":memory:", process="kc-proposal") as reg:
        refused: nhvflow.InvalidPayload | None = None
        try:
            run(Scenario(proposals=5), seed=1, db=reg)  # process "nhv"
        except nhvflow.InvalidPayload as exc:
            refused = exc
        if refused is None:
            assert {c.process for c in reg.cases()} == {"nhv"}
        else:
            assert refused.field == "db", str(refused)
            assert reg.events(limit=1) == []


@pytest.mark.parametrize("kind", ["replicate", "compare"])
def test_a_taken_log_path_is_refused_before_any_run(tmp_path, kind):
    """With db=..., a path among the logs to be written that already holds
    events is refused before anything runs, as the command does."""
    out = tmp_path / "out.sqlite"
    if kind == "replicate":
        run(Scenario(proposals=2), seed=9, db=tmp_path / "out-2.sqlite")
        later = [tmp_path / "out-1.sqlite"]
        with pytest.raises(nhvflow.InvalidPayload) as caught:
            replicate(Scenario(proposals=5), seed=1, replications=2, db=out)
    else:
        taken = tmp_path / "out-no-competence-service.sqlite"
        run(Scenario(proposals=2, process="no-competence-service"), seed=9, db=taken)
        later = [tmp_path / "out-nhv.sqlite", tmp_path / "out-kc-proposal.sqlite"]
        with pytest.raises(nhvflow.InvalidPayload) as caught:
            compare(Scenario(proposals=5), seed=1, db=out)
    assert caught.value.field == "db"
    assert [p.name for p in later if p.exists()] == []


def test_the_report_never_overwrites_the_log_the_command_keeps(tmp_path):
    """`--db X --report X` is refused, or the kept log still opens and verifies."""
    pytest.importorskip("matplotlib", reason="the HTML report needs nhvflow[report]")
    path = tmp_path / "out.sqlite"
    out = cli("simulate", "-n", "5", "--db", str(path), "--report", str(path))
    if out.exit_code == 2:
        assert not path.exists()
        return
    with nhvflow.open(path, readonly=True) as reg:
        assert reg.verify().ok


# -- a guest in the host's program ---------------------------------------------------------


def test_the_api_prints_nothing_and_leaves_logging_warnings_and_matplotlib_alone(tmp_path, capfd):
    """run, replicate, compare, render_table and write_html write nothing on
    stdout or stderr and change neither the root logger, nor nhvflow's
    logger, nor the warnings filters, nor matplotlib's rcParams."""
    matplotlib = pytest.importorskip("matplotlib", reason="the HTML report needs nhvflow[report]")
    ours = logging.getLogger("nhvflow")

    def host() -> tuple[Any, ...]:
        rc = matplotlib.rcParams  # read raw: indexing "backend" would resolve it
        return (
            list(logging.root.handlers), logging.root.level, list(warnings.filters),
            list(ours.handlers), ours.level, ours.propagate,
            {k: dict.__getitem__(rc, k) for k in dict.keys(rc)},
        )  # fmt: skip

    before = host()
    result = run(Scenario(proposals=20), seed=1, db=tmp_path / "a.sqlite")
    replicate(Scenario(proposals=8), seed=1, replications=2)
    comparison = compare(Scenario(proposals=8), seed=1)
    render_table(result)
    comparison.render_table()
    write_html(result, tmp_path / "r.html", made_at=MADE)
    assert host() == before
    assert all(isinstance(h, logging.NullHandler) for h in ours.handlers)
    assert capfd.readouterr() == ("", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.sqlite", "r.html"]


def test_the_sqlite_warning_is_still_given_once_to_stderr_after_a_simulation(tmp_path):
    """A simulation leaves out the SQLite version warning for its own file
    without using it up: the next file opened for writing gets it, once,
    on stderr; stdout stays empty."""
    script = textwrap.dedent(
        """
        import nhvflow
        from nhvflow.simulate import Scenario, run
        run(Scenario(proposals=5), seed=1, db="sim.sqlite")
        for name in ("b.sqlite", "c.sqlite"):
            nhvflow.open(name).close()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess(),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    expected = 1 if sqlite3.sqlite_version_info < (3, 51, 3) else 0
    assert done.stderr.count("SQLiteVersionWarning") == expected, done.stderr


def test_the_report_is_the_same_file_headless_in_another_process(tmp_path):
    """With made_at, a report written in a fresh process without a display
    (MPLBACKEND naming a GUI backend, another hash seed) is byte for byte the
    report of this process, and nothing but it is written."""
    pytest.importorskip("matplotlib", reason="the HTML report needs nhvflow[report]")
    script = textwrap.dedent(
        """
        from datetime import UTC, datetime
        from nhvflow.simulate import Scenario, replicate, write_html
        result = replicate(Scenario(proposals=20), seed=5, replications=2)
        write_html(result, "report.html", lang="sv",
                   made_at=datetime(2026, 12, 5, 10, 30, tzinfo=UTC))
        """
    )
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=out,
        env=env_for_subprocess(MPLBACKEND="qtagg", PYTHONHASHSEED="4242"),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert [p.name for p in out.iterdir()] == ["report.html"]
    here = render_html(
        replicate(Scenario(proposals=20), seed=5, replications=2), lang="sv", made_at=MADE
    )
    assert (out / "report.html").read_text(encoding="utf-8") == here


# -- public types ------------------------------------------------------------------------

USER_SCRIPT = """\
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import attrs

import nhvflow
from nhvflow.simulate import (
    Comparison, Durations, Fixed, Outcomes, Percentiles, Replication, Scenario,
    ScenarioError, SimulationResult, case_id, compare, render_html, render_table,
    replicate, replication_seeds, run, write_html,
)


def analyse(tmp: Path) -> None:
    scenario = Scenario(proposals=10, outcomes=Outcomes(units={2: 1.0}))
    scenario = attrs.evolve(scenario, durations=attrs.evolve(Durations(), basis=Fixed(30)))
    result: SimulationResult = run(scenario, seed=1, db=tmp / "a.sqlite", batch_size=50)
    states: dict[str, int] = result.final_states
    median: int | None = result.days(2).median
    settled: Percentiles = result.end_to_end
    reps: tuple[Replication, ...] = result.replications
    merged = SimulationResult.merge([result, result])
    by_region: dict[str, int] = merged.permits_by_healthcare_region
    over_time: dict[int, int] = result.permits_over_time()
    several = replicate(scenario, seed=1, replications=2, workers=2, progress=lambda n: None)
    comparison: Comparison = compare(scenario, ("nhv", "kc-proposal"), seed=1)
    approved: int = comparison["kc-proposal"].advisory_only_approved
    page: str = render_html(several, lang="sv", made_at=datetime.now(UTC))
    written: Path = write_html(result, tmp / "r.html")
    seeds: tuple[int, ...] = replication_seeds(1, 3)
    first: str = case_id(1, 0)
    try:
        Scenario.from_toml(tmp / "s.toml")
    except ScenarioError as exc:
        field: str = exc.field
        del field
    with nhvflow.open(":memory:") as reg:
        run(scenario, seed=2, db=reg)
    del states, median, settled, reps, by_region, over_time, approved, page, written
    table = render_table(result)
    del seeds, first, table
"""

USER_MISTAKES = """\
from nhvflow.simulate import Scenario, compare, run

result = run(Scenario(), seed=1)
events: str = result.events
states: str = compare(Scenario(), seed=1)["nhv"].final_states
median: str = result.days("2").median
"""


def test_a_users_simulation_script_type_checks_under_mypy_strict(tmp_path):
    """Code written against nhvflow.simulate passes mypy --strict, and the
    result's figures are typed (a str taken for an int is an error)."""
    pytest.importorskip("mypy", reason="mypy is a development dependency")
    (tmp_path / "analysis.py").write_text(USER_SCRIPT, encoding="utf-8")
    (tmp_path / "mistakes.py").write_text(USER_MISTAKES, encoding="utf-8")
    (tmp_path / "mypy.ini").write_text(
        "[mypy]\nstrict = True\n\n[mypy-nhvflow.*]\nfollow_imports = silent\n", encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file=mypy.ini", f"--cache-dir={tmp_path / 'c'}",
         "analysis.py", "mistakes.py"],
        cwd=tmp_path, env={**os.environ, "MYPYPATH": str(SOURCES)},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert errors, done.stdout + done.stderr
    assert all(line.startswith("mistakes.py:") for line in errors), done.stdout
    assert [int(line.split(":")[1]) for line in errors] == [4, 5, 6], done.stdout


def test_a_result_is_an_attrs_value_that_merges_with_itself_exactly():
    """SimulationResult equality ignores only elapsed, and merging one result
    alone gives it back."""
    result = run(Scenario(proposals=15), seed=3)
    assert SimulationResult.merge([result]) == result
    assert attrs.evolve(result, elapsed=result.elapsed + 5) == result
    assert attrs.evolve(result, events=result.events + 1) != result
