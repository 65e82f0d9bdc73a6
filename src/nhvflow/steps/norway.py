"""Typed steps of Norway's national competence services
(``"no-competence-service"``); see :mod:`nhvflow.steps`.

.. versionadded:: 0.1
"""

from __future__ import annotations

from nhvflow.events import norway as _ev

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

Submit = _ev.InitiativeTaken
"""``submit``: a regional health enterprise takes the initiative for a service (opens a case)."""
Support = _ev.InitiativeSupported
"""``support``: another regional health enterprise supports the initiative."""
Apply = _ev.ServiceApplied
"""``apply``: the initiating enterprise applies to the ministry for approval."""
Review = _ev.ServiceReviewed
"""``review``: Helsedirektoratet reviews the service against the three criteria."""
Approve = _ev.ServiceApproved
"""``approve``: the ministry approves the service with its plan."""
Refuse = _ev.ServiceRefused
"""``refuse``: the ministry refuses the service."""
ReportAnnually = _ev.AnnualReportSubmitted
"""``report_annually``: the initiating enterprise reports the year's results."""
WindDown = _ev.ServiceWoundDown
"""``wind_down``: the ministry winds the service down."""
