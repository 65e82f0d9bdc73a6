"""What a simulation keeps: running aggregates while it runs
(:class:`Tally`, never the log or the cases) and the frozen
:class:`SimulationResult` it returns, which merges with the results of other
replications and renders as a dict or JSON.

Days are whole days (the simulated clock moves in days), so every duration
is kept as a histogram (days -> cases): exact medians and percentiles, a few
hundred entries however many proposals, and histograms of replications run
in other processes simply add up.

Public through :mod:`nhvflow.simulate`.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from nhvflow.errors import InvalidPayload
from nhvflow.model import HealthcareRegion, Region
from nhvflow.simulate._regimes import RegimeSteps, regime_steps
from nhvflow.simulate._scenario import Scenario

__all__ = [
    "KINDS",
    "STEPS",
    "Percentiles",
    "Replication",
    "SimulationResult",
    "Tally",
    "percentile",
]

STEPS = regime_steps("nhv").keys
"""The eight steps of Socialstyrelsen's work process, as the process table
numbers them (the steps of regime ``nhv``; other regimes have their own:
:attr:`SimulationResult.steps`)."""

KINDS = ("care", "care_and_advisory", "advisory_only")
"""The kinds of proposal: care measures only; care measures and an advisory
mission beside them; an advisory mission only (no care measures)."""


def percentile(histogram: Mapping[int, int], q: float) -> int | None:
    """The nearest-rank ``q``-quantile (0 < q <= 1) of a histogram of whole
    days: the smallest value with at least ``ceil(q * n)`` observations at or
    below it; ``None`` when empty."""
    n = sum(histogram.values())
    if n == 0:
        return None
    rank = max(1, math.ceil(q * n))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the ranks cover n")  # pragma: no cover


@attrs.frozen
class Percentiles:
    """How many cases, and their median and 90th percentile in days.

    .. versionadded:: 0.1
    """

    n: int
    median: int | None
    p90: int | None

    @classmethod
    def of(cls, histogram: Mapping[int, int]) -> Percentiles:
        """From a histogram of whole days."""
        return cls(sum(histogram.values()), percentile(histogram, 0.5), percentile(histogram, 0.9))


class Tally:
    """Running aggregates of one run: counters and histograms only, so that
    memory does not grow with the number of proposals."""

    def __init__(self, steps: RegimeSteps | None = None) -> None:
        self.steps = regime_steps("nhv") if steps is None else steps
        self.proposals = 0
        self.pilots = 0
        self.events = 0
        self.final_states: Counter[str] = Counter()
        self.final_by_kind: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
        self.refusals: Counter[str] = Counter()
        self.refused_steps: Counter[str] = Counter()
        self.funnel: Counter[str] = Counter()
        self.step_days: dict[str, Counter[int]] = {s: Counter() for s in self.steps.keys}
        self.end_to_end: Counter[int] = Counter()
        self.permits_by_region: Counter[str] = Counter()
        self.permits_by_year: Counter[int] = Counter()
        self.coverage: Counter[int] = Counter()
        self.last_step: datetime | None = None
        self.overdue = 0

    def refused(self, trigger: str, rules: Iterable[str]) -> None:
        """Count one refused step, once per rule that refused it."""
        self.refused_steps[trigger] += 1
        self.refusals.update(rules)

    def finish_case(
        self,
        *,
        kind: str,
        state: str,
        step_days: Mapping[str, int],
        end_to_end: int | None,
        permits: Iterable[str],
        permit_years: Iterable[int] = (),
        updated_at: datetime | None = None,
    ) -> None:
        """Fold one finished case into the aggregates (and forget it).

        ``permit_years``: the year each of its valid permits starts;
        ``updated_at``: the business time of its last step, so that the run
        knows its last simulated day without reading the cases back."""
        self.proposals += 1
        if updated_at is not None and (self.last_step is None or updated_at > self.last_step):
            self.last_step = updated_at
        self.final_states[state] += 1
        self.final_by_kind[kind][state] += 1
        first = self.steps.keys[0]
        for step, days in step_days.items():
            self.funnel[step] += 1
            if step != first:
                self.step_days[step][days] += 1
        if end_to_end is not None:
            self.end_to_end[end_to_end] += 1
        covered: set[HealthcareRegion] = set()
        for name in permits:
            self.permits_by_region[name] += 1
            covered |= Region[name].healthcare_regions
        if covered:
            self.coverage[len(covered)] += 1
        self.permits_by_year.update(permit_years)

    def result(
        self, scenario: Scenario, seeds: tuple[int, ...], elapsed: float
    ) -> SimulationResult:
        """The frozen result of this tally."""
        end_to_end = Percentiles.of(self.end_to_end)
        replication = Replication(
            seed=seeds[0],
            proposals=self.proposals,
            approved=sum(n for st, n in self.final_states.items() if st in self.steps.approved),
            permits=sum(self.permits_by_region.values()),
            refused_steps=sum(self.refused_steps.values()),
            end_to_end_median=end_to_end.median,
            permits_by_year=dict(sorted(self.permits_by_year.items())),
        )
        return SimulationResult(
            scenario=scenario,
            seeds=seeds,
            proposals=self.proposals,
            pilots=self.pilots,
            events=self.events,
            final_states=_sorted(self.final_states),
            final_states_by_kind={k: _sorted(v) for k, v in self.final_by_kind.items()},
            refusals=_sorted(self.refusals),
            refused_steps=_sorted(self.refused_steps),
            funnel={s: self.funnel[s] for s in self.steps.keys},
            step_days={s: dict(sorted(self.step_days[s].items())) for s in self.steps.keys},
            end_to_end_days=dict(sorted(self.end_to_end.items())),
            permits_by_region={r.name: self.permits_by_region[r.name] for r in Region},
            coverage=dict(sorted(self.coverage.items())),
            overdue=self.overdue,
            elapsed=elapsed,
            permits_by_year=dict(sorted(self.permits_by_year.items())),
            replications=(replication,),
        )


def _sorted(counter: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _running(by_year: Mapping[int, int]) -> dict[int, int]:
    """A running total over every year from the first key to the last."""
    if not by_year:
        return {}
    total, out = 0, {}
    for year in range(min(by_year), max(by_year) + 1):
        total += by_year.get(year, 0)
        out[year] = total
    return out


def _add(a: Mapping[Any, int], b: Mapping[Any, int]) -> Counter[Any]:
    total: Counter[Any] = Counter(a)
    total.update(b)
    return total


@attrs.frozen
class Replication:
    """The headline figures of one replication (one seed), kept beside the
    merged figures so that a report can show their spread.

    ``approved``: proposals that ended with an establishment; ``permits``:
    valid permits at the end (``nhv``); ``refused_steps``: steps refused;
    ``end_to_end_median``: median days from proposal to the settling step;
    ``permits_by_year``: valid permits at the end, by the year they start.

    .. versionadded:: 0.1
    """

    seed: int
    proposals: int
    approved: int
    permits: int
    refused_steps: int
    end_to_end_median: int | None
    permits_by_year: dict[int, int]

    def to_dict(self) -> dict[str, Any]:
        """The figures as a JSON-ready dict (years as strings)."""
        out = attrs.asdict(self)
        out["permits_by_year"] = {str(y): n for y, n in self.permits_by_year.items()}
        return out


@attrs.frozen
class SimulationResult:
    """The outcome of a simulation (or the merged outcome of several
    replications): counts only, no cases and no events.

    ``final_states``: cases per final state (``final_states_by_kind`` per
    kind of proposal, see :data:`KINDS`); ``refusals``: refused steps per
    rule id (a step refused by two rules counts for each);
    ``refused_steps``: refused steps per trigger; ``funnel``: cases that
    reached each step of the regime (:attr:`steps`: the eight steps of
    ``nhv``, five of ``kc-proposal``, six of ``no-competence-service``);
    ``step_days``: per step, a histogram of the days a case spent on it
    (the waits before each of the step's events, summed per case);
    ``end_to_end_days``: from the proposal to the step that settled it
    (under ``nhv`` permits granted, rejected, closed or withdrawn; centres
    established; a service approved or refused);
    ``permits_by_region``: valid NHV permits at the end, per region (none
    under the other regimes, which grant no permits);
    ``coverage``: permitted cases by how many of the six healthcare regions
    hold one of their permits; ``events``: events written to the log;
    ``overdue``: what :meth:`nhvflow.Registry.due` lists as overdue on the
    last simulated day (follow-ups and annual reports not given in time, a
    wind-down not taken).
    ``permits_by_year``: valid permits at the end by the year they start
    (:meth:`permits_over_time` adds them up); ``replications``: the headline
    figures of each replication, in the order of :attr:`seeds`.
    ``elapsed`` (wall-clock seconds) does not take part in ``==``.

    .. versionadded:: 0.1
    """

    scenario: Scenario
    seeds: tuple[int, ...]
    proposals: int
    pilots: int
    events: int
    final_states: dict[str, int]
    final_states_by_kind: dict[str, dict[str, int]]
    refusals: dict[str, int]
    refused_steps: dict[str, int]
    funnel: dict[str, int]
    step_days: dict[str, dict[int, int]]
    end_to_end_days: dict[int, int]
    permits_by_region: dict[str, int]
    coverage: dict[int, int]
    overdue: int = 0
    elapsed: float = attrs.field(default=0.0, eq=False)
    permits_by_year: dict[int, int] = attrs.field(factory=dict)
    replications: tuple[Replication, ...] = ()

    # -- derived figures -------------------------------------------------------------

    @property
    def steps(self) -> tuple[str, ...]:
        """The regime's step keys, in order (``"1"`` to ``"8"`` under ``nhv``).

        .. versionadded:: 0.1
        """
        return tuple(self.funnel)

    @property
    def step_labels(self) -> dict[str, str]:
        """The regime's steps, key -> English label.

        .. versionadded:: 0.1
        """
        return dict(regime_steps(self.scenario.process).labels)

    def days(self, step: str | int) -> Percentiles:
        """Median and 90th percentile days of one step (``"2"`` to ``"8"``
        under ``nhv``; see :attr:`steps`)."""
        key = str(step)
        if key not in self.step_days:
            raise KeyError(f"no step {step!r}; the steps are {', '.join(self.steps)}")
        return Percentiles.of(self.step_days[key])

    @property
    def end_to_end(self) -> Percentiles:
        """Median and 90th percentile days from proposal to the settling step."""
        return Percentiles.of(self.end_to_end_days)

    @property
    def permits(self) -> int:
        """Valid permits at the end, in all."""
        return sum(self.permits_by_region.values())

    def permits_over_time(self) -> dict[int, int]:
        """Valid permits at the end of each year, from the first year a
        permit starts to the last (a running total of :attr:`permits_by_year`;
        summed over the replications).

        .. versionadded:: 0.1
        """
        return _running(self.permits_by_year)

    @property
    def permits_by_healthcare_region(self) -> dict[str, int]:
        """Valid permits per healthcare region (Region Halland's count for both
        Västra and Södra), by the healthcare region's member name."""
        out = {h.name: 0 for h in HealthcareRegion}
        for name, count in self.permits_by_region.items():
            for h in Region[name].healthcare_regions:
                out[h.name] += count
        return out

    @property
    def healthcare_regions_without_permits(self) -> tuple[str, ...]:
        """The healthcare regions where no unit holds a permit: care there is
        reached only by referral elsewhere."""
        return tuple(h for h, n in self.permits_by_healthcare_region.items() if n == 0)

    @property
    def advisory_only_not_eligible(self) -> int:
        """Advisory-only proposals closed as not eligible (a state of ``nhv``
        only: 0 under the other regimes; see :attr:`advisory_only_outcomes`)."""
        return self.final_states_by_kind["advisory_only"].get("not_eligible", 0)

    @property
    def advisory_only(self) -> int:
        """Advisory-only proposals in the population.

        .. versionadded:: 0.1
        """
        return sum(self.final_states_by_kind["advisory_only"].values())

    @property
    def advisory_only_outcomes(self) -> dict[str, int]:
        """Advisory-only proposals per final state, under any regime.

        .. versionadded:: 0.1
        """
        return dict(self.final_states_by_kind["advisory_only"])

    @property
    def approved_states(self) -> frozenset[str]:
        """The final states of the regime that mean the proposal ended with an
        establishment: ``permitted`` (``nhv``), ``established``
        (``kc-proposal``), ``active`` or ``wound_down``
        (``no-competence-service``).

        .. versionadded:: 0.1
        """
        return regime_steps(self.scenario.process).approved

    @property
    def approved(self) -> int:
        """Proposals that ended with an establishment (:attr:`approved_states`).

        .. versionadded:: 0.1
        """
        return sum(n for s, n in self.final_states.items() if s in self.approved_states)

    @property
    def advisory_only_approved(self) -> int:
        """Advisory-only proposals that ended with an establishment.

        .. versionadded:: 0.1
        """
        outcomes = self.final_states_by_kind["advisory_only"]
        return sum(n for s, n in outcomes.items() if s in self.approved_states)

    # -- merging and output ----------------------------------------------------------

    @classmethod
    def merge(cls, results: Iterable[SimulationResult]) -> SimulationResult:
        """Add up replications of one scenario (their seeds are kept in order).

        .. versionadded:: 0.1
        """
        items = list(results)
        if not items:
            raise InvalidPayload("results", "merge needs at least one result")
        first = items[0]
        steps = first.steps
        for other in items[1:]:
            if other.scenario != first.scenario:
                raise InvalidPayload(
                    "results",
                    "only replications of one scenario can be merged; these differ "
                    "(run each scenario separately and compare the results).",
                )
        total = first
        for other in items[1:]:
            total = attrs.evolve(
                total,
                seeds=total.seeds + other.seeds,
                proposals=total.proposals + other.proposals,
                pilots=total.pilots + other.pilots,
                events=total.events + other.events,
                final_states=_sorted(_add(total.final_states, other.final_states)),
                final_states_by_kind={
                    k: _sorted(_add(total.final_states_by_kind[k], other.final_states_by_kind[k]))
                    for k in KINDS
                },
                refusals=_sorted(_add(total.refusals, other.refusals)),
                refused_steps=_sorted(_add(total.refused_steps, other.refused_steps)),
                funnel={s: total.funnel[s] + other.funnel[s] for s in steps},
                step_days={
                    s: dict(sorted(_add(total.step_days[s], other.step_days[s]).items()))
                    for s in steps
                },
                end_to_end_days=dict(
                    sorted(_add(total.end_to_end_days, other.end_to_end_days).items())
                ),
                permits_by_region={
                    r: total.permits_by_region[r] + other.permits_by_region[r]
                    for r in total.permits_by_region
                },
                coverage=dict(sorted(_add(total.coverage, other.coverage).items())),
                overdue=total.overdue + other.overdue,
                elapsed=max(total.elapsed, other.elapsed),
                permits_by_year=dict(
                    sorted(_add(total.permits_by_year, other.permits_by_year).items())
                ),
                replications=total.replications + other.replications,
            )
        return total

    def to_dict(self) -> dict[str, Any]:
        """Every figure as a JSON-ready dict (the scenario included)."""
        return {
            "process": self.scenario.process,
            "seeds": list(self.seeds),
            "replications": len(self.seeds),
            "proposals": self.proposals,
            "pilots": self.pilots,
            "events": self.events,
            "final_states": self.final_states,
            "final_states_by_kind": self.final_states_by_kind,
            "advisory_only_not_eligible": self.advisory_only_not_eligible,
            "advisory_only": self.advisory_only,
            "advisory_only_outcomes": self.advisory_only_outcomes,
            "approved": self.approved,
            "advisory_only_approved": self.advisory_only_approved,
            "steps": self.step_labels,
            "refusals": self.refusals,
            "refused_steps": self.refused_steps,
            "funnel": self.funnel,
            "days": {s: attrs.asdict(self.days(s)) for s in self.steps[1:]},
            "end_to_end": attrs.asdict(self.end_to_end),
            "permits": self.permits,
            "permits_by_region": self.permits_by_region,
            "permits_by_healthcare_region": self.permits_by_healthcare_region,
            "healthcare_regions_without_permits": list(self.healthcare_regions_without_permits),
            "coverage": {str(k): v for k, v in self.coverage.items()},
            "overdue": self.overdue,
            "permits_by_year": {str(y): n for y, n in self.permits_by_year.items()},
            "replication_figures": [r.to_dict() for r in self.replications],
            "histograms": {
                "step_days": {
                    s: {str(d): n for d, n in h.items()} for s, h in self.step_days.items()
                },
                "end_to_end_days": {str(d): n for d, n in self.end_to_end_days.items()},
            },
            "elapsed_seconds": round(self.elapsed, 3),
            "scenario": self.scenario.to_dict(),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text (UTF-8 characters kept)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
