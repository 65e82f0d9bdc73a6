"""Typed steps of membership of a European Reference Network
(``"ern-membership"``); see :mod:`nhvflow.steps`.

.. versionadded:: 0.1
"""

from __future__ import annotations

from nhvflow.events import ern as _ev

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

Submit = _ev.MembershipApplied
"""``submit``: a healthcare provider applies for membership (opens a case)."""
Endorse = _ev.ApplicationEndorsed
"""``endorse``: the provider's Member State endorses the application."""
CheckEligibility = _ev.EligibilityChecked
"""``check_eligibility``: the European Commission checks the application."""
GiveOpinion = _ev.OpinionGiven
"""``give_opinion``: the network's coordinator gives the network's opinion."""
Assess = _ev.ApplicationAssessed
"""``assess``: the independent assessment body assesses the application."""
Admit = _ev.MemberAdmitted
"""``admit``: the Board of Member States approves the provider as a member."""
Decline = _ev.MembershipDeclined
"""``decline``: the Board of Member States declines the application."""
HoldConsultation = _ev.VirtualConsultationHeld
"""``hold_consultation``: the network's coordinator holds a virtual consultation."""
