"""The law of the other built-in regimes as invariants of a case, each taken
from one of the regime's own rules: what a
:class:`~nhvflow.testing.ProcessStateMachine` checks after every step of a
``"kc-proposal"``, ``"no-competence-service"`` or ``"ern-membership"`` case.
"""

from __future__ import annotations

from collections.abc import Callable

from nhvflow.events.ern import ERN_CRITERIA
from nhvflow.model import HEALTH_ENTERPRISES, Case
from nhvflow.rules.ern import AMENDED, looks_like_personal_identity_number
from nhvflow.rules.kc import NO_FINANCING
from nhvflow.rules.norway import APPROVAL_CRITERIA
from nhvflow.testing._checks import InvariantViolated

__all__ = ["REGIME_INVARIANTS", "check_regime_law"]

REGIME_INVARIANTS: dict[str, tuple[str, ...]] = {
    "kc-proposal": ("centres-within-basis", "financing-form", "state-grant-one-year"),
    "no-competence-service": (
        "support-before-application",
        "approval-criteria-met",
        "wind-down-when-goals-met",
    ),
    "ern-membership": ("member-meets-criteria", "member-has-favourable-opinion",
                       "no-patient-data"),
}  # fmt: skip
"""The invariants :func:`check_regime_law` checks, by regime."""


def _kc(case: Case) -> None:
    """``kc.number-and-tasks``: centres only at applicants, one per region,
    never more than the basis fixed; ``kc.financing-form`` and
    ``kc.state-grant-one-year``: a named form of financing, and a state grant
    beyond one year only with the Riksdag's authorisation."""
    data = case.data
    centres = [c["region"] for c in data.get("centres", [])]
    if not centres:
        return
    fixed = int((data.get("basis") or {}).get("centres") or 0)
    applied = {a["region"] for a in data.get("applicants", [])}
    if len(centres) > fixed or len(set(centres)) != len(centres) or not set(centres) <= applied:
        raise InvariantViolated(
            "centres-within-basis",
            f"case {case.id} established centres at {centres}; the basis fixed {fixed} and "
            f"the applicants were {sorted(applied)}",
        )
    financing = data.get("financing") or {}
    form = str(financing.get("form") or "")
    if not form.strip() or "_".join(form.casefold().split()) in NO_FINANCING:
        raise InvariantViolated(
            "financing-form",
            f"case {case.id} established centres financed as {financing.get('form')!r}, which "
            "names no financing",
        )
    term = financing.get("grant_years")
    years = 1 if term is None else int(term)  # a grant with no term runs one year
    authorised = bool(financing.get("riksdag_authorisation"))
    if financing["form"] == "state_grant" and (years < 1 or (years > 1 and not authorised)):
        raise InvariantViolated(
            "state-grant-one-year",
            f"case {case.id} established centres on a state grant of {years} years "
            f"without the Riksdag's authorisation (financing {financing})",
        )


def _norway(case: Case) -> None:
    """``no.support-of-the-others``: applied only with the support of every
    other regional health enterprise; ``no.approval-criteria``: approved only
    when the review found all three criteria met;
    ``no.wind-down-when-goals-met``: a service wound down only after a report
    saying its goals are met, or for a recorded reason."""
    data = case.data
    if "application" in data:
        supporters = {s["enterprise"] for s in data.get("supporters", [])}
        initiator = data.get("initiator")
        missing = [e for e in HEALTH_ENTERPRISES if e != initiator and e not in supporters]
        if missing:
            raise InvariantViolated(
                "support-before-application",
                f"case {case.id} was applied for by {data.get('initiator')} without the "
                f"support of {', '.join(missing)}",
            )
    if "approved_at" in data:
        review = data.get("review") or {}
        unmet = [c for c in APPROVAL_CRITERIA if not review.get(c)]
        if unmet:
            raise InvariantViolated(
                "approval-criteria-met",
                f"case {case.id} was approved though the review did not find "
                f"{', '.join(unmet)} (review {review})",
            )
    if "wind_down" in data and not str(data["wind_down"].get("reason", "")).strip():
        reports = data.get("annual_reports", [])
        latest = max(reports, key=lambda r: r["year"]) if reports else None
        if latest is None or not latest["goals_met"]:
            raise InvariantViolated(
                "wind-down-when-goals-met",
                f"case {case.id} was wound down with no reason recorded, and its latest annual "
                f"report ({latest}) does not say the goals are met",
            )


def _ern(case: Case) -> None:
    """``ern.criteria``: a member met every criterion in its assessment;
    ``ern.favourable-opinion``: a member admitted from 18 August 2019 had the
    network's favourable opinion; ``ern.no-patient-data``: no consultation
    recorded what looks like a personal identity number."""
    data = case.data
    membership = data.get("membership")
    if membership is not None:
        met = set((data.get("assessment") or {}).get("met", []))
        unmet = [c for c in ERN_CRITERIA if c not in met]
        if unmet:
            raise InvariantViolated(
                "member-meets-criteria",
                f"case {case.id} was admitted though the assessment did not find "
                f"{', '.join(unmet)} met",
            )
        admitted = str(membership.get("admitted_at", ""))[:10]
        favourable = (data.get("opinion") or {}).get("favourable")
        if admitted >= AMENDED.isoformat() and not favourable:
            raise InvariantViolated(
                "member-has-favourable-opinion",
                f"case {case.id} was admitted on {admitted} without the network's favourable "
                "opinion",
            )
    for consultation in data.get("consultations", []):
        if looks_like_personal_identity_number(str(consultation.get("reference", ""))):
            raise InvariantViolated(
                "no-patient-data",
                f"case {case.id} recorded a consultation under {consultation['reference']!r}, "
                "which looks like a personal identity number",
            )


_LAWS: dict[str, Callable[[Case], None]] = {
    "kc-proposal": _kc,
    "no-competence-service": _norway,
    "ern-membership": _ern,
}


def check_regime_law(case: Case) -> None:
    """The case keeps the law of its regime (see :data:`REGIME_INVARIANTS`);
    cases of other processes pass. Raises :class:`InvariantViolated`."""
    law = _LAWS.get(case.process)
    if law is not None:
        law(case)
