"""User code written against nhvflow's typed steps, as a service would.

``tests/typing/test_typing.py`` runs ``mypy --strict`` over this file and
expects no error; it also runs the file, so the code here works too.
Keep it reading like a user's code: public names only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import nhvflow
from nhvflow import Actor, Case, Expert, PermitGrant, Region, UnknownCase, Violation
from nhvflow.fixtures import expert_group
from nhvflow.rules import RuleOutcome
from nhvflow.steps import (
    ApplyForPermit,
    AppointExpertGroup,
    CloseConsultation,
    Decide,
    DeliverBasis,
    GrantPermits,
    OpenConsultation,
    PrepareBoard,
    ReportFollowUp,
    Submit,
    Trigger,
    kc,
)


def walk_to_permits(reg: nhvflow.Registry, start: datetime) -> Case:
    """One proposal through the eight steps, every step a typed object."""
    npo = Actor.npo("Nervsystemets sjukdomar")
    sos = Actor.socialstyrelsen()
    board = Actor.board()
    at = start
    group: list[Expert] = expert_group()
    case = reg.submit(
        npo,
        Submit(
            title="Avancerad behandling av Parkinsons sjukdom",
            programme_area="Nervsystemets sjukdomar",
            care_measures=("djup hjärnstimulering",),
            nominated_experts=tuple(group[:1]),
            pilot=True,
        ),
        at=at,
    )
    case = reg.fire(case.id, AppointExpertGroup(experts=tuple(group)), sos, at=at)
    expert = Actor.expert_group(case.id)
    case = reg.fire(
        case.id,
        DeliverBasis(recommends_nhv=True, units=2, care_measures=("stamcellstransplantation",)),
        expert,
        at=at + timedelta(days=1),
    )
    case = reg.fire(case.id, OpenConsultation(recipients=("SKR",)), sos, at=at + timedelta(2))
    case = reg.fire(case.id, CloseConsultation(), sos, at=at + timedelta(days=3))
    refused: list[Violation] = reg.check(case.id, Decide(units=6), sos, at=at + timedelta(4))
    assert refused, "six units are more than the law allows"
    outcomes: list[RuleOutcome] = reg.explain(case.id, Decide(units=2), sos)
    assert all(o.status != "failed" for o in outcomes)
    case = reg.fire(
        case.id,
        Decide(units=2, applications_due=date(2019, 12, 31)),
        sos,
        at=at + timedelta(days=4),
        idempotency_key="decide-once",
    )
    for region in (Region.SKANE, Region.STOCKHOLM):
        applicant = Actor.region(region)
        case = reg.fire(
            case.id,
            ApplyForPermit(unit=f"Universitetssjukhuset i {region.name}"),
            applicant,
            at=at + timedelta(days=5),
        )
    case = reg.fire(
        case.id, PrepareBoard(assessment="Båda uppfyller kraven."), sos, at=at + timedelta(days=6)
    )
    grants = (PermitGrant(Region.SKANE), PermitGrant(Region.STOCKHOLM))
    case = reg.fire(case.id, GrantPermits(permits=grants), board, at=at + timedelta(days=7))
    follow_up = ReportFollowUp(year=2020, report="Tolv patienter.")
    return reg.fire(case.id, follow_up, Actor.region(Region.SKANE), at=at + timedelta(days=400))


def keyword_form_still_works(reg: nhvflow.Registry, case_id: str) -> list[str]:
    """The keyword form takes a trigger name; a ``Trigger`` annotation checks it."""
    trigger: Trigger = "withdraw"
    reg.check(case_id, trigger, Actor.npo("Reumatiska sjukdomar"), reason="Inte längre aktuellt")
    return reg.allowed_triggers(case_id, Actor.socialstyrelsen())


def another_regime(reg: nhvflow.Registry) -> Case:
    """A ``kc-proposal`` case opened by that regime's typed ``Submit``."""
    need = kc.Submit(title="Kompetens i ovanliga diagnoser", programme_area="Sällsynta sjukdomar")
    return reg.submit(Actor.npo("Sällsynta sjukdomar"), need)


def errors_are_typed(reg: nhvflow.Registry, case_id: str) -> tuple[str, str]:
    """The errors are public names, with their data: an unknown case, a step
    the case's state does not offer (asked of a case officer by name)."""
    unknown = trigger = ""
    try:
        reg.get("no-such-case")
    except UnknownCase as missing:
        unknown = missing.case_id
    try:
        reg.fire(case_id, Decide(units=2), Actor.socialstyrelsen("handläggare"))
    except nhvflow.InvalidTrigger as offered:
        trigger = offered.trigger
    return unknown, trigger


def main() -> None:
    """Run the walk in memory."""
    with nhvflow.open(":memory:") as reg:
        case = walk_to_permits(reg, datetime(2019, 3, 1, 9, tzinfo=UTC))
        assert case.state == "permitted"
        other = reg.submit(
            Actor.npo("Reumatiska sjukdomar"),
            Submit(
                title="Ett förslag till",
                programme_area="Reumatiska sjukdomar",
                nominated_experts=tuple(expert_group()[:1]),
            ),
        )
        assert "close_not_eligible" in keyword_form_still_works(reg, other.id)
        assert another_regime(reg).process == "kc-proposal"
        assert errors_are_typed(reg, case.id) == ("no-such-case", "decide")


if __name__ == "__main__":
    main()
