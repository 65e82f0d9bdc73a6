"""What the simulated actors of every regime share: the population (each
proposal's programme area, kind and title, drawn the same way under every
regime, so that one seed gives one population), one case's track while it is
simulated, and firing a step through the public :class:`~nhvflow.Registry`
with the refusal counted per rule; and the steps that two regimes take
alike (the submission, the appointment of the expert group, the regions'
applications, with the unit each region applies with).

A regime's actors (``_nhv``, ``_kc``, ``_norway``) subclass :class:`Actors`
and walk one proposal at a time.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import attrs

from nhvflow.engine import Registry
from nhvflow.errors import TransitionDenied
from nhvflow.fixtures import CRITERIA, expert_group
from nhvflow.model import Actor, Case, Expert, Region
from nhvflow.rules.nhv import expert_group_composition
from nhvflow.simulate._areas import ProgrammeArea
from nhvflow.simulate._days import Distribution
from nhvflow.simulate._regimes import regime_steps
from nhvflow.simulate._result import Tally
from nhvflow.simulate._scenario import Scenario

__all__ = [
    "OFFICE_HOURS",
    "UNITS",
    "Actors",
    "Proposal",
    "Track",
    "at_office",
    "sample",
    "unit",
    "weighted",
]

OFFICE_HOURS = time(9, 0, tzinfo=UTC)
"""Every simulated step happens at 09:00 UTC on its day."""

_T = TypeVar("_T")

UNITS: dict[Region, str] = {
    Region.STOCKHOLM: "Karolinska Universitetssjukhuset",
    Region.UPPSALA: "Akademiska sjukhuset",
    Region.OSTERGOTLAND: "Universitetssjukhuset i Linköping",
    Region.VASTRA_GOTALAND: "Sahlgrenska Universitetssjukhuset",
    Region.SKANE: "Skånes universitetssjukhus",
    Region.VASTERBOTTEN: "Norrlands universitetssjukhus",
    Region.OREBRO: "Universitetssjukhuset Örebro",
}
"""The unit a region applies with: its university hospital, if it has one."""


def unit(region: Region) -> str:
    """The unit (hospital) ``region`` applies with."""
    return UNITS.get(region, f"{region.swedish_name}, länssjukhuset")


def at_office(day: date) -> datetime:
    """The business time of a step taken on ``day``."""
    return datetime.combine(day, OFFICE_HOURS)


def weighted(rng: random.Random, items: Sequence[_T], weights: Sequence[float]) -> _T:
    """One of ``items``, drawn with ``weights``."""
    return rng.choices(items, weights=weights, k=1)[0]


def sample(rng: random.Random, weights: Mapping[Region, float], k: int) -> list[Region]:
    """Up to ``k`` different regions, drawn one by one with ``weights``."""
    pool = [r for r, w in weights.items() if w > 0]
    chosen: list[Region] = []
    for _ in range(min(k, len(pool))):
        pick = weighted(rng, pool, [weights[r] for r in pool])
        pool.remove(pick)
        chosen.append(pick)
    return chosen


@attrs.frozen
class Proposal:
    """One proposal of the population: the same under every regime."""

    area: ProgrammeArea
    kind: str
    title: str
    care_measures: list[str]

    @property
    def advisory(self) -> bool:
        """Whether it asks for an advisory mission (alone or beside care)."""
        return self.kind != "care"


class Track:
    """One case while it is simulated: where it stands and its days per step."""

    __slots__ = ("case", "case_id", "days", "kind", "last", "settled", "start")

    def __init__(self, case: Case, kind: str, start: datetime, first_step: str) -> None:
        self.case = case
        self.case_id = case.id
        self.kind = kind
        self.start = start
        self.last = start
        self.days: dict[str, int] = {first_step: 0}
        self.settled: datetime | None = None


class Actors:
    """The simulated actors of one regime, firing every step through ``reg``.

    Subclasses implement :meth:`walk` (one case from its submission to its
    end); :meth:`proposal` draws the proposal, lets the regime's first actor
    submit it and folds the case into the tally when the walk is done.
    """

    process = "nhv"
    """The regime (``Scenario.process``) these actors run."""

    def __init__(self, reg: Registry, scenario: Scenario, tally: Tally) -> None:
        self.reg = reg
        self.s = scenario
        self.d = scenario.durations
        self.o = scenario.outcomes
        self.tally = tally
        self.steps = regime_steps(self.process)
        self.first_step = self.steps.keys[0]
        self.sos = Actor.socialstyrelsen("Socialstyrelsen (simulering)")
        self.areas = scenario.programme_areas
        self.area_weights = [a.weight for a in self.areas]
        self.npos = {a.name: Actor.npo(a.name) for a in self.areas}
        self.area_counts: Counter[str] = Counter()
        self.region_weights = {Region[name]: w for name, w in scenario.regions.items()}
        self.region_actors = {r: Actor.region(r) for r in Region}
        self.lawful: list[Expert] = expert_group()
        self.nominated = self.lawful[:2]

    # -- the registry-wide facts ------------------------------------------------------

    def record_mapping(self) -> None:
        """Record registry-wide facts before the first case (none by default)."""

    # -- one proposal -----------------------------------------------------------------

    def draw(self, rng: random.Random) -> Proposal:
        """The proposal's programme area, kind and title: the first draws
        from its stream, the same under every regime."""
        area: ProgrammeArea = weighted(rng, self.areas, self.area_weights)
        self.area_counts[area.name] += 1
        u = rng.random()
        if u < self.s.advisory_only_share:
            kind = "advisory_only"
        elif u < self.s.advisory_only_share + self.s.advisory_with_care_share:
            kind = "care_and_advisory"
        else:
            kind = "care"
        title = area.title(self.area_counts[area.name])
        care = [] if kind == "advisory_only" else [title]
        return Proposal(area, kind, title, care)

    def proposal(self, case_id: str, submitted: datetime, rng: random.Random) -> None:
        """Simulate one proposal from submission to its end, then fold it into the tally."""
        drawn = self.draw(rng)
        case = self.submit(drawn, case_id, submitted, rng)
        self.tally.events += 1
        self.tally.pilots += drawn.area.pilot
        track = Track(case, drawn.kind, submitted, self.first_step)
        self.walk(track, drawn, rng)
        self.finish(track)

    def submit(self, proposal: Proposal, case_id: str, at: datetime, rng: random.Random) -> Case:
        """Create the case, the regime's first step: :meth:`proposer` submits
        the proposal, with the fields of every regime's proposal and the
        regime's own (:meth:`own_fields`)."""
        area = proposal.area
        return self.reg.submit(
            self.proposer(proposal, rng),
            case_id=case_id,
            at=at,
            title=proposal.title,
            programme_area=area.name,
            care_measures=proposal.care_measures,
            advisory=proposal.advisory,
            nominated_experts=self.nominated,
            pilot=area.pilot,
            **self.own_fields(),
        )

    def proposer(self, proposal: Proposal, rng: random.Random) -> Actor:
        """Who submits the proposal: the programme area's NPO by default."""
        return self.npos[proposal.area.name]

    def own_fields(self) -> dict[str, Any]:
        """The fields the regime's proposal carries besides the common ones."""
        return {}

    def walk(self, track: Track, proposal: Proposal, rng: random.Random) -> None:
        """Take the case through the regime, step by step, to where it ends."""
        raise NotImplementedError

    def permits(self, track: Track) -> Iterable[str]:
        """The regions holding an NHV permit of the case at its end (none by default)."""
        return ()

    def permit_years(self, track: Track) -> Iterable[int]:
        """The year each of those permits starts (none by default)."""
        return ()

    # -- one step ---------------------------------------------------------------------

    def fire(
        self, track: Track, trigger: str, actor: Actor, at: datetime, **payload: Any
    ) -> TransitionDenied | None:
        """Fire ``trigger`` at ``at``; a refusal is counted per rule and returned."""
        try:
            track.case = self.reg.fire(track.case_id, trigger, actor, at=at, **payload)
        except TransitionDenied as exc:
            self.tally.refused(trigger, exc.rules)
            return exc
        self.tally.events += 1
        step = self.steps.of(trigger)
        if step is not None:
            track.days[step] = track.days.get(step, 0) + (at - track.last).days
        track.last = at
        return None

    # -- steps two regimes take alike -----------------------------------------------

    appointment_tries = 2
    """How many times Socialstyrelsen tries to appoint the expert group."""

    def appoint(self, track: Track, rng: random.Random) -> bool:
        """Socialstyrelsen appoints the expert group after ``durations.appoint``
        days: a flawed group (drawn with ``outcomes.flawed_expert_group``) is
        refused by ``nhv.expert-group-composition`` and recomposed; what
        :meth:`reappoint` has no remedy for leaves the case where it stands."""
        t = self.later(track.last, self.d.appoint, rng)
        experts = self.lawful
        if rng.random() < self.o.flawed_expert_group:
            experts = expert_group(breaking=weighted(rng, CRITERIA, [1.0] * len(CRITERIA)))
        for _ in range(self.appointment_tries):
            refusal = self.fire(track, "appoint_expert_group", self.sos, t, experts=experts)
            if refusal is None:
                return True
            again = self.reappoint(refusal, t, rng)
            if again is None:
                return False
            if expert_group_composition.id in refusal.rules:
                experts = self.lawful
            t = again
        return False

    def reappoint(
        self, refusal: TransitionDenied, t: datetime, rng: random.Random
    ) -> datetime | None:
        """When to appoint again after ``refusal`` at ``t`` (a lawful group,
        after ``durations.recompose`` days, when the composition was refused),
        or ``None`` when there is no remedy."""
        if expert_group_composition.id not in refusal.rules:
            return None
        return self.later(t, self.d.recompose, rng)

    def applications(self, track: Track, trigger: str, rng: random.Random) -> None:
        """Regions apply with ``trigger``: how many drawn from
        ``outcomes.applicants``, which from the scenario's region weights, each
        ``durations.application`` days after the case's last step, in date
        order (a refused application is dropped)."""
        since = track.last
        count = weighted(rng, list(self.o.applicants), list(self.o.applicants.values()))
        regions = sample(rng, self.region_weights, count)
        dated = sorted(
            (self.later(since, self.d.application, rng), i, r) for i, r in enumerate(regions)
        )
        for at, _, region in dated:
            self.fire(track, trigger, self.region_actors[region], at, unit=unit(region))

    def later(self, at: datetime, distribution: Distribution, rng: random.Random) -> datetime:
        """``at`` plus a number of days drawn from ``distribution``."""
        return at + timedelta(days=distribution.draw(rng))

    def finish(self, track: Track) -> None:
        """Fold the finished case into the tally (and forget it)."""
        settled = track.settled
        self.tally.finish_case(
            kind=track.kind,
            state=track.case.state,
            step_days=track.days,
            end_to_end=None if settled is None else (settled - track.start).days,
            permits=self.permits(track),
            permit_years=self.permit_years(track),
            updated_at=track.case.updated_at,
        )
