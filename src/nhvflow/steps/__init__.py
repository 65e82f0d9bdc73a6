"""Typed steps: each step of a process as a class a type checker knows.

Give a step as an object instead of a trigger name and keywords, and
``mypy --strict`` checks it in your code: a misspelt step is an undefined
name, a misspelt field an unexpected keyword, a field of the wrong type an
incompatible argument::

    from nhvflow.steps import AppointExpertGroup, Decide, Submit

    case = reg.submit(npo, Submit(title="...", programme_area="..."))
    reg.fire(case.id, AppointExpertGroup(experts=group), sos)
    reg.fire(case.id, Decide(units=2), sos)  # = fire(case.id, "decide", sos, units=2)
    reg.check(case.id, Decide(units=6), sos)  # the dry run takes them too

Each name here is the step's trigger in CamelCase and *is* the event class
that records it (``Decide`` is :class:`nhvflow.events.NhvDecided`): the
engine turns the object into the trigger and keywords of the keyword form
and goes on the same way, so the fields are validated as for keywords, the
same rules judge the step and the log records the same event. The keyword
form stays; :data:`Trigger` names its triggers for a ``Literal`` annotation.

This module holds the steps of the law in force (``"nhv"``); the other
regimes' steps are in :mod:`nhvflow.steps.kc`, :mod:`nhvflow.steps.norway`
and :mod:`nhvflow.steps.ern` (``submit`` with their ``Submit`` opens a case
of that regime).

A field the step requires is checked when the object is built (``Decide()``
raises ``TypeError``: missing ``units``); a type checker sees every field as
optional, because the classes declare their fields through nhvflow's payload
helpers.

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import Literal

from nhvflow.events import Fact
from nhvflow.events import nhv as _ev

__all__ = [
    "ApplyForPermit",
    "AppointExpertGroup",
    "CloseConsultation",
    "CloseNotEligible",
    "Decide",
    "DeliverBasis",
    "Evaluate",
    "Fact",
    "GrantPermits",
    "OpenConsultation",
    "PrepareBoard",
    "ReferBack",
    "Reject",
    "ReportFollowUp",
    "RequestRevocation",
    "RevokePermit",
    "Submit",
    "Trigger",
    "Withdraw",
]

Submit = _ev.ProposalSubmitted
"""``submit`` (step 1): an NPO proposes a care area and nominates experts."""
AppointExpertGroup = _ev.ExpertGroupAppointed
"""``appoint_expert_group`` (step 2): Socialstyrelsen appoints the expert group."""
DeliverBasis = _ev.BasisDelivered
"""``deliver_basis`` (step 2): the expert group delivers its basis for decision."""
OpenConsultation = _ev.ConsultationOpened
"""``open_consultation`` (step 3): the basis goes out for consultation."""
CloseConsultation = _ev.ConsultationClosed
"""``close_consultation`` (step 3): the consultation closes; the decision is prepared."""
Decide = _ev.NhvDecided
"""``decide`` (step 4): Socialstyrelsen decides the care is NHV, at how many units."""
Reject = _ev.ProposalRejected
"""``reject`` (step 4): Socialstyrelsen decides the care is not NHV."""
ApplyForPermit = _ev.PermitApplied
"""``apply_for_permit`` (step 5): a region applies for a permit."""
PrepareBoard = _ev.CasePreparedForBoard
"""``prepare_board`` (step 6): the board's decision is prepared."""
GrantPermits = _ev.PermitsGranted
"""``grant_permits`` (step 7): the NHV board grants permits."""
ReferBack = _ev.ReferredBack
"""``refer_back`` (step 7): the board sends the case back for more preparation."""
ReportFollowUp = _ev.FollowUpReported
"""``report_follow_up`` (step 8): a permit holder reports its annual follow-up."""
Evaluate = _ev.PermitsEvaluated
"""``evaluate`` (step 8): Socialstyrelsen evaluates the permits."""
RequestRevocation = _ev.RevocationRequested
"""``request_revocation``: a permit holder asks for its permit to be revoked."""
RevokePermit = _ev.PermitRevoked
"""``revoke_permit``: the board revokes a permit."""
CloseNotEligible = _ev.ClosedNotEligible
"""``close_not_eligible``: Socialstyrelsen closes a proposal as not eligible."""
Withdraw = _ev.ProposalWithdrawn
"""``withdraw``: the NPO withdraws its proposal."""

Trigger = Literal[
    "submit",
    "appoint_expert_group",
    "deliver_basis",
    "open_consultation",
    "close_consultation",
    "decide",
    "reject",
    "apply_for_permit",
    "prepare_board",
    "grant_permits",
    "refer_back",
    "report_follow_up",
    "evaluate",
    "request_revocation",
    "revoke_permit",
    "close_not_eligible",
    "withdraw",
]
"""The triggers of ``"nhv"``, for annotating a trigger name of the keyword form."""
