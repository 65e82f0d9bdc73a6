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
from datetime import date, datetime

from nhvflow.engine import Registry
from nhvflow.errors import TransitionDenied
from nhvflow.model import Actor, PermitGrant, Region
from nhvflow.rules import nhv as rules
from nhvflow.rules._nhv_base import marked_pilot
from nhvflow.simulate._actors import Actors, Proposal, Track, at_office, weighted
from nhvflow.simulate._areas import ProgrammeArea
from nhvflow.simulate._result import Tally
from nhvflow.simulate._scenario import Scenario

__all__ = ["NhvActors"]


class NhvActors(Actors):
    """The simulated NPOs, Socialstyrelsen, expert groups, regions and board
    of the regime ``nhv``, firing every step through ``reg``."""

    process = "nhv"
    appointment_tries = 3

    def __init__(self, reg: Registry, scenario: Scenario, tally: Tally) -> None:
        super().__init__(reg, scenario, tally)
        self.board = Actor.board()
        self.mapping_at = (
            at_office(scenario.mapping_completed) if scenario.mapping_completed else None
        )

    # -- the registry-wide fact -------------------------------------------------------

    def record_mapping(self) -> None:
        """Record the registry-wide facts before any case, each at its
        business time (the rules judge each step as of its own time): the
        scenario's pilot areas that Socialstyrelsen's page does not mark as
        pilots are designated at the scenario's start (pilots are designated,
        not declared), and the overall mapping when it was completed."""
        for area in self.areas:
            if area.pilot and not marked_pilot(area.name):
                self.reg.designate_pilot(
                    self.sos, programme_area=area.name, at=at_office(self.s.start),
                    reason="Pilot i scenariot",
                )  # fmt: skip
                self.tally.events += 1
        if self.mapping_at is not None:
            self.reg.complete_mapping(
                self.sos, at=self.mapping_at, note="Övergripande kartläggning genomförd"
            )
            self.tally.events += 1

    # -- one proposal -----------------------------------------------------------------

    def permits(self, track: Track) -> list[str]:
        """The regions holding a valid permit of the case."""
        return [p["region"] for p in track.case.valid_permits]

    def permit_years(self, track: Track) -> list[int]:
        """The year each valid permit of the case starts."""
        return [date.fromisoformat(p["starts_on"]).year for p in track.case.valid_permits]

    def walk(self, track: Track, proposal: Proposal, rng: random.Random) -> None:
        """Steps 2 to 8, as far as the rules and the actors' choices take the case."""
        self._walk(track, proposal.area, proposal.care_measures, rng)

    def _walk(self, track: Track, area: ProgrammeArea, care: list[str], rng: random.Random) -> None:
        d, o = self.d, self.o
        if not self.appoint(track, rng):
            return
        t = self.later(track.last, d.basis, rng)
        recommends = rng.random() < o.recommends_nhv
        units = weighted(rng, list(o.units), list(o.units.values()))
        need = track.kind != "care" or rng.random() < o.knowledge_spreading_need
        group = Actor.expert_group(track.case_id)
        if self.fire(
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
            t = self.later(t, d.withdrawal, rng)
            reason = "Sakkunniggruppen rekommenderar inte nationell koncentration."
            if not self.fire(track, "withdraw", self.npos[area.name], t, reason=reason):
                track.settled = t
            return
        t = self.later(t, d.open_consultation, rng)
        if self.fire(track, "open_consultation", self.sos, t, recipients=["Regionerna", "SKR"]):
            return
        t = self.later(t, d.consultation, rng)
        if self.fire(track, "close_consultation", self.sos, t):
            return
        t = self.later(t, d.decision, rng)
        if not self._decide(track, recommends, units, t, rng):
            return
        self.applications(track, "apply_for_permit", rng)
        if not self._board(track, rng):
            return
        self._follow_up(track, rng)

    def reappoint(
        self, refusal: TransitionDenied, t: datetime, rng: random.Random
    ) -> datetime | None:
        """A proposal refused by ``nhv.mapping-pause`` waits for the mapping
        (for ever, when the scenario never completes it), then Socialstyrelsen
        appoints again after ``durations.appoint`` days; a refused composition
        is recomposed as under every regime."""
        if rules.mapping_pause.id not in refusal.rules:
            return super().reappoint(refusal, t, rng)
        if self.mapping_at is None:
            return None  # waits for a mapping that is never completed
        waited = self.later(max(t, self.mapping_at), self.d.appoint, rng)
        recomposed = super().reappoint(refusal, waited, rng)
        return waited if recomposed is None else recomposed

    def _decide(
        self, track: Track, recommends: bool, units: int, t: datetime, rng: random.Random
    ) -> bool:
        o = self.o
        if track.kind != "advisory_only":
            p = o.decide_when_recommended if recommends else o.decide_when_not_recommended
            if rng.random() >= p:
                reason = "Vården uppfyller inte kriterierna för nationell högspecialiserad vård."
                if not self.fire(track, "reject", self.sos, t, reason=reason):
                    track.settled = t
                return False
        # An advisory-only proposal asks for exactly one thing: the advisory
        # mission. Socialstyrelsen tries to decide it; the rules say whether it may.
        mission = track.kind != "care"
        refusal = self.fire(track, "decide", self.sos, t, units=units, advisory_mission=mission)
        if refusal is not None and refusal.rules == (rules.max_five_units.id,):
            capped = min(units, rules.MAX_UNITS)
            refusal = self.fire(
                track, "decide", self.sos, t, units=capped, advisory_mission=mission
            )
        if refusal is None:
            return True
        t = self.later(t, self.d.closure, rng)
        cited = refusal.rules[0]
        because = refusal.violations[0].message_sv
        reason = f"Kan inte beslutas enligt gällande regler ({cited}): {because}"
        if not self.fire(track, "close_not_eligible", self.sos, t, rule=cited, reason=reason):
            track.settled = t
        return False

    def _board(self, track: Track, rng: random.Random) -> bool:
        d, o = self.d, self.o
        decision = rules.NhvCase(track.case.data).decision
        due = None if decision is None else decision.applications_due
        closes = at_office(due) if due else track.last
        t = self.later(max(track.last, closes), d.board_preparation, rng)
        for _ in range(o.board_rounds):
            if self.fire(track, "prepare_board", self.sos, t, assessment="Ansökningarna bedömda"):
                return False  # e.g. nobody applied: the case stays decided, without permits
            t = self.later(t, d.board, rng)
            if rng.random() >= o.board_grants:
                reason = "Beredningen behöver kompletteras."
                if self.fire(track, "refer_back", self.board, t, reason=reason):
                    return False
                t = self.later(t, d.board_preparation, rng)
                continue
            view = rules.NhvCase(track.case.data)
            applicants = [a.region for a in view.applicants]
            room = (view.units or 0) - len(track.case.valid_permits)
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
            refusal = self.fire(track, "grant_permits", self.board, t, permits=grants)
            if refusal is not None and rules.special_conditions_need_basis.id in refusal.rules:
                plain = [PermitGrant(g.region) for g in grants]
                refusal = self.fire(track, "grant_permits", self.board, t, permits=plain)
            if refusal is None:
                track.settled = t
                return True
            return False
        return False  # referred back every round: the case rests, decided

    def _follow_up(self, track: Track, rng: random.Random) -> None:
        d, years = self.d, self.s.follow_up_years  # none: evaluated without follow-ups
        granted = track.last.year
        holders = [Region[p["region"]] for p in track.case.valid_permits]
        reports = sorted(
            (self.later(at_office(date(year + 1, 1, 1)), d.follow_up, rng), year, region.name)
            for year in range(granted, granted + years)
            for region in holders
        )
        for at, year, name in reports:
            actor = self.region_actors[Region[name]]
            report = "Årlig uppföljning: volymer, resultat och kunskapsspridning"
            self.fire(track, "report_follow_up", actor, at, year=year, report=report)
        t = self.later(track.last, d.evaluation, rng)
        self.fire(track, "evaluate", self.sos, t, findings="Tillstånden följs upp enligt plan")
