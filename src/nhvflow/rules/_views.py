"""The case views of the regimes nhvflow ships: each regime's typed,
read-only reading of the ``data`` its folds write (:class:`NhvCase`,
:class:`KcCase`, :class:`ErnCase`, :class:`NorwayCase`).

A case's ``data`` is a JSON dict that the regime's events fold into
(``nhvflow.events``); its view is the one place that names those keys for
reading. A rule reads the case through the view of its regime, built once
per step (``step.view(NhvCase)``): ``case.units``, ``case.valid_permits``,
``case.application_period`` rather than ``data["units"]`` and
``data.get("permits", [])``.

A view is lazy: building one costs a single object, and each property
converts only what a rule reads (the collections once per step:
:class:`~nhvflow.rules.once`). Regions are :class:`~nhvflow.model.Region`
members, days :class:`~datetime.date` values and lists tuples of small frozen
records. A submission's step sees the view of an empty case: ``None``, zero
and empty tuples throughout.

Each :class:`~nhvflow.states.Process` of nhvflow declares its view
(``Process.view``); a process of your own may declare one (subclass
:class:`~nhvflow.rules.CaseView`) or none, and its rules then read
``step.data``.

.. versionadded:: 0.2
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import attrs

from nhvflow.model import Region
from nhvflow.rules._base import CaseView, once

__all__ = [
    "Applicant",
    "ApplicationPeriod",
    "ErnCase",
    "FollowUp",
    "KcBasis",
    "KcCase",
    "NhvCase",
    "NhvDecision",
    "NorwayCase",
    "Permit",
    "ProposalCase",
    "RevocationRequest",
    "YearReport",
]


def _day(moment: object) -> date:
    """The day of a time as ``data`` records it (ISO text, UTC: its first ten characters)."""
    return date.fromisoformat(str(moment)[:10])


def _moment(moment: object) -> datetime:
    """A time as ``data`` records it (ISO text with its offset)."""
    return datetime.fromisoformat(str(moment))


def _text(data: Mapping[str, Any], key: str) -> str | None:
    """The text under ``key`` (``None`` where the case has none, or an empty one)."""
    text: str | None = data.get(key) or None
    return text


def _items(data: Mapping[str, Any], key: str) -> Iterable[Mapping[str, Any]]:
    items: Iterable[Mapping[str, Any]] = data.get(key) or ()
    return items


def _record(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    record: Mapping[str, Any] | None = data.get(key) or None
    return record


class ProposalCase(CaseView):
    """What every proposal shares whatever its regime: the programme area it
    was submitted in (``None`` before the submission)."""

    @property
    def programme_area(self) -> str | None:
        """The programme area the proposal was submitted in."""
        return _text(self._data, "programme_area")


# -- nhv --------------------------------------------------------------------------------


@attrs.frozen
class Applicant:
    """A region's application for a permit (or for a competence centre), in a
    round of applications (the first is 0; a revocation opens the next)."""

    region: Region
    unit: str | None
    round: int = 0


@attrs.frozen
class Permit:
    """A permit as the case records it: the holder, its unit, whether it is
    still valid (``False`` once revoked) and the day and moment it was granted."""

    region: Region
    unit: str | None
    valid: bool
    granted_on: date
    granted_at: datetime
    """The moment it was granted (what orders it among the case's other records)."""

    def since_granted(self, record: FollowUp | RevocationRequest) -> bool:
        """Whether the holder's ``record`` was made for this permit: by its
        region, at or after it was granted (not for an earlier permit of the
        region, since revoked)."""
        return record.region is self.region and record.made_at >= self.granted_at


@attrs.frozen
class NhvDecision:
    """Socialstyrelsen's decision that the care is NHV (step 4)."""

    units: int
    care_measures: tuple[str, ...]
    decided_on: date
    applications_due: date | None
    applications_due_default: bool | None = None
    """Whether the last day is the registry's default period (``None``: a
    decision recorded before nhvflow said)."""


@attrs.frozen
class ApplicationPeriod:
    """The period in which regions may apply for a permit: from its first day
    to its last (``None``: no last day set)."""

    opens: date
    due: date | None
    default: bool | None = None
    """Whether the last day is the registry's default period, a setting of
    practice, rather than one the step named (``None``: recorded before
    nhvflow said)."""


@attrs.frozen
class FollowUp:
    """A permit holder's annual follow-up report (step 8)."""

    region: Region
    year: int
    made_at: datetime
    """When it was reported."""


@attrs.frozen
class RevocationRequest:
    """A permit holder's request that its permit be revoked."""

    region: Region
    made_at: datetime


class NhvCase(ProposalCase):
    """A case of the regime ``nhv`` (the law in force), as its rules read it."""

    @property
    def advisory(self) -> bool:
        """Whether the proposal was submitted as advice (an advisory mission)."""
        return bool(self._data.get("advisory"))

    @property
    def proposed_care(self) -> tuple[str, ...]:
        """The care measures the NPO proposed to concentrate."""
        return tuple(self._data.get("care_measures") or ())

    @property
    def care_to_concentrate(self) -> tuple[str, ...]:
        """The care measures to concentrate: the expert group's, once its
        basis is delivered (even none), else the proposal's."""
        basis = _record(self._data, "basis")
        if basis is None:
            return self.proposed_care
        return tuple(basis.get("care_measures") or ())

    @property
    def units(self) -> int | None:
        """The number of units decided (``None`` before the decision)."""
        units: int | None = self._data.get("units")
        return units

    @once
    def decision(self) -> NhvDecision | None:
        """The decision that the care is NHV, if taken."""
        decision = _record(self._data, "decision")
        if decision is None:
            return None
        due = decision.get("applications_due")
        return NhvDecision(
            units=int(decision.get("units") or 0),
            care_measures=tuple(decision.get("care_measures") or ()),
            decided_on=_day(decision["decided_at"]),
            applications_due=None if due is None else date.fromisoformat(due),
            applications_due_default=decision.get("applications_due_default"),
        )

    @property
    def application_round(self) -> int:
        """The current round of applications: 0 after the decision, one more
        after each revocation that frees a place."""
        return int(self._data.get("application_round", 0))

    @once
    def application_period(self) -> ApplicationPeriod | None:
        """The period of the current round: the one the last revocation
        opened, else the decision's (``None`` before the decision)."""
        window = _record(self._data, "application_window")
        if window is not None:
            return ApplicationPeriod(
                _day(window["opens"]), date.fromisoformat(window["due"]), window.get("default")
            )
        decision = self.decision
        if decision is None:
            return None
        return ApplicationPeriod(
            decision.decided_on, decision.applications_due, decision.applications_due_default
        )

    @once
    def applicants(self) -> tuple[Applicant, ...]:
        """Every application for a permit, in every round."""
        return tuple(
            Applicant(Region[a["region"]], a.get("unit"), a.get("round", 0))
            for a in _items(self._data, "applicants")
        )

    @once
    def applied_this_round(self) -> tuple[Region, ...]:
        """The regions that applied in the current round."""
        current = self.application_round  # read without building the records: a hot path
        applicants = _items(self._data, "applicants")
        return tuple(Region[a["region"]] for a in applicants if a.get("round", 0) == current)

    @once
    def permits(self) -> tuple[Permit, ...]:
        """Every permit granted in the case, valid and revoked."""
        return tuple(
            Permit(
                Region[p["region"]], p.get("unit"), bool(p["valid"]), _day(p["granted_at"]),
                _moment(p["granted_at"]),
            )
            for p in _items(self._data, "permits")
        )  # fmt: skip

    @once
    def valid_permits(self) -> tuple[Permit, ...]:
        """The permits not revoked."""
        return tuple(p for p in self.permits if p.valid)

    @once
    def holders(self) -> tuple[Region, ...]:
        """The regions holding a valid permit."""
        permits = _items(self._data, "permits")  # without building the records: a hot path
        return tuple(Region[p["region"]] for p in permits if p["valid"])

    def holds_valid_permit(self, region: Region | None) -> bool:
        """Whether ``region`` holds a valid permit in the case."""
        return region in self.holders

    @property
    def before_board(self) -> bool:
        """Whether applications have been prepared for the board since its last decision."""
        return bool(self._data.get("before_board"))

    @property
    def knowledge_spreading_need(self) -> bool:
        """Whether the basis, the consultation or a board preparation recorded a
        need for special knowledge-spreading conditions."""
        return bool(self._data.get("knowledge_spreading_need"))

    @once
    def follow_ups(self) -> tuple[FollowUp, ...]:
        """The holders' annual follow-up reports."""
        return tuple(
            FollowUp(Region[f["region"]], int(f["year"]), _moment(f["reported_at"]))
            for f in _items(self._data, "follow_ups")
        )

    def reported(self, permit: Permit, year: int) -> bool:
        """Whether the holder has reported the follow-up of ``permit`` for
        ``year`` (one report per permit and year)."""
        return any(f.year == year and permit.since_granted(f) for f in self.follow_ups)

    @once
    def revocation_requested_by(self) -> tuple[Region, ...]:
        """The holders that asked for their valid permit to be revoked: each
        asked at or after that permit was granted (a request made for an
        earlier permit of the region, since revoked, asks nothing of the
        one it holds now)."""
        requests = [
            RevocationRequest(Region[r["region"]], _moment(r["requested_at"]))
            for r in _items(self._data, "revocation_requests")
        ]
        return tuple(
            {p.region: None for p in self.valid_permits if any(map(p.since_granted, requests))}
        )


# -- kc-proposal ------------------------------------------------------------------------


@attrs.frozen
class KcBasis:
    """The expert group's basis: how many competence centres, and their tasks."""

    centres: int
    tasks: tuple[str, ...]


class KcCase(ProposalCase):
    """A case of the regime ``kc-proposal`` (the proposed competence centres),
    as its rules read it."""

    @once
    def basis(self) -> KcBasis | None:
        """The basis, once delivered."""
        basis = _record(self._data, "basis")
        if basis is None:
            return None
        return KcBasis(int(basis.get("centres") or 0), tuple(basis.get("tasks") or ()))

    @once
    def applicants(self) -> tuple[Applicant, ...]:
        """The regions' applications to establish a centre."""
        return tuple(
            Applicant(Region[a["region"]], a.get("unit")) for a in _items(self._data, "applicants")
        )

    @once
    def applied(self) -> tuple[Region, ...]:
        """The regions that applied to establish a centre."""
        return tuple(a.region for a in self.applicants)


# -- ern-membership ---------------------------------------------------------------------


class ErnCase(CaseView):
    """A case of the regime ``ern-membership`` (a provider's application to a
    European Reference Network), as its rules read it."""

    @property
    def network(self) -> str | None:
        """The network the provider applied to."""
        return _text(self._data, "network")

    @property
    def country(self) -> str | None:
        """The provider's Member State (its ISO code)."""
        return _text(self._data, "country")

    @once
    def criteria_met(self) -> frozenset[str]:
        """The criteria the independent assessment found met (none before it)."""
        assessment = _record(self._data, "assessment") or {}
        return frozenset(assessment.get("met") or ())

    @property
    def favourable_opinion(self) -> bool:
        """Whether the network gave a favourable opinion on the application."""
        opinion = _record(self._data, "opinion") or {}
        return bool(opinion.get("favourable"))


# -- no-competence-service --------------------------------------------------------------


@attrs.frozen
class YearReport:
    """A service's report for a year, whether it says the goals are met, and
    the day it was given."""

    year: int
    goals_met: bool
    reported_on: date | None = None


_REVIEW_CRITERIA = ("quality_of_course", "national_competence", "cost_effectiveness")


class NorwayCase(CaseView):
    """A case of the regime ``no-competence-service`` (a Norwegian national
    competence service), as its rules read it."""

    @property
    def initiator(self) -> str | None:
        """The regional health enterprise that took the initiative."""
        return _text(self._data, "initiator")

    @once
    def supporters(self) -> frozenset[str]:
        """The other enterprises that supported the initiative."""
        return frozenset(s["enterprise"] for s in _items(self._data, "supporters"))

    @once
    def criteria_met(self) -> frozenset[str]:
        """The approval criteria the directorate's review found met (none before it)."""
        review = _record(self._data, "review") or {}
        return frozenset(c for c in _REVIEW_CRITERIA if review.get(c))

    @property
    def approved_on(self) -> date | None:
        """The day the ministry approved the service."""
        approved = self._data.get("approved_at")
        return None if approved is None else _day(approved)

    @once
    def annual_reports(self) -> tuple[YearReport, ...]:
        """The annual reports, in the order given."""
        return tuple(
            YearReport(int(r["year"]), bool(r["goals_met"]), _day(r["reported_at"]))
            for r in _items(self._data, "annual_reports")
        )

    @property
    def latest_report(self) -> YearReport | None:
        """The report for the latest year, if any."""
        return max(self.annual_reports, key=lambda r: r.year, default=None)

    @property
    def goals_met_report(self) -> YearReport | None:
        """The first annual report that says the goals are met, if any: from
        it on the wind-down is due, and a later report does not take that back."""
        return next((r for r in self.annual_reports if r.goals_met), None)
