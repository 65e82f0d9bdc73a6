"""Typed steps of membership of a European Reference Network
(``"ern-membership"``); one import per step, the event class that records it
named as the step; see :mod:`nhvflow.steps`.

.. versionadded:: 0.1
"""

from __future__ import annotations

from nhvflow.events.ern import ApplicationAssessed as Assess
from nhvflow.events.ern import ApplicationEndorsed as Endorse
from nhvflow.events.ern import EligibilityChecked as CheckEligibility
from nhvflow.events.ern import MemberAdmitted as Admit
from nhvflow.events.ern import MembershipApplied as Submit
from nhvflow.events.ern import MembershipDeclined as Decline
from nhvflow.events.ern import OpinionGiven as GiveOpinion
from nhvflow.events.ern import VirtualConsultationHeld as HoldConsultation

__all__ = [
    "Admit",
    "Assess",
    "CheckEligibility",
    "Decline",
    "Endorse",
    "GiveOpinion",
    "HoldConsultation",
    "Submit",
]
