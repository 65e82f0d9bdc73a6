"""The views of the other regimes read what their folds write, typed: a case
walked through the public API reads the same through its view as through
its data."""

from __future__ import annotations

from datetime import date

from nhvflow import Actor, Region
from nhvflow.events.ern import ERN_CRITERIA
from nhvflow.model import HEALTH_ENTERPRISES
from nhvflow.rules import ErnCase, KcCase, NorwayCase, ProposalCase


def test_a_kc_case_reads_its_basis_and_applicants(reg, kit):
    """The basis's number and tasks, and the regions that applied, as Region members."""
    need = reg.submit(Actor.npo(kit.KC_AREA), process="kc-proposal", at=kit.START, **kit.kc_need())
    assert ProposalCase(need.data).programme_area == kit.KC_AREA
    assert KcCase(need.data).basis is None
    case = kit.walk_kc(reg, need.id, "established", regions=(Region.SKANE,))
    view = KcCase(case.data)
    assert view.basis is not None and view.basis.centres == 2
    assert view.basis.tasks == kit.KC_TASKS
    assert view.applied == (Region.SKANE,)


def test_an_ern_case_reads_its_network_country_and_findings(reg, kit):
    """The network and Member State applied from, the criteria met and the opinion."""
    provider = Actor.provider("Karolinska universitetssjukhuset", "SE")
    applied = reg.submit(provider, process="ern-membership", at=kit.START, **kit.ern_application())
    view = ErnCase(applied.data)
    assert (view.network, view.country) == (kit.NETWORK, "SE")
    assert view.criteria_met == frozenset() and not view.favourable_opinion
    met = ERN_CRITERIA[:3]
    case = kit.walk_ern(reg, applied.id, "assessed", favourable=True, met=met)
    view = ErnCase(case.data)
    assert view.criteria_met == frozenset(met) and view.favourable_opinion


def test_a_norwegian_case_reads_its_initiator_review_and_reports(reg, kit):
    """The initiator, the supporters, the criteria found met and the annual reports."""
    initiator = Actor.health_enterprise("Helse Sør-Øst")
    taken = reg.submit(
        initiator, process="no-competence-service", at=kit.START, **kit.no_initiative()
    )
    assert NorwayCase(taken.data).initiator == "Helse Sør-Øst"
    assert NorwayCase(taken.data).approved_on is None
    case = kit.walk_no(reg, taken.id, "active")
    view = NorwayCase(case.data)
    assert view.supporters == frozenset(HEALTH_ENTERPRISES) - {"Helse Sør-Øst"}
    assert view.criteria_met == {"quality_of_course", "national_competence", "cost_effectiveness"}
    assert isinstance(view.approved_on, date) and view.latest_report is None
    year = view.approved_on.year
    case = reg.fire(case.id, "report_annually", initiator, year=year, goals_met=True)
    view = NorwayCase(case.data)
    assert view.annual_reports == view.annual_reports[:1]
    assert view.latest_report is not None and view.latest_report.year == year
    assert view.latest_report.goals_met
