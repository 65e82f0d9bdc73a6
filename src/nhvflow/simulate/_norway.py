"""The actors of Norway's national competence services (regime
``no-competence-service``), simulated: one proposal at a time, every step
fired through the public :class:`~nhvflow.Registry` at its business time.

The same population as under ``nhv`` (the same programme areas, kinds and
titles for one seed) maps onto the Norwegian process (Socialstyrelsen,
Förutsättningar för kompetenscentrum inom nationell högspecialiserad vård,
2019, "Norges system för nationella kompetenstjänster"):

1. one of the four regional health enterprises, drawn with equal chances,
   takes the initiative (``submit``) with the proposal's fields unchanged;
2. each of the other three answers after ``durations.appoint`` days and
   supports the initiative with ``outcomes.enterprise_supports``; after the
   last answer and ``durations.open_consultation`` days the initiator
   applies. Without every other enterprise's support the application is
   refused by ``no.support-of-the-others`` and the initiative rests
   ``initiated``;
3. after ``durations.basis`` days Helsedirektoratet reviews the service with
   experts: with ``outcomes.recommends_nhv`` (the experts' verdict, as the
   basis's under ``nhv``) it finds all three criteria met, else one of them
   (drawn) not met;
4. after ``durations.decision`` days the ministry approves (with
   ``outcomes.decide_when_recommended`` when the review found every
   criterion met, with ``outcomes.decide_when_not_recommended`` otherwise)
   or refuses. An approval of a service the review did not find meeting the
   criteria is refused by ``no.approval-criteria``, and the ministry then
   refuses the service after ``durations.closure`` days. An approved service
   is permanent with ``outcomes.permanent_service``; every plan estimates
   the wind-down (a permanent service's twenty years on, any other's five);
5. the initiator reports every year for ``follow_up_years`` years
   (``durations.follow_up`` days into the next year); a report says the
   goals are met with ``outcomes.goals_met``, and once met they stay met;
6. when a report says the goals are met, the wind-down is due, and the
   ministry winds the service down after ``durations.evaluation`` days
   (a permanent one too: the finding is recorded, not an exemption).

Swedish regions do not take part (``regions`` is not used), and nothing in
this regime reads the care measures or the pilot flag. The rules decide; a
refusal without a remedy leaves the case where it stands.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from nhvflow.engine import Registry
from nhvflow.model import HEALTH_ENTERPRISES, Actor
from nhvflow.rules import norway as rules
from nhvflow.simulate._actors import Actors, Proposal, Track, at_office, weighted
from nhvflow.simulate._result import Tally
from nhvflow.simulate._scenario import Scenario

__all__ = ["NorwayActors"]

_EXPERTS = ["Fagekspert, spesialisthelsetjenesten", "Brukerrepresentant"]
_WIND_DOWN_AFTER = timedelta(days=5 * 365)
_PERMANENT_ESTIMATE = timedelta(days=20 * 365)


class NorwayActors(Actors):
    """The simulated health enterprises, Helsedirektoratet and the ministry
    of the regime ``no-competence-service``, firing every step through ``reg``."""

    process = "no-competence-service"

    def __init__(self, reg: Registry, scenario: Scenario, tally: Tally) -> None:
        super().__init__(reg, scenario, tally)
        self.enterprises = {name: Actor.health_enterprise(name) for name in HEALTH_ENTERPRISES}
        self.directorate = Actor.directorate()
        self.ministry = Actor.ministry()

    def proposer(self, proposal: Proposal, rng: random.Random) -> Actor:
        """A health enterprise, drawn, takes the initiative with the proposal."""
        initiator = weighted(rng, HEALTH_ENTERPRISES, [1.0] * len(HEALTH_ENTERPRISES))
        return self.enterprises[initiator]

    def own_fields(self) -> dict[str, Any]:
        """The service's target groups and tasks."""
        return {
            "target_groups": ["spesialisthelsetjenesten", "primærhelsetjenesten"],
            "tasks": ["kompetansespredning", "rådgivning"],
        }

    def walk(self, track: Track, proposal: Proposal, rng: random.Random) -> None:
        """Support, application, review, decision, annual reports and wind-down."""
        initiator = rules.NorwayCase(track.case.data).initiator
        assert initiator is not None  # every submission names the enterprise that initiates
        if not self._support_and_apply(track, initiator, rng):
            return
        met_all = self._review(track, rng)
        permanent = self._decide(track, met_all, rng)
        if permanent is not None:
            self._report(track, self.enterprises[initiator], permanent, rng)

    def _support_and_apply(self, track: Track, initiator: str, rng: random.Random) -> bool:
        d, o = self.d, self.o
        answers = sorted(
            (self.later(track.start, d.appoint, rng), name, rng.random() < o.enterprise_supports)
            for name in HEALTH_ENTERPRISES
            if name != initiator
        )
        for at, name, supports in answers:
            if supports:
                statement = "Vi støtter etableringen av tjenesten"
                self.fire(track, "support", self.enterprises[name], at, statement=statement)
        t = self.later(max(at for at, _, _ in answers), d.open_consultation, rng)
        application = "Søknad om godkjenning av nasjonal kompetansetjeneste"
        applicant = self.enterprises[initiator]
        return self.fire(track, "apply", applicant, t, application=application) is None

    def _review(self, track: Track, rng: random.Random) -> bool:
        t = self.later(track.last, self.d.basis, rng)
        met_all = rng.random() < self.o.recommends_nhv
        found = dict.fromkeys(rules.APPROVAL_CRITERIA, True)
        if not met_all:
            missing = weighted(rng, list(found), [1.0] * len(found))
            found[missing] = False
        recommendation = "Anbefales godkjent" if met_all else "Anbefales ikke godkjent"
        self.fire(
            track,
            "review",
            self.directorate,
            t,
            experts=_EXPERTS,
            recommendation=recommendation,
            **found,
        )
        return met_all

    def _decide(self, track: Track, met_all: bool, rng: random.Random) -> bool | None:
        """The ministry's decision; whether the approved service is permanent,
        or ``None`` when it was not approved."""
        d, o = self.d, self.o
        if track.case.state != "reviewed":
            return None
        t = self.later(track.last, d.decision, rng)
        p = o.decide_when_recommended if met_all else o.decide_when_not_recommended
        refuse_at: datetime | None = t
        if rng.random() < p:
            permanent = rng.random() < o.permanent_service
            estimate = (t + (_PERMANENT_ESTIMATE if permanent else _WIND_DOWN_AFTER)).date()
            refusal = self.fire(
                track,
                "approve",
                self.ministry,
                t,
                goals=["Kompetanse tilgjengelig i alle helseregioner"],
                goals_met_when="Kompetansen er spredt til alle fire helseregioner",
                wind_down_estimate=estimate,
                permanent=permanent,
            )
            if refusal is None:
                track.settled = t
                return permanent
            refuse_at = (
                self.later(t, d.closure, rng)
                if rules.approval_criteria.id in refusal.rules
                else None
            )
        if refuse_at is not None:
            reason = "Tjenesten oppfyller ikke kriteriene for nasjonale tjenester"
            if not self.fire(track, "refuse", self.ministry, refuse_at, reason=reason):
                track.settled = refuse_at
        return None

    def _report(self, track: Track, initiator: Actor, permanent: bool, rng: random.Random) -> None:
        d, o = self.d, self.o
        approved = track.last.year
        met = False
        for year in range(approved, approved + self.s.follow_up_years):
            at = self.later(at_office(date(year + 1, 1, 1)), d.follow_up, rng)
            met = met or rng.random() < o.goals_met
            report = "Årsrapport: aktivitet, måloppnåelse og kompetansespredning"
            if self.fire(track, "report_annually", initiator, at, year=year, report=report,
                         goals_met=met):  # fmt: skip
                return
            if met:
                t = self.later(at, d.evaluation, rng)
                reason = "Målene i planen er nådd"
                self.fire(track, "wind_down", self.ministry, t, reason=reason)
                return
