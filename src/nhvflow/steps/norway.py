"""Typed steps of Norway's national competence services
(``"no-competence-service"``); one import per step, the event class that
records it named as the step; see :mod:`nhvflow.steps`.

.. versionadded:: 0.1
"""

from __future__ import annotations

from nhvflow.events.norway import AnnualReportSubmitted as ReportAnnually
from nhvflow.events.norway import InitiativeSupported as Support
from nhvflow.events.norway import InitiativeTaken as Submit
from nhvflow.events.norway import ServiceApplied as Apply
from nhvflow.events.norway import ServiceApproved as Approve
from nhvflow.events.norway import ServiceRefused as Refuse
from nhvflow.events.norway import ServiceReviewed as Review
from nhvflow.events.norway import ServiceWoundDown as WindDown

__all__ = [
    "Apply",
    "Approve",
    "Refuse",
    "ReportAnnually",
    "Review",
    "Submit",
    "Support",
    "WindDown",
]
