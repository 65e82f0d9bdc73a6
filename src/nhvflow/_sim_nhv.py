"""The actors of the law in force (regime ``nhv``), simulated: one proposal
at a time, from the NPO's submission to the last follow-up, every step fired
through the public :class:`~nhvflow.Registry` at its business time.

The rules decide; the simulated actors only choose what to ask for (drawn
from the scenario) and react to a refusal as a real actor would:

- a non-pilot refused by ``nhv.mapping-pause`` waits until the mapping is
  done (or for ever, when the scenario never completes it);
- a group refused by ``nhv.expert-group-composition`` is recomposed;
- a decision refused by ``nhv.max-five-units`` is taken at five units;
- any other refused decision (an advisory-only proposal under
  ``nhv.advisory-requires-concentrated-care``) is closed with
  ``close_not_eligible`` citing the rule that refused it;
- an application refused by ``nhv.application-window`` is dropped;
- a board preparation refused by ``nhv.permit-needs-application`` (nobody
  applied) leaves the case decided without permits;
- a grant refused by ``nhv.special-conditions-need-basis`` is made without
  the special conditions.

A refusal for which an actor has no remedy leaves the case where it stands.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from nhvflow._sim_areas import ProgrammeArea
from nhvflow._sim_result import Tally
from nhvflow._sim_scenario import Scenario
from nhvflow.engine import Registry
from nhvflow.errors import TransitionDenied
from nhvflow.fixtures import CRITERIA, expert_group
from nhvflow.model import Actor, Case, Expert, PermitGrant, Region
from nhvflow.rules import nhv as rules

__all__ = ["OFFICE_HOURS", "NhvActors", "at_office"]

OFFICE_HOURS = time(9, 0, tzinfo=UTC)
"""Every simulated step happens at 09:00 UTC on its day."""

_T = TypeVar("_T")

_UNITS: dict[Region, str] = {
    Region.STOCKHOLM: "Karolinska Universitetssjukhuset",
    Region.UPPSALA: "Akademiska sjukhuset",
    Region.OSTERGOTLAND: "Universitetssjukhuset i Linköping",
    Region.VASTRA_GOTALAND: "Sahlgrenska Universitetssjukhuset",
    Region.SKANE: "Skånes universitetssjukhus",
    Region.VASTERBOTTEN: "Norrlands universitetssjukhus",
    Region.OREBRO: "Universitetssjukhuset Örebro",
}


def at_office(day: date) -> datetime:
    """The business time of a step taken on ``day``."""
    return datetime.combine(day, OFFICE_HOURS)


def _unit(region: Region) -> str:
    return _UNITS.get(region, f"{region.swedish_name}, länssjukhuset")


def _weighted(rng: random.Random, items: Sequence[_T], weights: Sequence[float]) -> _T:
    return rng.choices(items, weights=weights, k=1)[0]


def _sample(rng: random.Random, weights: Mapping[Region, float], k: int) -> list[Region]:
    pool = [r for r, w in weights.items() if w > 0]
    chosen: list[Region] = []
    for _ in range(min(k, len(pool))):
        pick = _weighted(rng, pool, [weights[r] for r in pool])
        pool.remove(pick)
        chosen.append(pick)
    return chosen


class _Track:
    """One case while it is simulated: where it stands and its days per step."""

    __slots__ = ("case", "case_id", "days", "kind", "last", "settled", "start")

    def __init__(self, case: Case, kind: str, start: datetime) -> None:
        self.case = case
        self.case_id = case.id
        self.kind = kind
        self.start = start
        self.last = start
        self.days: dict[str, int] = {"1": 0}
        self.settled: datetime | None = None


class NhvActors:
    """The simulated NPOs, Socialstyrelsen, expert groups, regions and board
    of the regime ``nhv``, firing every step through ``reg``."""

    def __init__(self, reg: Registry, scenario: Scenario, tally: Tally) -> None:
        self.reg = reg
        self.s = scenario
        self.d = scenario.durations
        self.o = scenario.outcomes
        self.tally = tally
        process = reg.process("nhv")
        self.steps = {t: tr.step or None for t, tr in process.transitions.items()}
        self.sos = Actor.socialstyrelsen("Socialstyrelsen (simulering)")
        self.board = Actor.board()
        self.areas = scenario.programme_areas
        self.area_weights = [a.weight for a in self.areas]
        self.npos = {a.name: Actor.npo(a.name) for a in self.areas}
        self.area_counts: Counter[str] = Counter()
        self.region_weights = {Region[name]: w for name, w in scenario.regions.items()}
        self.region_actors = {r: Actor.region(r) for r in Region}
        self.lawful: list[Expert] = expert_group()
        self.nominated = self.lawful[:2]
        self.mapping_at = (
            at_office(scenario.mapping_completed) if scenario.mapping_completed else None
        )

    # -- the registry-wide fact -------------------------------------------------------

    def record_mapping(self) -> None:
        """Record when the overall mapping was completed (before any case, at
        its business time: the rules judge each step as of its own time)."""
        if self.mapping_at is not None:
            self.reg.complete_mapping(
                self.sos, at=self.mapping_at, note="Övergripande kartläggning genomförd"
            )
            self.tally.events += 1

    # -- one step ---------------------------------------------------------------------

    def _fire(
        self, track: _Track, trigger: str, actor: Actor, at: datetime, **payload: Any
    ) -> TransitionDenied | None:
        try:
            track.case = self.reg.fire(track.case_id, trigger, actor, at=at, **payload)
        except TransitionDenied as exc:
            self.tally.refused(trigger, exc.rules)
            return exc
        self.tally.events += 1
        step = self.steps[trigger]
        if step is not None:
            track.days[step] = track.days.get(step, 0) + (at - track.last).days
        track.last = at
        return None

    def _days(self, at: datetime, distribution: Any, rng: random.Random) -> datetime:
        return at + timedelta(days=distribution.draw(rng))

    # -- one proposal -----------------------------------------------------------------

    def proposal(self, case_id: str, submitted: datetime, rng: random.Random) -> None:
        """Simulate one proposal from submission to its end, then fold it into the tally."""
        area: ProgrammeArea = _weighted(rng, self.areas, self.area_weights)
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
        case = self.reg.submit(
            self.npos[area.name],
            case_id=case_id,
            at=submitted,
            title=title,
            programme_area=area.name,
            care_measures=care,
            advisory=kind != "care",
            nominated_experts=self.nominated,
            pilot=area.pilot,
        )
        self.tally.events += 1
        self.tally.pilots += area.pilot
        track = _Track(case, kind, submitted)
        self._walk(track, area, care, rng)
        self._finish(track)

    def _walk(
        self, track: _Track, area: ProgrammeArea, care: list[str], rng: random.Random
    ) -> None:
        d, o = self.d, self.o
        if not self._appoint(track, rng):
            return
        t = self._days(track.last, d.basis, rng)
        recommends = rng.random() < o.recommends_nhv
        units = _weighted(rng, list(o.units), list(o.units.values()))
        need = track.kind != "care" or rng.random() < o.knowledge_spreading_need
        group = Actor.expert_group(track.case_id)
        if self._fire(
            track, "deliver_basis", group, t, recommends_nhv=recommends,
            units=units if recommends else None, care_measures=care,
            knowledge_spreading_need=need,
        ):  # fmt: skip
            return
        # An NPO may withdraw a proposal for care after a negative basis; an
        # advisory-only proposal goes to Socialstyrelsen's decision whatever
        # the basis says (the mission it asks for is what is to be decided).
        withdraws = track.kind != "advisory_only" and not recommends
        if withdraws and rng.random() < o.withdraw_when_not_recommended:
            t = self._days(t, d.withdrawal, rng)
            reason = "Sakkunniggruppen rekommenderar inte nationell koncentration."
            if not self._fire(track, "withdraw", self.npos[area.name], t, reason=reason):
                track.settled = t
            return
        t = self._days(t, d.open_consultation, rng)
        if self._fire(track, "open_consultation", self.sos, t, recipients=["Regionerna", "SKR"]):
            return
        t = self._days(t, d.consultation, rng)
        if self._fire(track, "close_consultation", self.sos, t):
            return
        t = self._days(t, d.decision, rng)
        if not self._decide(track, recommends, units, t, rng):
            return
        if not self._applications(track, rng):
            return
        if not self._board(track, rng):
            return
        self._follow_up(track, rng)

    def _appoint(self, track: _Track, rng: random.Random) -> bool:
        d, o = self.d, self.o
        t = self._days(track.last, d.appoint, rng)
        experts = self.lawful
        if rng.random() < o.flawed_expert_group:
            experts = expert_group(breaking=_weighted(rng, CRITERIA, [1.0] * len(CRITERIA)))
        for _ in range(3):
            refusal = self._fire(track, "appoint_expert_group", self.sos, t, experts=experts)
            if refusal is None:
                return True
            remedied = False
            if rules.mapping_pause.id in refusal.rules:
                if self.mapping_at is None:
                    return False  # waits for a mapping that is never completed
                t = self._days(max(t, self.mapping_at), d.appoint, rng)
                remedied = True
            if rules.expert_group_composition.id in refusal.rules:
                experts = self.lawful
                t = self._days(t, d.recompose, rng)
                remedied = True
            if not remedied:
                return False
        return False

    def _decide(
        self, track: _Track, recommends: bool, units: int, t: datetime, rng: random.Random
    ) -> bool:
        o = self.o
        if track.kind != "advisory_only":
            p = o.decide_when_recommended if recommends else o.decide_when_not_recommended
            if rng.random() >= p:
                reason = "Vården uppfyller inte kriterierna för nationell högspecialiserad vård."
                if not self._fire(track, "reject", self.sos, t, reason=reason):
                    track.settled = t
                return False
        # An advisory-only proposal asks for exactly one thing: the advisory
        # mission. Socialstyrelsen tries to decide it; the rules say whether it may.
        mission = track.kind != "care"
        refusal = self._fire(track, "decide", self.sos, t, units=units, advisory_mission=mission)
        if refusal is not None and refusal.rules == (rules.max_five_units.id,):
            capped = min(units, rules.MAX_UNITS)
            refusal = self._fire(
                track, "decide", self.sos, t, units=capped, advisory_mission=mission
            )
        if refusal is None:
            return True
        t = self._days(t, self.d.closure, rng)
        cited = refusal.rules[0]
        because = refusal.violations[0].message_sv
        reason = f"Kan inte beslutas enligt gällande regler ({cited}): {because}"
        if not self._fire(track, "close_not_eligible", self.sos, t, rule=cited, reason=reason):
            track.settled = t
        return False

    def _applications(self, track: _Track, rng: random.Random) -> bool:
        decided = track.last
        count = _weighted(rng, list(self.o.applicants), list(self.o.applicants.values()))
        regions = _sample(rng, self.region_weights, count)
        dated = sorted(
            ((self._days(decided, self.d.application, rng), i, r) for i, r in enumerate(regions)),
        )
        for at, _, region in dated:
            # A late application is refused by the application window and dropped.
            self._fire(
                track, "apply_for_permit", self.region_actors[region], at, unit=_unit(region)
            )
        return True

    def _board(self, track: _Track, rng: random.Random) -> bool:
        d, o = self.d, self.o
        due = track.case.data.get("decision", {}).get("applications_due")
        closes = at_office(date.fromisoformat(due)) if due else track.last
        t = self._days(max(track.last, closes), d.board_preparation, rng)
        for _ in range(o.board_rounds):
            if self._fire(track, "prepare_board", self.sos, t, assessment="Ansökningarna bedömda"):
                return False  # e.g. nobody applied: the case stays decided, without permits
            t = self._days(t, d.board, rng)
            if rng.random() >= o.board_grants:
                reason = "Beredningen behöver kompletteras."
                if self._fire(track, "refer_back", self.board, t, reason=reason):
                    return False
                t = self._days(t, d.board_preparation, rng)
                continue
            applicants = [Region[a["region"]] for a in track.case.data.get("applicants", [])]
            room = int(track.case.data.get("units") or 0) - len(track.case.valid_permits)
            chosen = rng.sample(applicants, max(0, min(room, len(applicants))))
            special = rng.random() < o.special_conditions
            grants = [
                PermitGrant(
                    r,
                    ("Nationellt utbildningsansvar inom vårdområdet",)
                    if special and i == 0
                    else (),
                )
                for i, r in enumerate(chosen)
            ]
            refusal = self._fire(track, "grant_permits", self.board, t, permits=grants)
            if refusal is not None and rules.special_conditions_need_basis.id in refusal.rules:
                plain = [PermitGrant(g.region) for g in grants]
                refusal = self._fire(track, "grant_permits", self.board, t, permits=plain)
            if refusal is None:
                track.settled = t
                return True
            return False
        return False  # referred back every round: the case rests, decided

    def _follow_up(self, track: _Track, rng: random.Random) -> None:
        d, years = self.d, self.s.follow_up_years
        if years == 0:
            return
        granted = track.last.year
        holders = [Region[p["region"]] for p in track.case.valid_permits]
        reports = sorted(
            (self._days(at_office(date(year + 1, 1, 1)), d.follow_up, rng), year, region.name)
            for year in range(granted, granted + years)
            for region in holders
        )
        for at, year, name in reports:
            actor = self.region_actors[Region[name]]
            report = "Årlig uppföljning: volymer, resultat och kunskapsspridning"
            self._fire(track, "report_follow_up", actor, at, year=year, report=report)
        t = self._days(track.last, d.evaluation, rng)
        self._fire(track, "evaluate", self.sos, t, findings="Tillstånden följs upp enligt plan")

    def _finish(self, track: _Track) -> None:
        settled = track.settled
        self.tally.finish_case(
            kind=track.kind,
            state=track.case.state,
            step_days=track.days,
            end_to_end=None if settled is None else (settled - track.start).days,
            permits=[p["region"] for p in track.case.valid_permits],
        )
