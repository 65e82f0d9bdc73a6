"""Typed steps of the proposed competence-centre system (``"kc-proposal"``);
one import per step, the event class that records it named as the step; see
:mod:`nhvflow.steps`.

.. versionadded:: 0.1
"""

from __future__ import annotations

from nhvflow.events.kc import CentreProposalClosed as Close
from nhvflow.events.kc import CentreProposalWithdrawn as Withdraw
from nhvflow.events.kc import CentresAndTasksFixed as DeliverBasis
from nhvflow.events.kc import CentresEstablished as Establish
from nhvflow.events.kc import CentresEvaluated as Evaluate
from nhvflow.events.kc import EstablishmentApplied as ApplyToEstablish
from nhvflow.events.kc import NeedDefined as Submit
from nhvflow.events.kc import SystemEffectsAssessed as AssessSystemEffects
from nhvflow.events.nhv import ExpertGroupAppointed as AppointExpertGroup

__all__ = [
    "ApplyToEstablish",
    "AppointExpertGroup",
    "AssessSystemEffects",
    "Close",
    "DeliverBasis",
    "Establish",
    "Evaluate",
    "Submit",
    "Withdraw",
]
