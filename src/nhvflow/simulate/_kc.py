"""The actors of the proposed competence-centre system (regime
``kc-proposal``), simulated: one proposal at a time, every step fired through
the public :class:`~nhvflow.Registry` at its business time.

The same population as under ``nhv`` (the same programme areas, kinds and
titles for one seed) maps onto the report's four points (Socialstyrelsen,
Förutsättningar för kompetenscentrum, 2019, "Kompetenscentrum bör utredas
vidare") and an evaluation:

1. the NPO defines the need (``submit``), the proposal's fields unchanged;
2. Socialstyrelsen appoints an expert group after ``durations.appoint`` days
   (there is no mapping pause in this regime; a flawed group, drawn with
   ``outcomes.flawed_expert_group``, is refused by
   ``nhv.expert-group-composition`` and recomposed after
   ``durations.recompose``); after ``durations.basis`` days the group fixes
   the number of centres (drawn from ``outcomes.units``: the number of
   units the basis proposes under ``nhv``) and their tasks;
3. the preparation group weighs the system effects after
   ``durations.open_consultation`` plus ``durations.consultation`` days
   (the time of the remiss under ``nhv``);
4. regions apply (how many from ``outcomes.applicants``, which from
   ``regions``, each after ``durations.application`` days; the regime has no
   application window), and after ``durations.decision`` more days
   Socialstyrelsen establishes as many centres as the basis fixed (chosen at
   random among the applicants), financed in a form drawn from
   ``outcomes.financing``; with ``outcomes.multi_year_grant`` a state grant
   is first asked for three years without the Riksdag's authorisation,
   refused by ``kc.state-grant-one-year``, and then granted for one year;
5. ``follow_up_years`` after the establishment (1 January), plus
   ``durations.evaluation`` days, Socialstyrelsen evaluates the centres.

The regime has no rejection, no withdrawal and no care-measure rule: every
proposal, advisory-only ones included, is established unless nobody applies
(then the case rests ``prepared``). ``outcomes.recommends_nhv`` and the
probabilities of Socialstyrelsen's and the board's choices under ``nhv`` are
not used. The rules decide; a refusal without a remedy leaves the case where
it stands.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from nhvflow.model import Actor
from nhvflow.rules import kc as rules
from nhvflow.simulate._actors import Actors, Proposal, Track, at_office, weighted

__all__ = ["FUNDERS", "TASKS", "KcActors"]

TASKS = (
    "Rådgivning om diagnostik och behandling",
    "Kunskapsspridning och utbildning",
)
"""The tasks every simulated basis gives the centres."""

FUNDERS: dict[str, str] = {
    "state_grant": "Socialstyrelsen (statsbidrag)",
    "procurement": "Socialstyrelsen (upphandling)",
    "agency": "Socialstyrelsen",
}
"""Who procures, grants or runs the centres, by form of financing."""


class KcActors(Actors):
    """The simulated NPOs, Socialstyrelsen, expert groups and regions of the
    regime ``kc-proposal``, firing every step through ``reg``."""

    process = "kc-proposal"

    def own_fields(self) -> dict[str, Any]:
        """The NPO defines the need: the proposal, submitted unchanged, with the need."""
        return {"need": "Nationell rådgivning och kunskapsspridning inom området"}

    def walk(self, track: Track, proposal: Proposal, rng: random.Random) -> None:
        """Points 2 to 4 of the report and the evaluation, as far as the rules allow."""
        d, o = self.d, self.o
        if not self.appoint(track, rng):
            return
        t = self.later(track.last, d.basis, rng)
        centres = weighted(rng, list(o.units), list(o.units.values()))
        group = Actor.expert_group(track.case_id)
        scope = "Rådgivning som inte täcks av nationell högspecialiserad vård"
        if self.fire(
            track, "deliver_basis", group, t, centres=centres, tasks=list(TASKS), scope=scope
        ):
            return
        t = self.later(t, d.open_consultation, rng)
        t = self.later(t, d.consultation, rng)
        assessment = "Koncentrerad kompetens stärker vården i hela landet"
        if self.fire(
            track,
            "assess_system_effects",
            self.sos,
            t,
            assessment=assessment,
            preparation_group=["Regionerna", "SKR"],
        ):
            return
        self.applications(track, "apply_to_establish", rng)
        if self._establish(track, centres, rng):
            self._evaluate(track, rng)

    def _establish(self, track: Track, centres: int, rng: random.Random) -> bool:
        o = self.o
        applicants = list(rules.KcCase(track.case.data).applied)
        if not applicants:
            return False  # nobody applied: nothing to establish, the case rests prepared
        t = self.later(track.last, self.d.decision, rng)
        chosen = rng.sample(applicants, min(centres, len(applicants)))
        form = weighted(rng, list(o.financing), list(o.financing.values()))
        years = 3 if form == "state_grant" and rng.random() < o.multi_year_grant else None
        terms = {"regions": chosen, "financing": form, "funder": FUNDERS[form]}
        refusal = self.fire(track, "establish", self.sos, t, grant_years=years, **terms)
        if refusal is not None and refusal.rules == (rules.state_grant_one_year.id,):
            refusal = self.fire(track, "establish", self.sos, t, grant_years=1, **terms)
        if refusal is not None:
            return False
        track.settled = t
        return True

    def _evaluate(self, track: Track, rng: random.Random) -> None:
        years = self.s.follow_up_years
        due = max(at_office(date(track.last.year + years, 1, 1)), track.last)  # none: at once
        t = self.later(due, self.d.evaluation, rng)
        findings = "Centrumen når hela landet; finansieringen utvärderad"
        self.fire(track, "evaluate", self.sos, t, findings=findings)
