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
of that regime). Each module is one import per step, ``from <events> import
<EventClass> as <Step>``: the event class's docstring says what the step
records, and ``docs/process.md`` who takes it and between which states.

A field the step requires is checked when the object is built (``Decide()``
raises ``TypeError``: missing ``units``); a type checker sees every field as
optional, because the classes declare their fields through nhvflow's payload
helpers.

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import Literal

from nhvflow.events import Fact
from nhvflow.events.nhv import BasisDelivered as DeliverBasis
from nhvflow.events.nhv import CasePreparedForBoard as PrepareBoard
from nhvflow.events.nhv import ClosedNotEligible as CloseNotEligible
from nhvflow.events.nhv import ConsultationClosed as CloseConsultation
from nhvflow.events.nhv import ConsultationOpened as OpenConsultation
from nhvflow.events.nhv import ExpertGroupAppointed as AppointExpertGroup
from nhvflow.events.nhv import FollowUpReported as ReportFollowUp
from nhvflow.events.nhv import NhvDecided as Decide
from nhvflow.events.nhv import PermitApplied as ApplyForPermit
from nhvflow.events.nhv import PermitRevoked as RevokePermit
from nhvflow.events.nhv import PermitsEvaluated as Evaluate
from nhvflow.events.nhv import PermitsGranted as GrantPermits
from nhvflow.events.nhv import ProposalRejected as Reject
from nhvflow.events.nhv import ProposalSubmitted as Submit
from nhvflow.events.nhv import ProposalWithdrawn as Withdraw
from nhvflow.events.nhv import ReferredBack as ReferBack
from nhvflow.events.nhv import RevocationRequested as RequestRevocation

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
